import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Subscriptions sold through Stripe. A paid tier starts with a Checkout Session in subscription
/// mode; from then on Stripe's events move the account:
///
/// - `checkout.session.completed` (mode subscription): the account's Stripe customer and subscription;
/// - `invoice.paid`: a period of the invoice's tier starts, its credits granted once per invoice;
/// - `invoice.payment_failed`: past due — the tier stays for `BILLING_DUNNING_GRACE_S`, then the
///   subscription is cancelled at Stripe and the account returns to Free (unless a payment succeeds);
/// - `customer.subscription.updated`: a cancellation at period end, or its withdrawal;
/// - `customer.subscription.deleted`: back to Free now; carried-over credits lapse.
///
/// Each event is applied once (webhook_events), in any order: an invoice names its account and tier
/// in the subscription metadata Stripe snapshots into it, and an invoice paid for a subscription that
/// already ended changes no tier.
extension BillingService {
    /// Starts a Stripe subscription: answers the Checkout page where the user pays.
    func subscribeAtStripe(
        _ session: PostgresSession, _ account: String, _ tier: BillingTier, _ interval: Interval, key: String
    ) async throws -> String {
        let customer: String? = try await session.query(
            "SELECT stripe_customer FROM subscriptions WHERE account_id = $1", [account]
        ).first?.decodeIfPresent("stripe_customer")
        let plan = StripeClient.Plan(
            account: account, tier: tier.tierID, tierName: tier.name, interval: interval.rawValue,
            amountCents: interval == .year ? tier.annualPriceCents : tier.priceCents,
            currency: self.configuration.currency)
        let page = "\(self.configuration.publicURL)/#/billing"
        let checkout = try await self.atStripe {
            try await self.stripe!.createSubscriptionCheckout(
                plan, customer: customer, successURL: page, cancelURL: page,
                idempotencyKey: "subscribe-\(account)-\(key.isEmpty ? UUID().uuidString : key)")
        }
        return checkout.url
    }

    enum Direction { case up, staying, down }

    /// A change of an account whose subscription Stripe bills: Free cancels at the end of the paid
    /// period, the current tier takes a pending change back. Another paid tier changes the price of
    /// the subscription's item at Stripe: up at once, Stripe invoicing the prorated difference (its
    /// `invoice.paid` moves the tier and grants the difference in credits); down from the next
    /// period, without proration (the next cycle's invoice brings the lower tier).
    func changeAtStripe(
        _ session: PostgresSession, _ account: String, _ subscription: String, to target: BillingTier,
        interval: Interval, direction: Direction, key: String
    ) async throws {
        let cancel = target.priceCents == 0
        if !cancel && direction != .staying {
            let product = try await self.stripeProduct(session, for: target)
            let plan = StripeClient.Plan(
                account: account, tier: target.tierID, tierName: target.name, interval: interval.rawValue,
                amountCents: interval == .year ? target.annualPriceCents : target.priceCents,
                currency: self.configuration.currency)
            try await self.atStripe {
                let item = try await self.stripe!.subscriptionItem(subscription)
                try await self.stripe!.changePlan(
                    subscription, item: item, product: product, plan, prorate: direction == .up,
                    idempotencyKey: "change-\(subscription)-\(target.tierID)-\(interval.rawValue)-\(key)")
            }
            try await session.execute(
                "UPDATE subscriptions SET next_tier = $2, next_interval = $3 WHERE account_id = $1",
                [account, direction == .up ? nil : target.tierID, direction == .up ? nil : interval.rawValue])
            return
        }
        try await self.atStripe {
            try await self.stripe!.setCancelAtPeriodEnd(
                subscription, cancel, idempotencyKey: "cancel-\(subscription)-\(cancel)-\(key)")
        }
        try await session.execute(
            "UPDATE subscriptions SET next_tier = $2, next_interval = NULL WHERE account_id = $1",
            [account, cancel ? "free" : nil])
    }

    func portal(_ caller: RPCCaller, _ request: BillingPortalSessionRequest) async throws -> BillingPortalSession {
        guard self.configuration.provider == .stripe else {
            throw failure.error(.failedPrecondition, "provider_unsupported", "the customer portal is Stripe's")
        }
        guard
            let customer: String = try await self.database.query(
                "SELECT stripe_customer FROM subscriptions WHERE account_id = $1", [caller.id]
            ).first?.decodeIfPresent("stripe_customer")
        else { throw failure.error(.failedPrecondition, "no_stripe_customer", "nothing was paid through Stripe yet") }
        var answer = BillingPortalSession()
        answer.url = try await self.atStripe {
            try await self.stripe!.createPortalSession(
                customer: customer,
                returnURL: request.returnURL.isEmpty ? "\(self.configuration.publicURL)/#/billing" : request.returnURL)
        }
        return answer
    }

    /// Stripe's refusals as Billing's errors; nothing is left half-done (the caller's transaction rolls back).
    private func atStripe<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let refusal as StripeClient.Failure {
            self.logger.error("stripe call failed", metadata: ["error": "\(refusal)"])
            throw failure.error(
                refusal.isTransient ? .unavailable : .failedPrecondition, "payment_provider_failed",
                "the payment provider refused (\(refusal.type)); nothing was changed")
        }
    }

    /// Applies a subscription event inside the webhook's transaction; nil when `type` is not one.
    func applySubscriptionEvent(_ session: PostgresSession, type: String, object: [String: Any]) async throws
        -> String?
    {
        switch type {
        case "checkout.session.completed" where object["mode"] as? String == "subscription":
            guard let account = object["client_reference_id"] as? String,
                let subscription = object["subscription"] as? String
            else { return "ignored" }
            try await self.ledger.lockAccount(session, account)
            try await session.execute(
                """
                UPDATE subscriptions SET stripe_customer = coalesce($2, stripe_customer), stripe_subscription = $3
                WHERE account_id = $1 AND NOT EXISTS (SELECT 1 FROM ended_subscriptions WHERE subscription_id = $3)
                """, [account, object["customer"] as? String, subscription])
            return "applied"
        case "invoice.paid":
            return try await self.invoicePaid(session, object)
        case "invoice.payment_failed":
            guard let account = try await self.account(session, invoice: object) else { return "ignored" }
            try await session.execute(
                "UPDATE subscriptions SET past_due_since = coalesce(past_due_since, now()) WHERE account_id = $1",
                [account])
            try await session.execute(
                "INSERT INTO events (account_id, kind, balance) VALUES ($1, 'payment_failed', 0)", [account])
            return "applied"
        case "customer.subscription.updated":
            guard let subscription = object["id"] as? String,
                let account = try await self.account(session, subscription: subscription)
            else { return "ignored" }
            let cancelling = object["cancel_at_period_end"] as? Bool ?? false
            let wasEnding =
                try await session.query(
                    "SELECT next_tier = 'free' AS ending FROM subscriptions WHERE account_id = $1", [account]
                ).first?.decodeIfPresent("ending", as: Bool.self) ?? false
            if cancelling && !wasEnding { try await self.recordEnding(session, account) }
            try await session.execute(
                """
                UPDATE subscriptions SET next_tier = CASE WHEN $2 THEN 'free' WHEN next_tier = 'free' THEN NULL ELSE next_tier END
                WHERE account_id = $1
                """, [account, cancelling])
            return "applied"
        case "customer.subscription.deleted":
            guard let subscription = object["id"] as? String else { return "ignored" }
            try await session.execute(
                "INSERT INTO ended_subscriptions (subscription_id) VALUES ($1) ON CONFLICT DO NOTHING", [subscription])
            guard let account = try await self.account(session, subscription: subscription) else { return "applied" }
            try await self.endStripeSubscription(session, account)
            return "applied"
        default:
            return nil
        }
    }

    /// The subscription an invoice bills and the metadata Stripe copied into it: under
    /// `parent.subscription_details` (current API), or `subscription` alone (earlier versions).
    static func subscription(of invoice: [String: Any]) -> (id: String?, metadata: [String: String]) {
        let details = (invoice["parent"] as? [String: Any])?["subscription_details"] as? [String: Any]
        return (
            details?["subscription"] as? String ?? invoice["subscription"] as? String,
            details?["metadata"] as? [String: String] ?? [:]
        )
    }

    /// The Stripe Product a tier's prices belong to: made once, kept in stripe_products.
    private func stripeProduct(_ session: PostgresSession, for tier: BillingTier) async throws -> String {
        if let row = try await session.query(
            "SELECT product_id FROM stripe_products WHERE tier_id = $1", [tier.tierID]
        ).first {
            return try row.decode("product_id")
        }
        let product = try await self.atStripe {
            try await self.stripe!.createProduct(
                name: "ImageSwiss \(tier.name)", idempotencyKey: "product-\(tier.tierID)")
        }
        try await session.execute(
            "INSERT INTO stripe_products (tier_id, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [tier.tierID, product])
        return product
    }

    /// A period of the invoice's tier, its credits once per invoice. A change's prorated invoice
    /// (billing_reason subscription_update) moves the tier within the period and grants the
    /// difference between the two tiers' credits for it.
    private func invoicePaid(_ session: PostgresSession, _ invoice: [String: Any]) async throws -> String {
        let (subscriptionID, metadata) = Self.subscription(of: invoice)
        guard let invoiceID = invoice["id"] as? String, let subscription = subscriptionID,
            let account = metadata["account_id"], let tierID = metadata["tier"],
            let interval = Interval(rawValue: metadata["interval"] ?? "month")
        else { return "ignored" }
        guard
            try await session.query(
                "SELECT 1 FROM ended_subscriptions WHERE subscription_id = $1", [subscription]
            ).isEmpty,
            let tier = try await Self.tier(session, tierID)
        else { return "ignored" }
        try await self.ledger.lockAccount(session, account)
        let cents = (invoice["amount_paid"] as? NSNumber)?.int64Value ?? 0
        let credits = tier.monthlyCredits * Int64(interval.months)
        var granted: Int64?
        if invoice["billing_reason"] as? String == "subscription_update",
            let current = try await session.query(
                """
                SELECT t.monthly_credits * CASE s.billing_interval WHEN 'year' THEN 12 ELSE 1 END AS credits
                FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1
                """, [account]
            ).first
        {
            granted = max(0, credits - (try current.decode("credits", as: Int64.self)))
        }
        guard
            try await !session.query(
                """
                INSERT INTO subscription_invoices (invoice_id, account_id, subscription_id, tier, billing_interval, amount_cents, credits)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING invoice_id
                """,
                [
                    invoiceID, account, subscription, tierID, interval.rawValue, cents, granted ?? credits,
                ]
            ).isEmpty
        else { return "duplicate" }
        try await session.execute(
            """
            UPDATE subscriptions SET stripe_subscription = $2, stripe_customer = coalesce($3, stripe_customer)
            WHERE account_id = $1
            """, [account, subscription, invoice["customer"] as? String])
        let lines = (invoice["lines"] as? [String: Any])?["data"] as? [[String: Any]]
        let ends = ((lines?.first?["period"] as? [String: Any])?["end"] as? NSNumber)?.int64Value
        try await self.startPeriod(
            session, account, tier: tier, interval: interval,
            paid: (
                cents: cents, provider: "stripe", ends: ends.map { $0 * 1_000_000 }, tax: Self.stripeTax(invoice),
                paymentID: invoice["payment_intent"] as? String
            ), credits: granted)
        return "applied"
    }

    /// The tax Stripe computed for an invoice, when it did: `total_taxes` (current API) or `tax` (earlier).
    static func stripeTax(_ invoice: [String: Any]) -> Int64? {
        if let taxes = invoice["total_taxes"] as? [[String: Any]], !taxes.isEmpty {
            return taxes.reduce(0) { $0 + (($1["amount"] as? NSNumber)?.int64Value ?? 0) }
        }
        return (invoice["tax"] as? NSNumber)?.int64Value
    }

    /// Free from now: the Stripe subscription is over, carried-over credits lapse.
    private func endStripeSubscription(_ session: PostgresSession, _ account: String) async throws {
        try await self.ledger.lockAccount(session, account)
        let free = try await Self.tier(session, "free")!
        try await session.execute(
            "UPDATE subscriptions SET stripe_subscription = NULL, next_tier = NULL WHERE account_id = $1", [account])
        try await self.startPeriod(session, account, tier: free, interval: .month)
    }

    private func account(_ session: PostgresSession, subscription: String) async throws -> String? {
        try await session.query(
            "SELECT account_id FROM subscriptions WHERE stripe_subscription = $1", [subscription]
        ).first?.decode("account_id")
    }

    private func account(_ session: PostgresSession, invoice: [String: Any]) async throws -> String? {
        let (subscription, metadata) = Self.subscription(of: invoice)
        if let account = metadata["account_id"] { return account }
        guard let subscription else { return nil }
        return try await self.account(session, subscription: subscription)
    }

    /// The sweeper's pass: subscriptions past due beyond the grace are cancelled at Stripe and the
    /// accounts return to Free.
    func endLapsedDunning() async throws -> Int {
        let due = try await self.database.query(
            """
            SELECT account_id, stripe_subscription FROM subscriptions
            WHERE past_due_since <= now() - make_interval(secs => $1) AND stripe_subscription IS NOT NULL LIMIT 100
            """, [Int(self.configuration.dunningGrace.components.seconds)])
        for row in due {
            let account: String = try row.decode("account_id")
            let subscription: String = try row.decode("stripe_subscription")
            do {
                try await self.stripe?.cancelSubscription(subscription)
            } catch {
                // Stripe will end it by its own retry rules and say so; the tier ends here now anyway.
                self.logger.warning("stripe cancellation failed", metadata: ["error": "\(error)"])
            }
            try await self.database.transaction { session in
                try await session.execute(
                    "INSERT INTO ended_subscriptions (subscription_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    [subscription])
                try await self.endStripeSubscription(session, account)
            }
        }
        return due.count
    }
}
