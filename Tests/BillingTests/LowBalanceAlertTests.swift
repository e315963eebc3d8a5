import Foundation
import TestSupport
import Testing

/// Each account chooses when it is warned that its credits run low; the ledger warns once, when a
/// spend crosses that threshold, and the configured threshold applies to accounts that chose none.
@Suite(.serialized) struct LowBalanceAlertTests {
    @Test func anAccountsOwnThresholdDecidesTheWarning() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("alerts@imageswiss.test")
        _ = try await billing.balance(user.id)  // 3 credits of the free tier
        _ = try await billing.grant(user.id, 30)
        func alert() async throws -> [String: Any] {
            try await billing.http.call("GET", "/api/v1/notifications/credits-low", bearer: user.access).json
        }
        let initial = try await alert()
        #expect(initial["threshold"] as? Int == 5 && initial["is_default"] as? Bool == true, "\(initial)")

        let set = try await billing.http.call(
            "PUT", "/api/v1/notifications/credits-low", json: ["threshold": 20], bearer: user.access)
        #expect(set.json["threshold"] as? Int == 20 && set.json["is_default"] as? Bool == false, "\(set.text)")
        func warnings() async throws -> [Int] {
            try await billing.database.query(
                "SELECT balance FROM events WHERE account_id = $1 AND kind = 'low_balance' ORDER BY id", [user.id]
            ).map { Int(try $0.decode("balance", as: Int64.self)) }
        }
        _ = try await billing.spend(user.id, 10, key: "alert-1")  // 33 → 23: above 20
        #expect(try await warnings().isEmpty)
        _ = try await billing.spend(user.id, 5, key: "alert-2")  // 23 → 18: crosses 20
        _ = try await billing.spend(user.id, 5, key: "alert-3")  // 18 → 13: already below
        #expect(try await warnings() == [18])

        let reset = try await billing.http.call(
            "PUT", "/api/v1/notifications/credits-low", json: ["use_default": true], bearer: user.access)
        #expect(reset.json["threshold"] as? Int == 5 && reset.json["is_default"] as? Bool == true, "\(reset.text)")
        _ = try await billing.spend(user.id, 9, key: "alert-4")  // 13 → 4: crosses the default 5
        #expect(try await warnings() == [18, 4])

        for body: [String: Any] in [["threshold": -1], ["threshold": 5_000_000], [:]] {
            let refused = try await billing.http.call(
                "PUT", "/api/v1/notifications/credits-low", json: body, bearer: user.access)
            #expect(refused.status == 400, "\(body): \(refused.text)")
        }
    }
}
