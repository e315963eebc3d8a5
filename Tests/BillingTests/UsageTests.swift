import Foundation
import ImageSwissProtos
import TestSupport
import Testing

/// What users and admins read of the money: a user's credits per day and operation for 7, 30 or 90
/// days (JSON and CSV), and the admin report's MRR, ARPU, active accounts and tier mix — each checked
/// against the ledger it is read from — and churn, against the subscriptions that ended.
@Suite(.serialized) struct UsageTests {
    @Test func usageAndTheAdminReportAgreeWithTheLedger() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let admin = try await billing.http.signedInUser(BillingStack.adminEmail)
        let user = try await billing.http.signedInUser("usage@imageswiss.test")
        _ = try await billing.balance(user.id)
        _ = try await billing.grant(user.id, 100)
        for (n, operation, amount) in [(1, "resize", 2), (2, "resize", 3), (3, "ocr", 4)] {
            var spend = BillingSpendRequest()
            (spend.amount, spend.operation, spend.reference, spend.idempotencyKey) = (
                Int64(amount), operation, "usage-\(n)", "usage-\(n)"
            )
            _ = try await billing.rpc.unary(BillingMethods.spend, spend, options: BillingStack.as(user.id))
        }

        let usage = try await billing.http.call("GET", "/api/v1/billing/usage?days=7", bearer: user.access)
        let lines = try #require(usage.json["lines"] as? [[String: Any]], "\(usage.text)")
        #expect(
            lines.map { "\($0["operation"]!):\($0["credits_spent"]!):\($0["charges"]!)" } == ["ocr:4:1", "resize:5:2"])
        #expect(usage.json["total_credits"] as? Int == 9 && usage.json["total_charges"] as? Int == 3)
        // This stack runs no Jobs (and the edge's Auth has no key usage to tell): the credits still come.
        #expect(usage.json["unavailable"] as? [String] == ["jobs"], "\(usage.text)")
        let ledger = try await billing.count(
            "SELECT -sum(amount) FROM ledger_entries WHERE account_id = $1 AND kind = 'spend'", [user.id])
        #expect(ledger == 9)
        let csv = try await billing.http.call("GET", "/api/v1/billing/usage?days=90&format=csv", bearer: user.access)
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        let rows = csv.text.split(separator: "\r\n").map(String.init)
        let today = ISO8601DateFormatter.string(
            from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        #expect(
            rows == [
                "day,operation,credits_spent,charges,jobs,files_processed,api_calls", "\(today),ocr,4,1,0,0,0",
                "\(today),resize,5,2,0,0,0",
            ], "\(csv.text)")
        #expect(try await billing.http.call("GET", "/api/v1/billing/usage?days=8", bearer: user.access).status == 400)
        // Another user sees only their own.
        let other = try await billing.http.signedInUser("other@imageswiss.test")
        let theirs = try await billing.http.call("GET", "/api/v1/billing/usage", bearer: other.access)
        #expect((theirs.json["lines"] as? [Any])?.isEmpty == true && theirs.json["days"] as? Int == 30)

        // Revenue: a pack, a monthly and a yearly subscription.
        try await billing.buy("starter", token: user.access)
        _ = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: other.access)
        let yearly = try await billing.http.signedInUser("yearly@imageswiss.test")
        _ = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "cherish", "interval": "year"], bearer: yearly.access)

        // A third paid subscription ends: it chose Free and its period is over (churn).
        let leaver = try await billing.http.signedInUser("leaver@imageswiss.test")
        _ = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "forever"], bearer: leaver.access)
        _ = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "free"], bearer: leaver.access)
        try await billing.database.execute(
            "UPDATE subscriptions SET period_end = now() WHERE account_id = $1", [leaver.id])
        try await waitUntil(timeout: .seconds(10)) {
            try await billing.count(
                "SELECT count(*) FROM subscriptions WHERE account_id = $1 AND tier = 'free'", [leaver.id]) == 1
        }

        let report = try await billing.http.call("GET", "/api/v1/admin/billing/report", bearer: admin.access)
        #expect(report.json["mrr_cents"] as? Int == 499 + 9999 / 12, "\(report.text)")
        #expect(report.json["paying_subscribers"] as? Int == 2)
        #expect(report.json["churned_subscribers"] as? Int == 1, "\(report.text)")
        #expect(report.json["churn_basis_points"] as? Int == 3333, "one of the three paying at the start")
        #expect(report.json["active_accounts"] as? Int == 1)
        let revenue = try await billing.count("SELECT sum(amount_cents) FROM receipts")
        #expect(revenue == 499 + 499 + 9999 + 1999)
        #expect(report.json["arpu_cents"] as? Int == Int((Double(revenue) / 4).rounded()), "rounded to the cent")
        let mix = report.json["tier_mix"] as? [String: Int] ?? [:]
        let free = try await billing.count("SELECT count(*) FROM subscriptions WHERE tier = 'free'")
        #expect(mix["remember"] == 1 && mix["cherish"] == 1 && mix["free"] == free && free >= 1, "\(mix)")
    }
}
