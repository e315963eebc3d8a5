import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// Buying credits through the edge: the local provider (the default stack, no network), and Stripe
/// (a local server speaking its endpoints) with webhooks duplicated, reordered, late and forged.
/// Also quotes, the admin's price editor and subscriptions.
@Suite(.serialized) struct PurchaseTests {
    static func checkoutID(_ payment: String) -> String? {
        URLComponents(string: payment)?.queryItems?.first { $0.name == "checkout" }?.value
    }

    @Test func localCheckoutQuotesPricesAndReceipts() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("buyer@imageswiss.test")
        let admin = try await billing.http.signedInUser(BillingStack.adminEmail)

        let packs = try await billing.http.call("GET", "/api/v1/billing/packs")
        #expect(
            (packs.json["items"] as? [[String: Any]])?.map { "\($0["id"]!) \($0["price_cents"]!) \($0["credits"]!)" }
                == ["starter 499 10", "standard 1299 30", "studio 3999 100"])
        let checkout = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "standard"], bearer: user.access)
        #expect(
            checkout.status == 201 && checkout.json["status"] as? String == "open"
                && checkout.json["provider"] as? String == "local")
        let id = try #require(checkout.json["id"] as? String)
        #expect(Self.checkoutID(checkout.json["payment_url"] as? String ?? "") == id)
        // Someone else cannot pay (or see) this checkout.
        let stranger = try await billing.http.signedInUser("stranger@imageswiss.test")
        #expect(
            try await billing.http.call("POST", "/api/v1/billing/checkout/\(id)/complete", bearer: stranger.access)
                .status == 404)
        let paid = try await billing.http.call("POST", "/api/v1/billing/checkout/\(id)/complete", bearer: user.access)
        #expect(
            paid.status == 200 && paid.json["status"] as? String == "completed" && paid.json["receipt_id"] is String)
        // Completing twice credits once.
        #expect(
            try await billing.http.call("POST", "/api/v1/billing/checkout/\(id)/complete", bearer: user.access).status
                == 200)
        let balance = try await billing.http.call("GET", "/api/v1/billing/balance", bearer: user.access)
        #expect(balance.json["total"] as? Int == 33 && balance.json["tier"] as? String == "free")
        let receipts = try await billing.http.call("GET", "/api/v1/billing/receipts", bearer: user.access)
        let receipt = try #require((receipts.json["items"] as? [[String: Any]])?.first)
        #expect(
            receipt["amount_cents"] as? Int == 1299 && receipt["credits"] as? Int == 30
                && (receipt["number"] as? String)?.hasPrefix("ISW-") == true)

        // A custom amount at the base rate, $1 = 2 credits (PriceRuleTests sweeps the rule); bad amounts refused.
        let custom = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["amount_cents": 300], bearer: user.access)
        #expect(custom.json["credits"] as? Int == 6)
        for body: [String: Any] in [
            ["amount_cents": -100], ["amount_cents": 150], ["pack_id": "nope"], [:],
            ["pack_id": "starter", "amount_cents": 100],
        ] {
            let refused = try await billing.http.call(
                "POST", "/api/v1/billing/checkout", json: body, bearer: user.access)
            #expect(refused.status == 400, "\(body): \(refused.text)")
        }
        #expect(
            try await billing.http.call(
                "POST", "/api/v1/billing/checkout", raw: Data("{oops".utf8), bearer: user.access
            ).errorCode == "invalid_json")

        // The cost preview, then the admin changes a price and the next quote follows.
        let items: [[String: Any]] = [
            ["operations": ["resize"], "count": 3, "megapixels": 2.7],
            ["operations": ["colourization", "restoration"], "count": 1, "megapixels": 14.2],
        ]
        let quote = try await billing.http.call(
            "POST", "/api/v1/billing/quote", json: ["items": items], bearer: user.access)
        #expect(
            quote.json["total_credits"] as? Int == 3 + 4 + 3,
            "restoration+colourization is 4, +1 per started MP above 12: \(quote.text)")
        let fast = try await billing.http.call(
            "POST", "/api/v1/billing/quote", json: ["items": items, "lane": "fast"], bearer: user.access)
        #expect(fast.json["total_credits"] as? Int == 6 + 11, "150%, rounded up per image")
        #expect(try await billing.http.call("GET", "/api/v1/admin/billing/prices", bearer: user.access).status == 403)
        let prices = try await billing.http.call("GET", "/api/v1/admin/billing/prices", bearer: admin.access)
        var list = try #require(prices.json["prices"] as? [[String: Any]])
        list = list.map { price in
            var price = price
            if price["operation"] as? String == "resize" { price["credits"] = 2 }
            return price
        }
        let edited = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/prices", json: ["prices": list, "fast_lane_percent": 150],
            bearer: admin.access)
        #expect(edited.status == 200 && edited.json["version"] as? Int == 2)
        let requoted = try await billing.http.call(
            "POST", "/api/v1/billing/quote", json: ["items": items], bearer: user.access)
        #expect(requoted.json["total_credits"] as? Int == 6 + 7 && requoted.json["price_list_version"] as? Int == 2)
        let badPrices = try await billing.http.call(
            "PUT", "/api/v1/admin/billing/prices", json: ["prices": [["operation": "x", "credits": -1]]],
            bearer: admin.access)
        #expect(badPrices.status == 400)

        // Grants: to an account that never used Billing is 404; a bad amount is 400; neither writes.
        let entries = try await billing.count("SELECT count(*) FROM ledger_entries")
        let unknown = try await billing.http.call(
            "POST", "/api/v1/admin/billing/grants",
            json: ["account_id": UUID().uuidString, "amount": 5], bearer: admin.access)
        #expect(unknown.status == 404 && unknown.errorCode == "not_found")
        let negative = try await billing.http.call(
            "POST", "/api/v1/admin/billing/grants", json: ["account_id": user.id, "amount": -5], bearer: admin.access)
        #expect(negative.status == 400 && negative.errorCode == "invalid_amount")
        #expect(
            try await billing.http.call(
                "POST", "/api/v1/admin/billing/grants", json: ["account_id": user.id, "amount": 5], bearer: user.access
            ).status == 403)
        #expect(try await billing.count("SELECT count(*) FROM ledger_entries") == entries)
        let granted = try await billing.http.call(
            "POST", "/api/v1/admin/billing/grants",
            json: ["account_id": user.id, "amount": 5, "source": "promotional"], bearer: admin.access)
        #expect(granted.status == 201 && granted.json["balance_after"] as? Int == 38)

        // Admin reports see the purchase and the grants.
        let report = try await billing.http.call("GET", "/api/v1/admin/billing/report", bearer: admin.access)
        #expect((report.json["revenue"] as? [[String: Any]])?.first?["amount_cents"] as? Int == 1299)
        #expect((report.json["credits_issued"] as? [String: Any])?["purchase"] as? Int == 30)
        #expect((report.json["credits_issued"] as? [String: Any])?["promotional_grant"] as? Int == 5)
    }

    /// A key answers its first request for its lifetime, then is forgotten: the same key later is a
    /// new request (ServiceRuntime's IdempotencyPruning, here with a 1-second lifetime).
    @Test func idempotencyKeysAreForgottenAfterTheirLifetime() async throws {
        let billing = try await BillingStack.start([
            "BILLING_IDEMPOTENCY_KEY_TTL_S": "1", "BILLING_IDEMPOTENCY_PRUNE_INTERVAL_MS": "200",
        ])
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("forgetful@imageswiss.test")
        func checkout() async throws -> String {
            try await billing.http.call(
                "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: user.access,
                headers: ["Idempotency-Key": "once-a-day"]
            ).json["id"] as? String ?? ""
        }
        let first = try await checkout()
        #expect(try await checkout() == first, "a retry within the lifetime is the same checkout")
        try await waitUntil(timeout: .seconds(10)) {
            try await billing.count("SELECT count(*) FROM idempotency_keys WHERE key = 'once-a-day'") == 0
        }
        let later = try await checkout()
        #expect(!later.isEmpty && later != first, "after it, the key starts a new checkout")
    }

    @Test func subscriptionsGrantEveryPeriodAndCancellationKeepsCreditsUntilItEnds() async throws {
        let billing = try await BillingStack.start(["BILLING_PERIOD_S": "4"])
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("subscriber@imageswiss.test")
        let upgraded = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: user.access)
        #expect(
            upgraded.status == 200 && (upgraded.json["tier"] as? [String: Any])?["id"] as? String == "remember",
            "\(upgraded.text)")
        #expect(
            try await billing.http.call("GET", "/api/v1/billing/balance", bearer: user.access).json["total"] as? Int
                == 3 + 25)
        // Some purchased credits too: those never expire.
        try await billing.buy("starter", token: user.access)
        // Cancel: still Remember, every credit still usable until the period ends…
        let cancelled = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "free"], bearer: user.access)
        #expect(
            (cancelled.json["tier"] as? [String: Any])?["id"] as? String == "remember"
                && cancelled.json["next_tier"] as? String == "free")
        #expect(
            try await billing.http.call("GET", "/api/v1/billing/balance", bearer: user.access).json["available"] as? Int
                == 3 + 25 + 10)
        // …then Free: the subscription's credits lapse, purchased credits stay, Free's monthly 3 arrive.
        var tier = "remember"
        for _ in 0..<50 where tier != "free" {
            try await Task.sleep(for: .milliseconds(200))
            tier =
                try await billing.http.call("GET", "/api/v1/billing/subscription", bearer: user.access).json["tier"]
                .flatMap { ($0 as? [String: Any])?["id"] as? String } ?? ""
        }
        #expect(tier == "free")
        // The sweeper expires the period's grants after the change: wait for the balance, with a deadline.
        var after = try await billing.http.call("GET", "/api/v1/billing/balance", bearer: user.access)
        let end = ContinuousClock.now + .seconds(10)
        while after.json["available"] as? Int != 10 + 3, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(100))
            after = try await billing.http.call("GET", "/api/v1/billing/balance", bearer: user.access)
        }
        #expect(after.json["available"] as? Int == 10 + 3, "\(after.text)")
        #expect(try await billing.invariantsHold(user.id))
    }

    @Test func stripeCheckoutAndWebhooksApplyEachEventOnce() async throws {
        let stripe = try await FakeStripe()
        defer { stripe.stop() }
        let billing = try await BillingStack.start(stripe.environment)
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("card@imageswiss.test")
        func sessionID(_ checkout: HTTPReply) -> String {
            String((checkout.json["payment_url"] as? String ?? "").split(separator: "/").last ?? "")
        }
        func deliver(_ event: (body: Data, signature: String)) async throws -> HTTPReply {
            try await billing.http.call(
                "POST", "/api/v1/billing/webhooks/stripe", raw: event.body,
                headers: ["Stripe-Signature": event.signature])
        }
        func total() async throws -> Int {
            try await billing.http.call("GET", "/api/v1/billing/balance", bearer: user.access).json["total"] as? Int
                ?? -1
        }

        let first = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: user.access,
            headers: ["Idempotency-Key": "buy-1"])
        #expect(first.status == 201 && first.json["provider"] as? String == "stripe", "\(first.text)")
        #expect((first.json["payment_url"] as? String)?.hasPrefix("https://checkout.stripe.test/") == true)
        let retried = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: user.access,
            headers: ["Idempotency-Key": "buy-1"])
        #expect(retried.json["id"] as? String == first.json["id"] as? String)
        let session = sessionID(first)

        // Forged, malformed and late events change nothing.
        let forged = FakeStripe.event(
            id: "evt_forged", type: "checkout.session.completed", session: session, secret: "whsec_wrong")
        #expect(try await deliver(forged).errorCode == "invalid_signature")
        let late = FakeStripe.event(
            id: "evt_late", type: "checkout.session.completed", session: session, at: Date().addingTimeInterval(-600))
        let lateReply = try await deliver(late)
        #expect(lateReply.status == 400 && lateReply.errorCode == "invalid_signature")
        #expect(
            try await billing.http.call("POST", "/api/v1/billing/webhooks/stripe", raw: Data("{}".utf8)).status == 400)
        #expect(try await total() == 3)

        // The completion, delivered three times: credited once.
        let paid = FakeStripe.event(id: "evt_paid_1", type: "checkout.session.completed", session: session)
        #expect(try await deliver(paid).json["outcome"] as? String == "applied")
        #expect(try await deliver(paid).json["outcome"] as? String == "duplicate")
        #expect(try await deliver(paid).json["outcome"] as? String == "duplicate")
        #expect(try await total() == 13)
        // A late "expired" for a paid session changes nothing.
        let expiredAfter = FakeStripe.event(
            id: "evt_exp_1", type: "checkout.session.expired", session: session, paymentStatus: "unpaid")
        #expect(try await deliver(expiredAfter).json["outcome"] as? String == "ignored")
        #expect(
            try await billing.http.call(
                "GET", "/api/v1/billing/checkout/\(first.json["id"] as! String)", bearer: user.access
            ).json["status"] as? String == "completed")

        // Out of order: an async payment's "expired" first, then its success: the success wins.
        let second = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "standard"], bearer: user.access)
        let secondSession = sessionID(second)
        #expect(
            try await deliver(
                FakeStripe.event(
                    id: "evt_exp_2", type: "checkout.session.expired", session: secondSession, paymentStatus: "unpaid")
            )
            .json["outcome"] as? String == "applied")
        #expect(
            try await deliver(
                FakeStripe.event(
                    id: "evt_ok_2", type: "checkout.session.async_payment_succeeded", session: secondSession)
            )
            .json["outcome"] as? String == "applied")
        #expect(try await total() == 43)
        #expect(try await billing.count("SELECT count(*) FROM receipts") == 2)

        // Stripe's own refusals: a declined card and an outage leave no checkout behind.
        let checkoutsBefore = try await billing.count("SELECT count(*) FROM checkouts")
        let declined = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["amount_cents": 600 + 66], bearer: user.access)
        #expect(declined.status == 400)  // not whole dollars: refused before Stripe
        try await billing.database.execute(
            "UPDATE packs SET price_cents = \(FakeStripe.declinedCents) WHERE id = 'starter'")
        let refused = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: user.access)
        #expect(
            refused.status == 409 && refused.errorCode == "payment_provider_failed", "\(refused.status) \(refused.text)"
        )
        try await billing.database.execute(
            "UPDATE packs SET price_cents = \(FakeStripe.failingCents) WHERE id = 'starter'")
        let down = try await billing.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "starter"], bearer: user.access)
        #expect(down.status == 503 && down.errorCode == "payment_provider_failed")
        #expect(try await billing.count("SELECT count(*) FROM checkouts") == checkoutsBefore)
        #expect(try await billing.invariantsHold(user.id))
    }
}
