import Foundation
import TestSupport
import Testing

/// API keys for businesses: an optional expiry, a rate per key by the owner's tier, and each key's
/// calls and errors per day for its owner.
@Suite(.serialized) struct ApiKeyBusinessTests {
    @Test func keysExpireAreLimitedByTierAndCountTheirCalls() async throws {
        let stack = try await ServiceStack.start(
            ["auth", "billing", "storage"],
            environment: [
                "EDGE_KEY_USAGE_REPORT_MS": "200", "EDGE_RATE_LIMIT_KEY_PER_S": "1", "EDGE_RATE_LIMIT_KEY_BURST": "3",
                "EDGE_RATE_LIMIT_KEY_PAID_PER_S": "100", "EDGE_RATE_LIMIT_KEY_PAID_BURST": "100",
            ])
        defer { Task { await stack.stop() } }
        let free = try await stack.http.signedInUser("free-keys@imageswiss.test")
        func key(_ token: String, _ body: [String: Any]) async throws -> (
            id: String, secret: String, json: [String: Any]
        ) {
            let created = try await stack.http.call("POST", "/api/v1/auth/keys", json: body, bearer: token)
            #expect(created.status == 201, "\(created.text)")
            return (created.json["id"] as? String ?? "", created.json["secret"] as? String ?? "", created.json)
        }
        let expiring = try await key(free.access, ["name": "ci", "expires_in_days": 1])
        let expiry = try #require(expiring.json["expires_at"] as? String)
        let expires = try #require(ISO8601DateFormatter.fractional.date(from: expiry))
        #expect(abs(expires.timeIntervalSinceNow - 86_400) < 300, "\(expiry)")
        let lasting = try await key(free.access, ["name": "server"])
        #expect(lasting.json["expires_at"] == nil || lasting.json["expires_at"] is NSNull)
        let tooLong = try await stack.http.call(
            "POST", "/api/v1/auth/keys", json: ["name": "x", "expires_in_days": 100_000], bearer: free.access)
        #expect(tooLong.status == 400)

        // The free tier's key rate: a burst of 3, then 429 for that key only.
        for _ in 0..<3 {
            #expect(try await stack.http.call("GET", "/api/v1/me", bearer: lasting.secret).status == 200)
        }
        let refused = try await stack.http.call("GET", "/api/v1/me", bearer: lasting.secret)
        #expect(refused.status == 429 && refused.errorCode == "rate_limited", "\(refused.text)")
        #expect(try await stack.http.call("GET", "/api/v1/me", bearer: expiring.secret).status == 200)

        // A paid tier's keys get the paid rate.
        let paying = try await stack.http.signedInUser("paid-keys@imageswiss.test")
        let subscribed = try await stack.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: paying.access)
        #expect(subscribed.status == 200, "\(subscribed.text)")
        let paidKey = try await key(paying.access, ["name": "paid"])
        for _ in 0..<10 {
            #expect(try await stack.http.call("GET", "/api/v1/me", bearer: paidKey.secret).status == 200)
        }

        // Usage, as the edge reported it: 4 calls today, 1 of them refused.
        var usage: [String: Any] = [:]
        let end = ContinuousClock.now + .seconds(10)
        repeat {
            try await Task.sleep(for: .milliseconds(200))
            usage = try await stack.http.call(
                "GET", "/api/v1/auth/keys/\(lasting.id)/usage?days=7", bearer: free.access
            ).json
        } while usage["calls"] as? Int != 4 && ContinuousClock.now < end
        #expect(usage["calls"] as? Int == 4 && usage["errors"] as? Int == 1, "\(usage)")
        let days = usage["days"] as? [[String: Any]] ?? []
        #expect(days.count == 1 && days.first?["day"] as? String == Self.today(), "\(days)")
        let strangers = try await stack.http.call(
            "GET", "/api/v1/auth/keys/\(paidKey.id)/usage", bearer: free.access)
        #expect(strangers.status == 404, "another owner's key is not found")

        // Past its expiry a key is refused like a revoked one, and listed as expired.
        try await stack.database(for: "auth").execute(
            "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1::uuid", [expiring.id])
        let expired = try await stack.http.call("GET", "/api/v1/me", bearer: expiring.secret)
        #expect(expired.status == 401 && expired.errorCode == "invalid_api_key", "\(expired.text)")
        let listed = try await stack.http.call("GET", "/api/v1/auth/keys", bearer: free.access)
        let entry = (listed.json["items"] as? [[String: Any]] ?? []).first { $0["id"] as? String == expiring.id }
        #expect(entry?["expired"] as? Bool == true, "\(listed.text)")
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }
}

extension ISO8601DateFormatter {
    static var fractional: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
