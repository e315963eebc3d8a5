import Foundation
import ImageSwissProtos
import Postgres
import TestSupport
import Testing

/// The sales catalogue (Services/Billing/Catalogue.swift): versions edited by admins under the price
/// rule; yearly periods and carry-over credits; accounts on the tiers before it keep what they have.
@Suite(.serialized) struct SalesCatalogueTests {
    static func ids(_ reply: HTTPReply, _ key: String) -> [String] {
        (reply.json[key] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test func theCatalogueIsVersionedAndKeepsThePriceRule() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let admin = try await billing.http.signedInUser(BillingStack.adminEmail)
        let user = try await billing.http.signedInUser("shopper@imageswiss.test")

        // The default: the restoration plan's packs and tiers; Plus and Pro kept, off sale.
        let first = try await billing.http.call("GET", "/api/v1/admin/billing/catalogue", bearer: admin.access)
        #expect(first.json["version"] as? Int == 1 && first.json["credit_price_cents"] as? Int == 50, "\(first.text)")
        #expect(Self.ids(first, "packs") == ["starter", "standard", "studio"])
        #expect(Self.ids(first, "tiers") == ["free", "remember", "cherish", "plus", "forever", "pro"])
        let prices = Dictionary(
            (first.json["prices"] as? [[String: Any]] ?? []).map { ($0["item"] as? String ?? "", $0) },
            uniquingKeysWith: { a, _ in a })
        #expect(prices["custom amount"]?["discount_basis_points"] as? Int == 0)
        #expect(prices["pack studio"]?["micros_per_credit"] as? Int == 399_900)
        #expect(prices["pack studio"]?["discount_basis_points"] as? Int == 2002, "20.02 % below the base price")
        #expect(prices["tier forever, yearly"]?["micros_per_credit"] as? Int == 111_105)
        #expect(prices["tier remember, monthly"]?["micros_per_credit"] as? Int == 199_600)

        let shown = try await billing.http.call("GET", "/api/v1/billing/catalogue")
        #expect(Self.ids(shown, "tiers") == ["free", "remember", "cherish", "forever"], "\(shown.text)")
        #expect(shown.json["created_by"] == nil)
        #expect(
            !(shown.json["prices"] as? [[String: Any]] ?? []).contains {
                ($0["item"] as? String)?.hasPrefix("tier plus") == true
            })
        let forever = (shown.json["tiers"] as? [[String: Any]])?.last
        #expect(
            forever?["annual_price_cents"] as? Int == 19999 && forever?["monthly_credits"] as? Int == 150
                && forever?["carry_over"] as? Bool == true)

        let next: [String: Any] = [
            "credit_price_cents": 60,
            "packs": [
                ["id": "starter", "name": "Starter", "price_cents": 499, "credits": 10],
                ["id": "mega", "name": "Mega", "price_cents": 9999, "credits": 300],
            ],
            "tiers": [
                [
                    "id": "free", "name": "Free", "price_cents": 0, "monthly_credits": 3, "max_output_pixels": 480,
                    "daily_cap": 50, "carry_over": false,
                ],
                [
                    "id": "remember", "name": "Remember", "price_cents": 499, "annual_price_cents": 4999,
                    "monthly_credits": 25, "priority": true, "max_output_pixels": 720, "daily_cap": 1000,
                ],
                [
                    "id": "forever", "name": "Forever", "price_cents": 1999, "monthly_credits": 150, "priority": true,
                    "max_output_pixels": 720, "daily_cap": 5000,
                ],
            ],
        ]
        let refusedForUser = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/catalogue", json: next, bearer: user.access)
        #expect(refusedForUser.status == 403, "\(refusedForUser.text)")

        // A base price below the best pack's is the leak: refused, naming both, nothing written.
        var leak = next
        leak["credit_price_cents"] = 30
        let refused = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/catalogue", json: leak, bearer: admin.access)
        #expect(refused.status == 400 && refused.errorCode == "price_rule", "\(refused.text)")
        #expect(refused.text.contains("'Mega'") && refused.text.contains("$0.3000"), "\(refused.text)")
        var freeNotFirst = next
        freeNotFirst["tiers"] = Array((next["tiers"] as! [[String: Any]]).reversed())
        let misordered = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/catalogue", json: freeNotFirst, bearer: admin.access)
        #expect(misordered.status == 400 && misordered.errorCode == "invalid_tiers", "\(misordered.text)")
        #expect(try await billing.count("SELECT count(*) FROM catalogue_versions") == 1)

        // A valid one is version 2; the same key again is the same call.
        let key = ["Idempotency-Key": "catalogue-2"]
        let second = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/catalogue", json: next, bearer: admin.access, headers: key)
        #expect(second.status == 200 && second.json["version"] as? Int == 2, "\(second.text)")
        let replay = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/catalogue", json: next, bearer: admin.access, headers: key)
        #expect(replay.json["version"] as? Int == 2)
        #expect(try await billing.count("SELECT count(*) FROM catalogue_versions") == 2)
        let onSale = try await billing.http.call("GET", "/api/v1/billing/catalogue")
        #expect(Self.ids(onSale, "packs") == ["starter", "mega"])
        #expect(Self.ids(onSale, "tiers") == ["free", "remember", "forever"])

        // What is on sale is what can be bought: the new base price, no dropped pack or tier.
        let custom = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["amount_cents": 600], bearer: user.access)
        #expect(custom.status == 201 && custom.json["credits"] as? Int == 10, "\(custom.text)")
        let dropped = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "standard"], bearer: user.access)
        #expect(dropped.status == 400, "\(dropped.text)")
        let offSale = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "cherish"], bearer: user.access)
        #expect(offSale.status == 400 && offSale.text.contains("no longer sold"), "\(offSale.text)")
        let notYearly = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "forever", "interval": "year"], bearer: user.access)
        #expect(notYearly.status == 400 && notYearly.text.contains("not sold yearly"), "\(notYearly.text)")
    }

    /// Periods are moved by hand (period_end = now()) so that each renewal is one the test asked for.
    @Test func yearlyAndCarryOverCreditsLapseOnlyWhenTheSubscriptionEnds() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("keeper@imageswiss.test")
        func available(_ account: String) async throws -> Int64 { try await billing.balance(account).available }
        func renew(_ account: String) async throws {
            let before = try await billing.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'subscription_grant'", [account])
            try await billing.database.execute(
                "UPDATE subscriptions SET period_end = now() WHERE account_id = $1", [account])
            try await waitUntil(timeout: .seconds(10)) {
                try await billing.count(
                    "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'subscription_grant'",
                    [account]) > before
            }
        }

        let monthly = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: user.access)
        #expect(monthly.status == 200 && monthly.json["interval"] as? String == "month", "\(monthly.text)")
        #expect(try await available(user.id) == 3 + 25)
        try await billing.buy("starter", token: user.access)
        // Renewed: the month's 25 come on top of the last month's.
        try await renew(user.id)
        #expect(try await available(user.id) == 3 + 25 + 25 + 10)
        // Spending takes Free's expiring 3, then subscription credits, before purchased ones.
        _ = try await billing.spend(user.id, 30, key: "carry-over-spend")
        #expect(
            try await billing.count(
                "SELECT coalesce(sum(remaining), 0) FROM lots WHERE account_id = $1 AND source = 'purchase'", [user.id])
                == 10)

        // Cancelled: everything stays until the paid period ends; then the carried-over credits lapse.
        let cancelled = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "free"], bearer: user.access)
        #expect(cancelled.json["next_tier"] as? String == "free")
        #expect(try await available(user.id) == 23 + 10)
        try await renew(user.id)
        #expect(try await available(user.id) == 10 + 3, "purchased 10 and Free's 3")
        #expect(
            try await billing.count(
                "SELECT -sum(amount) FROM ledger_entries WHERE account_id = $1 AND kind = 'expiry'", [user.id]) == 23)
        #expect(try await billing.invariantsHold(user.id))

        // A year: twelve months' credits and one receipt at the yearly price, a period of twelve months.
        let yearly = try await billing.http.signedInUser("yearly@imageswiss.test")
        let year = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "cherish", "interval": "year"],
            bearer: yearly.access)
        #expect(year.status == 200 && year.json["interval"] as? String == "year", "\(year.text)")
        #expect(try await available(yearly.id) == 3 + 720)
        #expect(
            try await billing.count(
                "SELECT count(*) FROM receipts WHERE account_id = $1 AND amount_cents = 9999 AND credits = 720",
                [yearly.id]) == 1)
        #expect(
            try await billing.count(
                "SELECT extract(day FROM period_end - period_start)::int FROM subscriptions WHERE account_id = $1",
                [yearly.id]) == 360)
        // Back to monthly waits for the year's end; then a month of Cherish, the credits carried over.
        let toMonthly = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "cherish", "interval": "month"],
            bearer: yearly.access)
        #expect(
            toMonthly.json["interval"] as? String == "year" && toMonthly.json["next_interval"] as? String == "month")
        try await renew(yearly.id)
        let renewed = try await billing.http.call("GET", "/api/v1/billing/subscription", bearer: yearly.access)
        #expect(renewed.json["interval"] as? String == "month" && renewed.json["next_tier"] == nil, "\(renewed.text)")
        #expect(try await available(yearly.id) == 3 + 720 + 60)
        // Up a tier starts at once, monthly.
        let up = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "forever"], bearer: yearly.access)
        #expect((up.json["tier"] as? [String: Any])?["id"] as? String == "forever")
        #expect(try await available(yearly.id) == 3 + 720 + 60 + 150)
        #expect(try await billing.invariantsHold(yearly.id))
    }

    /// A database as the release before the catalogue left it — a Plus subscriber with a period's
    /// grant and purchased credits — is migrated by Billing at start, and the account keeps it all.
    @Test func accountsOnTheOldTiersKeepWhatTheyHave() async throws {
        let url = try await TestPostgres.shared().makeDatabase(prefix: "billing_v7")
        let pool = PostgresPool(configuration: .init(url: url, poolSize: 1))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let schema = try DatabaseSchema(directory: root.appendingPathComponent("Services/Billing/SQL"))
        let before = DatabaseSchema(
            migrations: schema.migrations.filter { $0.version <= 7 }, functions: schema.functions)
        try await Migrator.migrate(pool, before, logger: .init(label: "test"))
        let account = "acct-on-plus"
        try await pool.transaction { session in
            // The account as that release opened it (today's billing_lock_account needs later columns).
            try await session.execute("INSERT INTO accounts (account_id) VALUES ($1)", [account])
            try await session.execute(
                "INSERT INTO subscriptions (account_id, tier, period_start, period_end) VALUES ($1, 'free', now(), now() + interval '30 days')",
                [account])
            _ = try await session.query(
                "SELECT * FROM billing_grant($1, 3, 'subscription', now() + interval '30 days', 'free tier')", [account]
            )
            try await session.execute("UPDATE subscriptions SET tier = 'plus' WHERE account_id = $1", [account])
            _ = try await session.query(
                "SELECT * FROM billing_grant($1, 200, 'subscription', now() + interval '20 days', 'plus period')",
                [account])
            _ = try await session.query("SELECT * FROM billing_grant($1, 30, 'purchase', NULL, 'pack')", [account])
        }

        // (The stack's own Billing database is not this one: the checks below read `pool`.)
        let billing = try await BillingStack.start(["BILLING_DATABASE_URL": url])
        defer {
            Task {
                await billing.stop()
                await pool.close()
            }
        }
        let options = BillingStack.as(account)
        let subscription = try await billing.rpc.unary(
            BillingMethods.getSubscription, BillingGetSubscriptionRequest(), options: options)
        #expect(subscription.tier.tierID == "plus" && subscription.tier.monthlyCredits == 200)
        #expect(!subscription.tier.forSale && !subscription.tier.carryOver && subscription.interval == "month")
        #expect(try await billing.balance(account).available == 3 + 200 + 30)
        let tiers = try await billing.rpc.unary(BillingMethods.listTiers, BillingListTiersRequest(), options: options)
        #expect(tiers.tiers.map(\.tierID) == ["free", "remember", "cherish", "forever"])

        // Staying is allowed, though Plus is off sale; Remember is a lower rank (at period end), Forever higher.
        var change = BillingChangeSubscriptionRequest()
        change.tierID = "remember"
        change.idempotencyKey = "down"
        let down = try await billing.rpc.unary(BillingMethods.changeSubscription, change, options: options)
        #expect(down.tier.tierID == "plus" && down.nextTier == "remember")
        change.tierID = "plus"
        change.idempotencyKey = "stay"
        let stay = try await billing.rpc.unary(BillingMethods.changeSubscription, change, options: options)
        #expect(stay.tier.tierID == "plus" && stay.nextTier.isEmpty)
        #expect(try await LedgerInvariants.hold(for: account, in: pool))
        #expect(try await pool.query("SELECT count(*) FROM catalogue_versions").first!.decode(at: 0, as: Int.self) == 1)
    }
}
