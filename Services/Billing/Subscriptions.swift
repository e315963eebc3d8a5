import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Tiers and subscriptions. Every account starts on Free. An upgrade starts a new period at once
/// (paid through the local provider, with a receipt) and grants the tier's monthly credits; a
/// downgrade or a cancellation (a change to Free) takes effect at the end of the period.
///
/// Unused credits: the monthly grant of a period expires at the end of that period (it does not
/// roll over, cancelled or not); purchased credits never expire. So a cancellation keeps every
/// credit usable until the period ends, and purchased credits after it.
extension BillingService {
    /// The tier's columns (no other table this service joins to tiers has these names).
    static let tierColumns = "id, name, price_cents, monthly_credits, priority, max_output_pixels, daily_cap"

    static func tier(_ row: PostgresRow) throws -> BillingTier {
        var tier = BillingTier()
        tier.tierID = try row.decode("id")
        tier.name = try row.decode("name")
        tier.priceCents = try row.decode("price_cents")
        tier.monthlyCredits = try row.decode("monthly_credits")
        tier.priority = try row.decode("priority")
        tier.maxOutputPixels = UInt32(try row.decode("max_output_pixels", as: Int.self))
        tier.dailyCap = try row.decode("daily_cap")
        return tier
    }

    func tiers() async throws -> BillingListTiersResponse {
        var response = BillingListTiersResponse()
        response.tiers = try await self.database.query("SELECT \(Self.tierColumns) FROM tiers ORDER BY rank").map(
            Self.tier)
        return response
    }

    func subscription(_ caller: RPCCaller) async throws -> BillingSubscription {
        try await self.database.transaction { session in
            try await self.ledger.lockAccount(session, caller.id)
            return try await self.subscription(session, caller.id)
        }
    }

    func tier(of caller: RPCCaller) async throws -> BillingTier { try await self.subscription(caller).tier }

    private func subscription(_ session: PostgresSession, _ account: String) async throws -> BillingSubscription {
        let row = try await session.query(
            """
            SELECT s.next_tier, (extract(epoch FROM s.period_start) * 1000000)::bigint AS start_us,
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
        return subscription
    }

    func changeSubscription(_ caller: RPCCaller, _ request: BillingChangeSubscriptionRequest) async throws
        -> BillingSubscription
    {
        try await self.idempotency.run(
            caller: caller.id, method: "ChangeSubscription", key: request.idempotencyKey, request: request
        ) { session in
            try await self.ledger.lockAccount(session, caller.id)
            guard
                let target = try await session.query(
                    "SELECT rank, price_cents, monthly_credits, name FROM tiers WHERE id = $1", [request.tierID]
                ).first
            else {
                throw failure.invalid("tier_id", "no such tier")
            }
            let current = try await session.query(
                "SELECT t.id, t.rank FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1 FOR UPDATE",
                [caller.id]
            ).first!
            let currentRank: Int = try current.decode("rank")
            let targetRank: Int = try target.decode("rank")
            if request.tierID == (try current.decode("id", as: String.self)) {
                try await session.execute(
                    "UPDATE subscriptions SET next_tier = NULL WHERE account_id = $1", [caller.id])
            } else if targetRank < currentRank {
                // Downgrades and cancellations wait for the end of the paid period.
                try await session.execute(
                    "UPDATE subscriptions SET next_tier = $2 WHERE account_id = $1", [caller.id, request.tierID])
            } else {
                guard self.configuration.provider == .local else {
                    throw failure.error(
                        .failedPrecondition, "provider_unsupported",
                        "paid subscriptions are sold through the local provider only in this version")
                }
                try await self.startPeriod(session, caller.id, tier: request.tierID)
            }
            return try await self.subscription(session, caller.id)
        }
    }

    /// A new period of `tier` from now: the charge (paid tiers; a receipt) and the monthly grant,
    /// which expires with the period.
    private func startPeriod(_ session: PostgresSession, _ account: String, tier: String) async throws {
        let row = try await session.query(
            """
            UPDATE subscriptions SET tier = $2, next_tier = NULL, period_start = now(), period_end = now() + make_interval(secs => $3)
            WHERE account_id = $1 RETURNING (extract(epoch FROM period_end) * 1000000)::bigint AS end_us
            """, [account, tier, Int(self.configuration.period.components.seconds)]
        ).first!
        let tierRow = try await session.query(
            "SELECT name, price_cents, monthly_credits FROM tiers WHERE id = $1", [tier]
        ).first!
        let price: Int64 = try tierRow.decode("price_cents")
        let credits: Int64 = try tierRow.decode("monthly_credits")
        if price > 0 {
            try await session.execute(
                """
                INSERT INTO receipts (id, account_id, amount_cents, currency, credits, description, provider) VALUES ($1, $2, $3, $4, $5, $6, 'local')
                """,
                [
                    UUID(), account, price, self.configuration.currency, credits,
                    "\(try tierRow.decode("name", as: String.self)) subscription, one period",
                ])
        }
        if credits > 0 {
            _ = try await self.ledger.grant(
                session, account, amount: credits, source: "subscription", expiresMicros: try row.decode("end_us"),
                reference: "\(tier) period")
        }
    }

    /// Periods that ended roll over: to the pending tier if one was chosen, with a new grant.
    func renewSubscriptions() async throws -> Int {
        let due = try await self.database.query(
            "SELECT account_id FROM subscriptions WHERE period_end <= now() LIMIT 500")
        for row in due {
            let account: String = try row.decode("account_id")
            try await self.database.transaction { session in
                try await self.ledger.lockAccount(session, account)
                guard
                    let current = try await session.query(
                        "SELECT tier, next_tier FROM subscriptions WHERE account_id = $1 AND period_end <= now() FOR UPDATE",
                        [account]
                    ).first
                else { return }
                let next: String = try current.decodeIfPresent("next_tier") ?? current.decode("tier")
                try await self.startPeriod(session, account, tier: next)
            }
        }
        return due.count
    }
}
