import Foundation
import TestSupport
import Testing

/// Webhooks as the Standard Webhooks specification has them, through the edge: the headers and
/// signatures, a test event, secret rotation with both signatures during the overlap, redelivery
/// with the same webhook-id; and deliveries that go only to the address that was checked.
@Suite(.serialized) struct StandardWebhookTests {
    @Test func testEventsRotationAndRedelivery() async throws {
        // A name that resolves nowhere (.test is reserved) pinned to loopback: every delivery that
        // arrives proves the connection went to the pinned, checked address, not a lookup of curl's.
        let jobs = try await JobsStack.start(["JOBS_WEBHOOK_HOSTS": "hooks.example.test=127.0.0.1"])
        let receiver = try await WebhookReceiver()
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("hooks@imageswiss.test", credits: 0)
        let created = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": "http://hooks.example.test:\(receiver.port)/hooks"],
            bearer: user.access)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let first = try #require(created.json["secret"] as? String)
        #expect(first.hasPrefix("whsec_") && (Data(base64Encoded: String(first.dropFirst(6)))?.count ?? 0) == 24)

        // A test event, signed and logged like any other.
        let tested = try await jobs.http.call("POST", "/api/v1/webhooks/\(id)/test", bearer: user.access)
        #expect(tested.status == 202 && tested.json["event"] as? String == "webhook.test", "\(tested.text)")
        let messageID = try #require(tested.json["message_id"] as? String)
        let delivered = try await receiver.wait { $0.id == messageID }
        #expect(
            delivered.host == "hooks.example.test:\(receiver.port)"
                && delivered.json["type"] as? String == "webhook.test")
        #expect(
            WebhookReceiver.verify(delivered, secret: first) && delivered.signature.split(separator: " ").count == 1)

        // Rotation: a new secret, shown once; both sign until the previous one's time is up.
        let rotated = try await jobs.http.call("POST", "/api/v1/webhooks/\(id)/rotate-secret", bearer: user.access)
        let second = try #require(rotated.json["secret"] as? String)
        #expect(
            rotated.status == 200 && second != first && rotated.json["previous_secret_expires_at"] is String,
            "\(rotated.text)")
        #expect(
            (try await jobs.http.call("GET", "/api/v1/webhooks", bearer: user.access).json["items"] as? [[String: Any]])?
                .first?["secret"] == nil)
        let during = try await jobs.http.call("POST", "/api/v1/webhooks/\(id)/test", bearer: user.access)
        let overlap = try await receiver.wait { $0.id == during.json["message_id"] as? String }
        #expect(overlap.signature.split(separator: " ").count == 2)
        #expect(WebhookReceiver.verify(overlap, secret: second) && WebhookReceiver.verify(overlap, secret: first))
        try await jobs.stack.database(for: "jobs").execute(
            "UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 second'")
        let after = try await jobs.http.call("POST", "/api/v1/webhooks/\(id)/test", bearer: user.access)
        let alone = try await receiver.wait { $0.id == after.json["message_id"] as? String }
        #expect(WebhookReceiver.verify(alone, secret: second) && !WebhookReceiver.verify(alone, secret: first))

        // Redelivery: the same event and webhook-id again, as a new entry of the log.
        let deliveryID = try #require(tested.json["id"] as? Int)
        let again = try await jobs.http.call(
            "POST", "/api/v1/webhooks/\(id)/deliveries/\(deliveryID)/redeliver", bearer: user.access)
        #expect(
            again.status == 202 && again.json["message_id"] as? String == messageID
                && again.json["id"] as? Int != deliveryID, "\(again.text)")
        try await waitUntil { receiver.deliveries.filter { $0.id == messageID }.count == 2 }
        let copies = receiver.deliveries.filter { $0.id == messageID }
        #expect(copies[0].body == copies[1].body && WebhookReceiver.verify(copies[1], secret: second))

        // Another user's webhook, or a delivery of another webhook, is not found — and nothing is sent.
        let stranger = try await jobs.user("stranger-hooks@imageswiss.test", credits: 0)
        for (method, path) in [
            ("POST", "/api/v1/webhooks/\(id)/test"), ("POST", "/api/v1/webhooks/\(id)/rotate-secret"),
            ("POST", "/api/v1/webhooks/\(id)/deliveries/\(deliveryID)/redeliver"),
            ("POST", "/api/v1/webhooks/\(id)/deliveries/not-a-number/redeliver"),
        ] {
            let refused = try await jobs.http.call(method, path, bearer: stranger.access)
            #expect(refused.status == 404 && refused.errorCode == "not_found", "\(path): \(refused.text)")
        }
        let own = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url], bearer: stranger.access)
        let ownID = try #require(own.json["id"] as? String)
        let crossed = try await jobs.http.call(
            "POST", "/api/v1/webhooks/\(ownID)/deliveries/\(deliveryID)/redeliver", bearer: stranger.access)
        #expect(crossed.status == 404, "\(crossed.text)")
        #expect(
            try await jobs.count("SELECT count(*) FROM deliveries") == 4,
            "three test events and one redelivery, all the user's")
    }

    /// A receiver that always fails gets 8 attempts, then the delivery is `failed` with its last
    /// answer kept; an account has at most 10 webhooks.
    @Test func eightAttemptsThenFailedAndTenWebhooksAtMost() async throws {
        let jobs = try await JobsStack.start(["JOBS_WEBHOOK_RETRY_DELAY_MS": "20"])
        let receiver = try await WebhookReceiver(failFirst: .max)
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("failing@imageswiss.test", credits: 0)
        let created = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url], bearer: user.access)
        let id = try #require(created.json["id"] as? String, "\(created.text)")
        #expect(try await jobs.http.call("POST", "/api/v1/webhooks/\(id)/test", bearer: user.access).status == 202)
        var entry: [String: Any] = [:]
        try await waitUntil {
            entry =
                (try await jobs.http.call("GET", "/api/v1/webhooks/\(id)/deliveries", bearer: user.access).json[
                    "items"] as? [[String: Any]])?.first ?? [:]
            return entry["status"] as? String == "failed"
        }
        #expect(entry["attempts"] as? Int == 8 && entry["last_status_code"] as? Int == 500, "\(entry)")
        #expect(receiver.deliveries.isEmpty)

        for index in 2...10 {
            let more = try await jobs.http.call(
                "POST", "/api/v1/webhooks", json: ["url": receiver.url + "/\(index)"], bearer: user.access)
            #expect(more.status == 201, "webhook \(index): \(more.text)")
        }
        let eleventh = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url + "/11"], bearer: user.access)
        #expect(eleventh.status == 429 && eleventh.errorCode == "too_many_webhooks", "\(eleventh.text)")
        #expect(try await jobs.count("SELECT count(*) FROM webhooks") == 10)
    }

    @Test func aNameThatResolvesInsideIsRefusedAtDelivery() async throws {
        // Outside development: https only, no internal receivers. The name passes the check at
        // creation (it names no internal address); what it resolves to is checked at each delivery.
        let jobs = try await JobsStack.start([
            "JOBS_WEBHOOK_ALLOW_HTTP": "false", "JOBS_WEBHOOK_HOSTS": "rebind.example.test=127.0.0.1",
        ])
        let receiver = try await WebhookReceiver()
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("rebind@imageswiss.test", credits: 0)
        var targets = ["https://rebind.example.test:\(receiver.port)/hooks"]
        // This machine's own name resolves inside on any ordinary host (loopback or a private address).
        let hostname = ProcessInfo.processInfo.hostName
        if let resolved = try? await run("/usr/bin/getent", ["hosts", hostname]),
            let address = resolved.split(separator: " ").first,
            address.hasPrefix("127.") || address.hasPrefix("10.") || address.hasPrefix("192.168.")
                || address.hasPrefix("172.") || address == "::1"
        {
            targets.append("https://\(hostname):\(receiver.port)/hooks")
        }
        for target in targets {
            let created = try await jobs.http.call(
                "POST", "/api/v1/webhooks", json: ["url": target], bearer: user.access)
            #expect(created.status == 201, "\(target): \(created.text)")
            let id = try #require(created.json["id"] as? String)
            let tested = try await jobs.http.call("POST", "/api/v1/webhooks/\(id)/test", bearer: user.access)
            #expect(tested.status == 202)
            var entry: [String: Any] = [:]
            try await waitUntil {
                entry =
                    (try await jobs.http.call("GET", "/api/v1/webhooks/\(id)/deliveries", bearer: user.access).json[
                        "items"] as? [[String: Any]])?.first ?? [:]
                return (entry["attempts"] as? Int ?? 0) >= 1
            }
            #expect(
                (entry["last_error"] as? String)?.contains("resolves to an internal address") == true,
                "\(target): \(entry)")
            #expect(entry["last_status_code"] as? Int == 0)
        }
        #expect(receiver.deliveries.isEmpty, "nothing reached the inside")
    }
}
