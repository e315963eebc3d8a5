import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Tiers and subscriptions. Every account starts on Free. A change to a higher tier, or from monthly
/// to yearly, starts a new period at once (paid through the local provider, with a receipt) and
/// grants the period's credits (a year's are twelve months', granted at once); a change down, or a
/// cancellation (a change to Free), takes effect at the end of the paid period.
///
/// Unused credits: on a carry-over tier (the catalogue's default) subscription credits accumulate
/// while subscribed and lapse when the account returns to Free at the end of the paid period; on
/// other tiers each period's grant expires with the period. Purchased credits never expire.
extension BillingService {
    /// The tier's columns (no other table this service joins to tiers has these names).
    static let tierColumns = """
        id, name, price_cents, annual_price_cents, monthly_credits, priority, max_output_pixels, daily_cap, rank,
        carry_over, for_sale
        """

    static func tier(_ row: PostgresRow) throws -> BillingTier {
        var tier = BillingTier()
        tier.tierID = try row.decode("id")
        tier.name = try row.decode("name")
        tier.priceCents = try row.decode("price_cents")
        tier.monthlyCredits = try row.decode("monthly_credits")
        tier.priority = try row.decode("priority")
        tier.maxOutputPixels = UInt32(try row.decode("max_output_pixels", as: Int.self))
        tier.dailyCap = try row.decode("daily_cap")
        tier.annualPriceCents = try row.decode("annual_price_cents")
        tier.rank = UInt32(try row.decode("rank", as: Int.self))
        tier.carryOver = try row.decode("carry_over")
        tier.forSale = try row.decode("for_sale")
        return tier
    }

    /// One tier by id, nil when there is none.
    static func tier(_ session: some PostgresQuerying, _ id: String) async throws -> BillingTier? {
        try await session.query("SELECT \(Self.tierColumns) FROM tiers WHERE id = $1", [id]).first.map(Self.tier)
    }

    func tiers() async throws -> BillingListTiersResponse {
        var response = BillingListTiersResponse()
        response.tiers = try await self.database.query(
            "SELECT \(Self.tierColumns) FROM tiers WHERE for_sale ORDER BY rank, id"
        ).map(
            Self.tier)
        return response
    }

    func subscription(_ caller: RPCCaller) async throws -> BillingSubscription {
        try await self.database.transaction { session in
            try await self.ledger.lockAccount(session, caller.id, kind: caller.accountKind)
            return try await self.subscription(session, caller.id)
        }
    }

    func tier(of caller: RPCCaller) async throws -> BillingTier { try await self.subscription(caller).tier }

    private func subscription(_ session: PostgresSession, _ account: String) async throws -> BillingSubscription {
        let row = try await session.query(
            """
            SELECT s.next_tier, s.billing_interval, s.next_interval,
                   s.past_due_since IS NOT NULL AS past_due, (extract(epoch FROM s.period_start) * 1000000)::bigint AS start_us,
                   (extract(epoch FROM s.period_end) * 1000000)::bigint AS end_us, \(Self.tierColumns)
            FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1
            """, [account]
        ).first!
        var subscription = BillingSubscription()
        subscription.accountID = account
        subscription.tier = try Self.tier(row)
        subscription.periodStart = .micros(try row.decode("start_us"))
        subscription.periodEnd = .micros(try row.decode("end_us"))
        subscription.nextTier = try row.decodeIfPresent("next_tier") ?? ""
        subscription.interval = try row.decode("billing_interval")
        subscription.nextInterval = try row.decodeIfPresent("next_interval") ?? ""
        subscription.pastDue = try row.decode("past_due")
        return subscription
    }

    /// A paid period: a month or a year.
    enum Interval: String {
        case month, year
        var months: Int { self == .year ? 12 : 1 }
    }

    func changeSubscription(_ caller: RPCCaller, _ request: BillingChangeSubscriptionRequest) async throws
        -> BillingSubscription
    {
        guard let asked = Interval(rawValue: request.interval.isEmpty ? "month" : request.interval) else {
            throw failure.invalid("interval", "interval is month or year")
        }
        return try await self.idempotency.run(
            caller: caller.id, method: "ChangeSubscription", key: request.idempotencyKey, request: request
        ) { session in
            try await self.ledger.lockAccount(session, caller.id, kind: caller.accountKind)
            guard let target = try await Self.tier(session, request.tierID) else {
                throw failure.invalid("tier_id", "no such tier")
            }
            // Free has no paid period to choose.
            let interval = target.priceCents == 0 ? Interval.month : asked
            guard interval == .month || target.annualPriceCents > 0 else {
                throw failure.invalid("interval", "\(target.name) is not sold yearly")
            }
            let current = try await session.query(
                """
                SELECT t.id, t.rank, s.billing_interval, s.stripe_subscription FROM subscriptions s
                JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1 FOR UPDATE OF s
                """, [caller.id]
            ).first!
            let currentTier: String = try current.decode("id")
            let currentInterval = Interval(rawValue: try current.decode("billing_interval")) ?? .month
            guard target.forSale || target.tierID == currentTier else {
                throw failure.invalid("tier_id", "\(target.name) is no longer sold")
            }
            // Ordered by tier, then by period: a year of a tier is more than a month of it.
            let from = (try current.decode("rank", as: Int.self), currentInterval.months)
            let to = (Int(target.rank), interval.months)
            if let stripeSubscription = try current.decodeIfPresent("stripe_subscription", as: String.self) {
                // Paid through Stripe: Stripe ends it or keeps it; its events move the tier.
                try await self.changeAtStripe(
                    session, caller.id, stripeSubscription, to: target, interval: interval,
                    direction: to == from ? .staying : (to < from ? .down : .up), key: request.idempotencyKey)
            } else if to == from {
                // Staying: a pending change is taken back.
                try await session.execute(
                    "UPDATE subscriptions SET next_tier = NULL, next_interval = NULL WHERE account_id = $1", [caller.id]
                )
            } else if to < from {
                // Down, or a cancellation: at the end of the paid period.
                try await session.execute(
                    "UPDATE subscriptions SET next_tier = $2, next_interval = $3 WHERE account_id = $1",
                    [caller.id, target.tierID, interval.rawValue])
                if target.priceCents == 0 { try await self.recordEnding(session, caller.id) }
            } else if self.configuration.provider == .stripe {
                var pending = try await self.subscription(session, caller.id)
                pending.checkoutURL = try await self.subscribeAtStripe(
                    session, caller.id, target, interval, key: request.idempotencyKey)
                return pending
            } else {
                try await self.startPeriod(session, caller.id, tier: target, interval: interval)
            }
            return try await self.subscription(session, caller.id)
        }
    }

    /// Tells the owner (an event for Jobs' notices) that their paid subscription ends with its
    /// period: which tier, and when.
    func recordEnding(_ session: PostgresSession, _ account: String) async throws {
        try await session.execute(
            """
            INSERT INTO events (account_id, kind, balance, detail)
            SELECT s.account_id, 'subscription_ending', 0,
                jsonb_build_object('tier', t.name, 'period_end', to_char(s.period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD'))
            FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1 AND t.price_cents > 0
            """, [account])
    }

    /// A new period of `tier` from now: the charge (paid tiers; a receipt) and the period's grant.
    /// Back on a free tier, what is left of earlier subscription grants lapses (carried over or not),
    /// and the free period's own grant starts afresh.
    func startPeriod(
        _ session: PostgresSession, _ account: String, tier: BillingTier, interval: Interval,
        paid: (cents: Int64, provider: String, ends: Int64?, tax: Int64?, paymentID: String?)? = nil,
        credits granted: Int64? = nil
    ) async throws {
        let seconds = Int(self.configuration.period.components.seconds) * interval.months
        // The tier it leaves, kept when it changes (churn in the admin report); the same paid tier
        // again is a renewal (its receipt says so).
        let changed = try await session.execute(
            """
            INSERT INTO subscription_changes (account_id, from_tier, to_tier)
            SELECT account_id, tier, $2 FROM subscriptions WHERE account_id = $1 AND tier <> $2
            """, [account, tier.tierID])
        // A Stripe invoice says when its period ends; a change pending at Stripe (a cancellation, a
        // lower tier) stays pending until an invoice of that tier arrives.
        let row = try await session.query(
            """
            UPDATE subscriptions SET tier = $2, billing_interval = $3, period_start = now(),
                period_end = coalesce(to_timestamp($5::double precision / 1e6), now() + make_interval(secs => $4)),
                next_tier = CASE WHEN $6 AND next_tier IS DISTINCT FROM $2 THEN next_tier END,
                next_interval = CASE WHEN $6 AND next_tier IS DISTINCT FROM $2 THEN next_interval END,
                past_due_since = NULL
            WHERE account_id = $1 RETURNING (extract(epoch FROM period_end) * 1000000)::bigint AS end_us
            """, [account, tier.tierID, interval.rawValue, seconds, paid.flatMap { $0.ends }, paid != nil]
        ).first!
        let price = paid?.cents ?? (interval == .year ? tier.annualPriceCents : tier.priceCents)
        // `granted`: a prorated change (Stripe) grants the difference, not a whole period.
        let credits = granted ?? tier.monthlyCredits * Int64(interval.months)
        if price > 0 {
            try await self.recordPayment(
                session, account: account, cents: price, currency: self.configuration.currency, credits: credits,
                description: "\(tier.name) subscription, one \(interval.rawValue)", provider: paid?.provider ?? "local",
                providerTaxCents: paid.flatMap { $0.tax }, providerPaymentID: paid.flatMap { $0.paymentID },
                renewal: changed == 0 && granted == nil)
        } else {
            try await session.execute(
                """
                UPDATE lots SET expires_at = now()
                WHERE account_id = $1 AND source = 'subscription' AND (expires_at IS NULL OR expires_at > now())
                """, [account])
            try await self.ledger.expireDue(session, account)
        }
        // A team's account gets what it pays for, never the free tier's credits.
        let isTeam = try await !session.query(
            "SELECT 1 FROM accounts WHERE account_id = $1 AND kind = 'team'", [account]
        ).isEmpty
        let freeForATeam = price == 0 && isTeam
        if credits > 0 && !freeForATeam {
            _ = try await self.ledger.grant(
                session, account, amount: credits, source: "subscription",
                expiresMicros: tier.carryOver ? nil : try row.decode("end_us"), reference: "\(tier.tierID) period")
        }
    }

    /// Periods that ended roll over: to the pending tier and interval if a change was chosen, with a new
    /// grant. Stripe's subscriptions renew by their paid invoices instead (StripeSubscriptions.swift).
    func renewSubscriptions() async throws -> Int {
        let due = try await self.database.query(
            "SELECT account_id FROM subscriptions WHERE period_end <= now() AND stripe_subscription IS NULL LIMIT 500")
        for row in due {
            let account: String = try row.decode("account_id")
            try await self.database.transaction { session in
                try await self.ledger.lockAccount(session, account)
                guard
                    let current = try await session.query(
                        """
                        SELECT coalesce(next_tier, tier) AS tier, coalesce(next_interval, billing_interval) AS interval
                        FROM subscriptions WHERE account_id = $1 AND period_end <= now() AND stripe_subscription IS NULL
                        FOR UPDATE
                        """, [account]
                    ).first
                else { return }
                let tier = try await Self.tier(session, try current.decode("tier", as: String.self))!
                let interval = Interval(rawValue: try current.decode("interval")) ?? .month
                try await self.startPeriod(
                    session, account, tier: tier, interval: tier.annualPriceCents > 0 ? interval : .month)
            }
        }
        return due.count
    }
}
