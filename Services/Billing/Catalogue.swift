import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// The sales catalogue: the base price of a credit (custom amounts), packs and tiers. Admins replace
/// it as a whole; each replacement is a new version, kept for the record, and is refused when it
/// breaks the price rule (PriceRule), naming the item. The live rows are `packs` and `tiers`: a pack
/// or tier left out of a new version is taken off sale, and a tier's subscribers keep it.
extension BillingService {
    static let maxCatalogueItems = 20
    static let catalogueID = "^[a-z0-9_-]{1,40}$"

    func catalogue() async throws -> BillingCatalogue {
        let header = try await self.database.query(
            """
            SELECT version, currency, credit_price_cents, created_by, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM catalogue_versions ORDER BY version DESC LIMIT 1
            """
        ).first!
        var catalogue = BillingCatalogue()
        catalogue.version = UInt32(try header.decode("version", as: Int.self))
        catalogue.currency = try header.decode("currency")
        catalogue.creditPriceCents = try header.decode("credit_price_cents")
        catalogue.createdBy = try header.decode("created_by")
        catalogue.createdAt = .micros(try header.decode("created_us"))
        catalogue.packs = try await self.packsOnSale()
        catalogue.tiers = try await self.database.query(
            "SELECT \(Self.tierColumns) FROM tiers ORDER BY rank, id"
        ).map(Self.tier)
        catalogue.prices = Self.prices(catalogue)
        return catalogue
    }

    /// The base price of a credit now.
    func creditPriceCents(_ session: some PostgresQuerying) async throws -> Int64 {
        try await session.query("SELECT credit_price_cents FROM catalogue_versions ORDER BY version DESC LIMIT 1", [])
            .first!.decode("credit_price_cents")
    }

    /// The rule over the packs on sale now and the base price.
    func priceRule() async throws -> PriceRule {
        let packs = try await self.database.query("SELECT name, price_cents, credits FROM packs WHERE active").map {
            row in
            PriceRule.Item.pack(
                try row.decode("name"), cents: try row.decode("price_cents"), credits: try row.decode("credits"))
        }
        return PriceRule(packs: packs, creditPriceCents: try await self.creditPriceCents(self.database))
    }

    /// Every item's price per credit beside the base price: custom amounts, packs, and each tier per
    /// month and per year (a year's credits are twelve months').
    static func prices(_ catalogue: BillingCatalogue) -> [BillingCataloguePrice] {
        let rule = PriceRule(packs: [], creditPriceCents: catalogue.creditPriceCents)
        var items = [PriceRule.Item(name: "custom amount", cents: catalogue.creditPriceCents, credits: 1)]
        items += catalogue.packs.map {
            PriceRule.Item(name: "pack \($0.packID)", cents: $0.priceCents, credits: $0.credits)
        }
        for tier in catalogue.tiers where tier.monthlyCredits > 0 && tier.priceCents > 0 {
            items.append(
                PriceRule.Item(
                    name: "tier \(tier.tierID), monthly", cents: tier.priceCents, credits: tier.monthlyCredits))
            if tier.annualPriceCents > 0 {
                items.append(
                    PriceRule.Item(
                        name: "tier \(tier.tierID), yearly", cents: tier.annualPriceCents,
                        credits: 12 * tier.monthlyCredits))
            }
        }
        return items.map { item in
            var price = BillingCataloguePrice()
            price.item = item.name
            price.cents = item.cents
            price.credits = item.credits
            price.microsPerCredit = item.microsPerCredit
            price.discountBasisPoints = rule.discountBasisPoints(item)
            return price
        }
    }

    /// Admin: a new version of the catalogue.
    func setCatalogue(_ caller: RPCCaller, _ request: BillingSetCatalogueRequest) async throws -> BillingCatalogue {
        try self.requireAdmin(caller)
        try self.validate(request)
        let rule = PriceRule(
            packs: request.packs.map {
                PriceRule.Item.pack($0.name, cents: $0.priceCents, credits: $0.credits)
            },
            creditPriceCents: request.creditPriceCents)
        do {
            try rule.check()
        } catch {
            throw failure.error(.invalidArgument, "price_rule", "the price rule refuses this catalogue: \(error)")
        }
        _ = try await self.idempotency.run(
            caller: caller.id, method: "SetCatalogue", key: request.idempotencyKey, request: request
        ) { session in
            try await self.store(session, request, by: caller.id)
            return BillingCatalogue()
        }
        return try await self.catalogue()
    }

    private func store(_ session: PostgresSession, _ request: BillingSetCatalogueRequest, by admin: String) async throws
    {
        let currency = self.configuration.currency
        try await session.execute("UPDATE packs SET active = false")
        for (position, pack) in request.packs.enumerated() {
            try await session.execute(
                """
                INSERT INTO packs (id, name, price_cents, currency, credits, active, position) VALUES ($1, $2, $3, $4, $5, true, $6)
                ON CONFLICT (id) DO UPDATE SET name = $2, price_cents = $3, currency = $4, credits = $5, active = true, position = $6
                """, [pack.packID, pack.name, pack.priceCents, currency, pack.credits, position + 1])
        }
        try await session.execute("UPDATE tiers SET for_sale = false")
        for (rank, tier) in request.tiers.enumerated() {
            try await session.execute(
                """
                INSERT INTO tiers (id, name, price_cents, annual_price_cents, monthly_credits, priority, max_output_pixels, daily_cap, rank, carry_over, for_sale)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (id) DO UPDATE SET name = $2, price_cents = $3, annual_price_cents = $4, monthly_credits = $5,
                    priority = $6, max_output_pixels = $7, daily_cap = $8, rank = $9, carry_over = $10, for_sale = $11
                """,
                [
                    tier.tierID, tier.name, tier.priceCents, tier.annualPriceCents, tier.monthlyCredits, tier.priority,
                    Int(tier.maxOutputPixels), tier.dailyCap, rank, tier.carryOver, tier.forSale,
                ])
        }
        try await session.execute(
            """
            INSERT INTO catalogue_versions (currency, credit_price_cents, packs, tiers, created_by)
            SELECT $1, $2, (SELECT jsonb_agg(to_jsonb(p) - 'active' ORDER BY p.position, p.id) FROM packs p WHERE p.active),
                   (SELECT jsonb_agg(to_jsonb(t) ORDER BY t.rank, t.id) FROM tiers t), $3
            """, [currency, request.creditPriceCents, admin])
    }

    /// The catalogue's shape: names, ranges, Free first and free of charge. The price rule is
    /// checked after.
    private func validate(_ request: BillingSetCatalogueRequest) throws {
        let most = self.configuration.maxAmount
        guard (1...100_000).contains(request.creditPriceCents) else {
            throw failure.invalid("credit_price_cents", "the base price of a credit is 1 to 100000 cents")
        }
        guard (1...Self.maxCatalogueItems).contains(request.packs.count) else {
            throw failure.invalid("packs", "a catalogue has 1 to \(Self.maxCatalogueItems) packs")
        }
        for pack in request.packs {
            try Self.checkName(pack.packID, pack.name, field: "packs")
            guard (1...10_000_000).contains(pack.priceCents), (1...most).contains(pack.credits) else {
                throw failure.invalid(
                    "packs", "pack '\(pack.packID)': price 1 to 10000000 cents, credits 1 to \(most)")
            }
        }
        guard Set(request.packs.map(\.packID)).count == request.packs.count else {
            throw failure.invalid("packs", "a pack id is listed twice")
        }
        guard (1...Self.maxCatalogueItems).contains(request.tiers.count), let free = request.tiers.first,
            free.tierID == "free", free.priceCents == 0, free.annualPriceCents == 0, free.forSale
        else {
            throw failure.invalid(
                "tiers", "tiers are listed from Free upwards: the first is 'free', free of charge and for sale")
        }
        for tier in request.tiers {
            try Self.checkName(tier.tierID, tier.name, field: "tiers")
            guard tier.tierID == "free" || tier.priceCents > 0 else {
                throw failure.invalid("tiers", "tier '\(tier.tierID)': only Free is free of charge")
            }
            guard (0...10_000_000).contains(tier.priceCents), (0...120_000_000).contains(tier.annualPriceCents),
                (0...most).contains(tier.monthlyCredits), (1...most).contains(tier.dailyCap),
                (64...100_000).contains(tier.maxOutputPixels)
            else {
                throw failure.invalid(
                    "tiers",
                    "tier '\(tier.tierID)': prices up to 10000000 cents a month, credits 0 to \(most), daily cap 1 to \(most), max_output_pixels 64 to 100000"
                )
            }
        }
        guard Set(request.tiers.map(\.tierID)).count == request.tiers.count else {
            throw failure.invalid("tiers", "a tier id is listed twice")
        }
    }

    private static func checkName(_ id: String, _ name: String, field: String) throws {
        guard id.range(of: Self.catalogueID, options: .regularExpression) != nil else {
            throw failure.invalid(field, "ids are 1 to 40 of a-z, 0-9, '_' and '-': '\(id)'")
        }
        guard !name.isEmpty, name.count <= 60 else {
            throw failure.invalid(field, "'\(id)' needs a name of 1 to 60 characters")
        }
    }
}
