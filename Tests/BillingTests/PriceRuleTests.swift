import Foundation
import TestSupport
import Testing

/// The one price rule of one-off purchases (Services/Billing/PriceRule.swift): no pack or custom amount
/// buys a credit for less than the best pack's price per credit; and the local payment provider,
/// which takes no money, runs in development only.
@Suite(.serialized) struct PriceRuleTests {
    /// Best pack of the default catalogue: Studio, $39.99 for 100 credits.
    static let best = (cents: 3999, credits: 100)

    static func notCheaperThanBest(cents: Int, credits: Int) -> Bool {
        cents * Self.best.credits >= Self.best.cents * credits
    }

    @Test func everyOneOffPurchaseSellsAtOrAboveTheBestPacksRate() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("sweep@imageswiss.test")

        let packs = try await billing.http.call("GET", "/api/v1/billing/packs")
        let items = try #require(packs.json["items"] as? [[String: Any]])
        #expect(packs.json["credit_price_cents"] as? Int == 50, "the base price is $0.50 a credit")
        for pack in items {
            let checkout = try await billing.http.call(
                "POST", "/api/v1/billing/checkout", json: ["pack_id": pack["id"]!], bearer: user.access)
            let (cents, credits) = (checkout.json["amount_cents"] as? Int ?? 0, checkout.json["credits"] as? Int ?? 0)
            #expect(
                checkout.status == 201 && credits > 0 && Self.notCheaperThanBest(cents: cents, credits: credits),
                "\(pack): \(checkout.text)")
        }
        // Custom amounts across the whole allowed range, the old leak's $5 among them ($5 bought 500 credits).
        for dollars in [1, 2, 3, 4, 5, 7, 10, 13, 39, 40, 99, 100, 101, 399, 400, 999, 1000] {
            let checkout = try await billing.http.call(
                "POST", "/api/v1/billing/checkout", json: ["amount_cents": dollars * 100], bearer: user.access)
            let credits = checkout.json["credits"] as? Int ?? 0
            #expect(checkout.status == 201 && credits == dollars * 2, "$\(dollars): \(checkout.text)")
            #expect(
                Self.notCheaperThanBest(cents: dollars * 100, credits: credits), "$\(dollars) buys \(credits) credits")
        }

        // Packs repriced above the base rate after start-up (a direct database edit) close custom amounts
        // rather than let them undercut the best pack.
        try await billing.database.execute("UPDATE packs SET price_cents = price_cents * 10")
        let checkouts = try await billing.count("SELECT count(*) FROM checkouts")
        let refused = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["amount_cents": 500], bearer: user.access)
        #expect(refused.status == 409 && refused.errorCode == "price_rule", "\(refused.text)")
        #expect(refused.text.contains("Studio"), "names the pack it would undercut: \(refused.text)")
        #expect(try await billing.count("SELECT count(*) FROM checkouts") == checkouts, "nothing written")
    }

    /// The base price moved into the catalogue; the old setting stops start-up rather than be ignored
    /// (SalesCatalogueTests proves the rule on catalogue changes).
    @Test func theRemovedRateSettingStopsStartUp() async throws {
        let output = try await Self.billingThatMustNotStart([
            "BILLING_CREDITS_PER_DOLLAR": "100", "BILLING_ENVIRONMENT": "development",
        ])
        #expect(output.contains("BILLING_CREDITS_PER_DOLLAR is gone") && output.contains("catalogue"), "\(output)")
    }

    @Test func productionRefusesTheLocalPaymentProvider() async throws {
        let output = try await Self.billingThatMustNotStart([
            "BILLING_PAYMENT_PROVIDER": "local", "BILLING_ENVIRONMENT": "production",
        ])
        #expect(output.contains("BILLING_ENVIRONMENT=development"), "\(output)")
        // The default environment is production.
        let byDefault = try await Self.billingThatMustNotStart(["BILLING_PAYMENT_PROVIDER": "local"])
        #expect(byDefault.contains("BILLING_PAYMENT_PROVIDER=local"), "\(byDefault)")
    }

    /// Starts Billing alone on a fresh database with `settings`, expects it to exit non-zero within 60 s
    /// and returns what it printed.
    static func billingThatMustNotStart(_ settings: [String: String]) async throws -> String {
        let url = try await TestPostgres.shared().makeDatabase(prefix: "billing")
        var environment = ProcessInfo.processInfo.environment
        environment["BILLING_ENVIRONMENT"] = nil
        environment.merge([
            "BILLING_DATABASE_URL": url, "BILLING_RPC_PORT": "\(try freePort())", "BILLING_METRICS_PORT": "0",
        ]) { _, new in new }
        environment.merge(settings) { _, new in new }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "billing-\(UUID().uuidString.prefix(8)).log"
        ).path
        let process = try ChildProcess.spawn(
            try buildProductsDirectory() + "/imageswiss-billing", [], environment: environment, outputPath: log)
        // A Billing that starts after all is killed at the deadline (status 128 + 9).
        let deadline = Task {
            try await Task.sleep(for: .seconds(60))
            process.signal(SIGKILL)
        }
        let status = try await process.wait()
        deadline.cancel()
        #expect(status == 1, "billing exited \(status) with \(settings): \(process.output)")
        return process.output
    }
}
