/// The one price rule of one-off purchases: no one-off purchase — a custom amount included — buys a
/// credit for less than the best pack's price per credit. Packs are the discounts; the custom amount
/// is priced at the base rate (`BILLING_CREDITS_PER_DOLLAR`), which must not undercut them.
///
/// Prices per credit are compared as fractions (cents × credits crossed), never as decimals, so a
/// rule that holds to the cent holds exactly.
struct PriceRule: Sendable {
    struct Item: Sendable, Equatable {
        let name: String
        let cents: Int64
        let credits: Int64
    }

    struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        let item: Item
        let best: Item
        var description: String {
            "\(item.name) sells at \(Self.perCredit(item)), below the best pack, \(best.name), at \(Self.perCredit(best))"
        }

        /// "$0.3999 a credit": four decimals are enough to tell any two of these prices apart.
        static func perCredit(_ item: Item) -> String {
            let tenThousandths = item.cents * 100 / item.credits
            let fraction = String(tenThousandths % 10_000)
            return
                "$\(tenThousandths / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction) a credit"
        }
    }

    /// The active packs (price and credits each).
    let packs: [Item]
    /// The base rate custom amounts are sold at.
    let creditsPerDollar: Int64

    /// The pack with the lowest price per credit, if any pack is on sale.
    var best: Item? {
        self.packs.min { $0.cents * $1.credits < $1.cents * $0.credits }
    }

    /// `a` costs less per credit than `b`.
    static func cheaper(_ a: Item, than b: Item) -> Bool { a.cents * b.credits < b.cents * a.credits }

    /// What a custom amount buys at the base rate.
    func custom(cents: Int64) -> Item {
        Item(name: "a custom amount of $\(cents / 100)", cents: cents, credits: cents * self.creditsPerDollar / 100)
    }

    /// Checks the base rate (one dollar at it) against the best pack: packs cannot undercut the best
    /// pack by definition; the base rate can, and then the catalogue is refused.
    func check() throws(Violation) {
        try self.check(
            Item(
                name: "BILLING_CREDITS_PER_DOLLAR=\(self.creditsPerDollar) (the custom amount's rate)",
                cents: 100, credits: self.creditsPerDollar))
    }

    /// Checks one one-off purchase against the best pack.
    func check(_ item: Item) throws(Violation) {
        guard let best = self.best, item.credits > 0 else { return }
        if Self.cheaper(item, than: best) { throw Violation(item: item, best: best) }
    }
}
