/// The one price rule of one-off purchases: no one-off purchase — a custom amount included — buys a
/// credit for less than the best pack's price per credit. Packs are the discounts; the custom amount
/// is sold at the catalogue's base price of a credit, which must not undercut them. Subscriptions may
/// be cheaper per credit: the catalogue's price table shows by how much (`prices`).
///
/// Prices per credit are compared as fractions (cents × credits crossed), never as decimals, so a
/// rule that holds to the cent holds exactly.
struct PriceRule: Sendable {
    struct Item: Sendable, Equatable {
        let name: String
        let cents: Int64
        let credits: Int64

        /// A pack as the rule names it in a refusal.
        static func pack(_ name: String, cents: Int64, credits: Int64) -> Item {
            Item(name: "the pack '\(name)'", cents: cents, credits: credits)
        }

        /// Millionths of the currency per credit, rounded down ("$0.3999" is 399_900).
        var microsPerCredit: Int64 { self.cents * 10_000 / self.credits }
    }

    struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        let item: Item
        let best: Item
        var description: String {
            "\(item.name) sells at \(Self.perCredit(item)), below the best pack, \(best.name), at \(Self.perCredit(best))"
        }

        /// "$0.3999 a credit": four decimals are enough to tell any two of these prices apart.
        static func perCredit(_ item: Item) -> String {
            let tenThousandths = item.microsPerCredit / 100
            let fraction = String(tenThousandths % 10_000)
            return
                "$\(tenThousandths / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction) a credit"
        }
    }

    /// The active packs (price and credits each).
    let packs: [Item]
    /// The base price of one credit: custom amounts are sold at it.
    let creditPriceCents: Int64

    /// The pack with the lowest price per credit, if any pack is on sale.
    var best: Item? {
        self.packs.min { Self.cheaper($0, than: $1) }
    }

    /// `a` costs less per credit than `b`.
    static func cheaper(_ a: Item, than b: Item) -> Bool { a.cents * b.credits < b.cents * a.credits }

    /// What a custom amount buys at the base price: whole credits, so never more than the price allows.
    func custom(cents: Int64) -> Item {
        Item(name: "a custom amount of $\(cents / 100)", cents: cents, credits: cents / self.creditPriceCents)
    }

    /// Checks the base price against the best pack: packs cannot undercut the best pack by definition;
    /// the base price can, and then the catalogue is refused.
    func check() throws(Violation) {
        try self.check(Item(name: "the base price (custom amounts)", cents: self.creditPriceCents, credits: 1))
    }

    /// Checks one one-off purchase against the best pack.
    func check(_ item: Item) throws(Violation) {
        guard let best = self.best, item.credits > 0 else { return }
        if Self.cheaper(item, than: best) { throw Violation(item: item, best: best) }
    }

    /// How far below the base price `item` sells, in hundredths of a percent (negative: dearer).
    func discountBasisPoints(_ item: Item) -> Int64 {
        let base = self.creditPriceCents * item.credits
        return (base - item.cents) * 10_000 / base
    }
}
