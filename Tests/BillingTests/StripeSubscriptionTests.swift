import Foundation
import TestSupport
import Testing

/// Subscriptions through Stripe (Services/Billing/StripeSubscriptions.swift) against the local Stripe
/// server: bought through Checkout, renewed by paid invoices, a failed renewal kept for the grace and
/// then ended, a recovery, a cancellation at period end — the tier and the credits right at each step,
/// every event applied once and in any order.
@Suite(.serialized) struct StripeSubscriptionTests {
    @Test func boughtRenewedFailedRecoveredAndCancelled() async throws {
        let stripe = try await FakeStripe()
        defer { stripe.stop() }
        var environment = stripe.environment
        environment["BILLING_DUNNING_GRACE_S"] = "2"
        let billing = try await BillingStack.start(environment)
        defer { Task { await billing.stop() } }
        let user = try await billing.http.signedInUser("subscriber@imageswiss.test")
        func deliver(_ id: String, _ type: String, _ object: [String: Any]) async throws -> String {
            let event = FakeStripe.event(id: id, type: type, object: object)
            let reply = try await billing.http.call(
                "POST", "/api/v1/billing/webhooks/stripe", raw: event.body,
                headers: ["Stripe-Signature": event.signature])
            return reply.json["outcome"] as? String ?? "\(reply.status) \(reply.text)"
        }
        func state() async throws -> (tier: String, available: Int64, pastDue: Bool, next: String?) {
            let subscription = try await billing.http.call("GET", "/api/v1/billing/subscription", bearer: user.access)
            return (
                (subscription.json["tier"] as? [String: Any])?["id"] as? String ?? "",
                try await billing.balance(user.id).available, subscription.json["past_due"] as? Bool ?? false,
                subscription.json["next_tier"] as? String
            )
        }
        let month = Date().addingTimeInterval(30 * 86_400)
        func invoice(_ id: String, _ subscription: String = "sub_one") -> [String: Any] {
            FakeStripe.invoice(
                id, subscription: subscription, account: user.id, tier: "remember", cents: 499, periodEnd: month)
        }

        // Bought: Checkout in subscription mode; nothing changes until Stripe says the invoice is paid.
        let bought = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "remember"], bearer: user.access)
        #expect(
            bought.status == 200
                && (bought.json["checkout_url"] as? String)?.hasPrefix("https://checkout.stripe.test/")
                    == true,
            "\(bought.text)")
        let checkout = try #require(stripe.calls.withLockedValue { $0.last })
        #expect(
            checkout.contains("mode=subscription") && checkout.contains("recurring][interval]=month")
                && checkout.contains("unit_amount]=499") && checkout.contains("metadata][tier]=remember"), "\(checkout)"
        )
        #expect(try await state().tier == "free")
        // The invoice before the session's completion (events come in any order), then the completion.
        #expect(try await deliver("evt_1", "invoice.paid", invoice("in_1")) == "applied")
        let completed: [String: Any] = [
            "id": "cs_sub", "object": "checkout.session", "mode": "subscription", "client_reference_id": user.id,
            "customer": "cus_\(user.id.prefix(8))", "subscription": "sub_one", "payment_status": "paid",
        ]
        #expect(try await deliver("evt_2", "checkout.session.completed", completed) == "applied")
        let started = try await state()
        #expect(started.tier == "remember" && started.available == 3 + 25)
        // The same invoice again, as another event: no second grant.
        #expect(try await deliver("evt_3", "invoice.paid", invoice("in_1")) == "duplicate")
        // The local renewal does not renew what Stripe bills.
        try await billing.database.execute(
            "UPDATE subscriptions SET period_end = now() WHERE account_id = $1", [user.id])
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await state().available == 28)

        // Renewed: a month more, the credits carried over.
        #expect(try await deliver("evt_4", "invoice.paid", invoice("in_2")) == "applied")
        #expect(try await state().available == 28 + 25)
        #expect(
            try await billing.count(
                "SELECT count(*) FROM receipts WHERE account_id = $1 AND provider = 'stripe' AND amount_cents = 499",
                [user.id]) == 2)

        // Failed, then recovered within the grace: the tier stays throughout.
        #expect(try await deliver("evt_5", "invoice.payment_failed", invoice("in_3")) == "applied")
        let failed = try await state()
        #expect(failed.pastDue && failed.tier == "remember")
        #expect(try await deliver("evt_6", "invoice.paid", invoice("in_3")) == "applied")
        let recovered = try await state()
        #expect(!recovered.pastDue && recovered.available == 28 + 25 + 25)

        // The customer portal, for the Stripe customer.
        let portal = try await billing.http.call("POST", "/api/v1/billing/portal", bearer: user.access)
        #expect(
            portal.json["url"] as? String == "https://billing.stripe.test/p/session/cus_\(user.id.prefix(8))",
            "\(portal.text)")
        // Up a tier: the item's price changes at Stripe, which invoices the prorated difference now;
        // that invoice moves the tier and brings the difference in credits (150 − 25), the period
        // unchanged.
        let up = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "forever"], bearer: user.access)
        #expect(up.status == 200, "\(up.text)")
        let change = try #require(stripe.calls.withLockedValue { $0.last }, "no call to Stripe")
        for part in [
            "POST /v1/subscriptions/sub_one", "items[0][id]=si_one", "items[0][price_data][product]=prod_Forever",
            "items[0][price_data][unit_amount]=1999", "proration_behavior=always_invoice", "metadata[tier]=forever",
        ] {
            #expect(change.contains(part), "\(part) missing from \(change)")
        }
        #expect(try await state().tier == "remember", "until Stripe says the difference is paid")
        var prorated = FakeStripe.invoice(
            "in_up", subscription: "sub_one", account: user.id, tier: "forever", cents: 1487, periodEnd: month)
        prorated["billing_reason"] = "subscription_update"
        #expect(try await deliver("evt_up", "invoice.paid", prorated) == "applied")
        let upgraded = try await state()
        #expect(upgraded.tier == "forever" && upgraded.available == 78 + 125, "\(upgraded)")
        // Down a tier: from the next period, no proration; the next cycle's invoice brings it.
        let down = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "cherish"], bearer: user.access)
        #expect(down.json["next_tier"] as? String == "cherish", "\(down.text)")
        let downCall = try #require(stripe.calls.withLockedValue { $0.last })
        #expect(
            downCall.contains("proration_behavior=none") && downCall.contains("unit_amount]=999")
                && downCall.contains("metadata[tier]=cherish"), "\(downCall)")
        #expect(try await state().tier == "forever")
        let cycle = FakeStripe.invoice(
            "in_down", subscription: "sub_one", account: user.id, tier: "cherish", cents: 999, periodEnd: month)
        #expect(try await deliver("evt_down", "invoice.paid", cycle) == "applied")
        let downgraded = try await state()
        #expect(downgraded.tier == "cherish" && downgraded.next == nil && downgraded.available == 78 + 125 + 60)
        #expect(
            stripe.calls.withLockedValue { $0.filter { $0.hasPrefix("POST /v1/products") } }.count == 2,
            "one product per tier")

        // Failed and never paid: after the grace the subscription is cancelled at Stripe, the account is
        // on Free and its carried-over credits lapse.
        #expect(try await deliver("evt_7", "invoice.payment_failed", invoice("in_4")) == "applied")
        try await waitUntil(timeout: .seconds(15)) { try await state().tier == "free" }
        #expect(stripe.calls.withLockedValue { $0.contains("DELETE /v1/subscriptions/sub_one") })
        #expect(try await state().available == 3)
        // A late payment of that ended subscription changes no tier.
        #expect(try await deliver("evt_8", "invoice.paid", invoice("in_4")) == "ignored")
        #expect(try await state().tier == "free")
        #expect(try await billing.invariantsHold(user.id))

        // Bought again and cancelled: at Stripe at period end, then Stripe's deletion ends it here.
        #expect(try await deliver("evt_9", "invoice.paid", invoice("in_5", "sub_two")) == "applied")
        #expect(try await state().tier == "remember")
        let cancelled = try await billing.http.call(
            "PUT", "/api/v1/billing/subscription", json: ["tier": "free"], bearer: user.access)
        #expect(cancelled.json["next_tier"] as? String == "free", "\(cancelled.text)")
        #expect(
            stripe.calls.withLockedValue {
                $0.contains("POST /v1/subscriptions/sub_two cancel_at_period_end=true")
            })
        let updated: [String: Any] = ["id": "sub_two", "object": "subscription", "cancel_at_period_end": true]
        #expect(try await deliver("evt_10", "customer.subscription.updated", updated) == "applied")
        let ending = try await state()
        #expect(ending.tier == "remember" && ending.next == "free")
        #expect(try await deliver("evt_11", "customer.subscription.deleted", updated) == "applied")
        #expect(try await deliver("evt_11", "customer.subscription.deleted", updated) == "duplicate")
        let ended = try await state()
        #expect(ended.tier == "free" && ended.available == 3 && ended.next == nil)
        #expect(try await billing.invariantsHold(user.id))
    }
}
