import Foundation
import ImageSwissProtos
import Postgres
import RPC

/// The ledger's primitives, always inside a transaction that holds the account's row lock
/// (`lockAccount`), so that one account's money moves one change at a time.
///
/// Entries are append-only (a trigger refuses UPDATE and DELETE); `accounts.total` moves with every
/// entry; lots say where credits came from and when they expire; open holds keep the credits they
/// reserved out of their lots until they are captured or returned.
struct Ledger: Sendable {
    let configuration: BillingConfiguration

    /// The account's row, locked; created on first use with the free tier and its first monthly grant.
    @discardableResult
    func lockAccount(_ session: PostgresSession, _ account: String) async throws -> (total: Int64, held: Int64) {
        if try await !session.query("INSERT INTO accounts (account_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING account_id", [account]).isEmpty {
            let period = Int(self.configuration.period.components.seconds)
            let row = try await session.query("""
                INSERT INTO subscriptions (account_id, tier, period_start, period_end)
                VALUES ($1, 'free', now(), now() + make_interval(secs => $2))
                RETURNING (extract(epoch FROM period_end) * 1000000)::bigint AS end_us
                """, [account, period]).first!
            let credits: Int64 = try await session.query("SELECT monthly_credits FROM tiers WHERE id = 'free'").first!.decode("monthly_credits")
            if credits > 0 {
                _ = try await self.grant(session, account, amount: credits, source: "subscription", expiresMicros: try row.decode("end_us"),
                                         reference: "free tier")
            }
        }
        let row = try await session.query("SELECT total, held FROM accounts WHERE account_id = $1 FOR UPDATE", [account]).first!
        return (try row.decode("total"), try row.decode("held"))
    }

    /// Whether the account exists (admins may only grant to accounts that used Billing).
    func exists(_ session: PostgresSession, _ account: String) async throws -> Bool {
        try await !session.query("SELECT 1 FROM accounts WHERE account_id = $1", [account]).isEmpty
    }

    static let entryKinds = ["purchase": "purchase", "subscription": "subscription_grant", "promotional": "promotional_grant", "refund": "refund"]

    /// New credits: a lot and its entry.
    func grant(_ session: PostgresSession, _ account: String, amount: Int64, source: String, expiresMicros: Int64?,
               reference: String) async throws -> BillingEntry {
        try await session.execute("""
            INSERT INTO lots (account_id, source, granted, remaining, expires_at)
            VALUES ($1, $2, $3, $3, to_timestamp($4::double precision / 1e6))
            """, [account, source, amount, expiresMicros])
        return try await self.append(session, account, amount: amount, kind: Self.entryKinds[source]!, reference: reference)
    }

    /// Appends one entry and moves the account's total with it.
    func append(_ session: PostgresSession, _ account: String, amount: Int64, kind: String, operation: String = "",
                reference: String, hold: UUID? = nil) async throws -> BillingEntry {
        let total: Int64 = try await session.query(
            "UPDATE accounts SET total = total + $2 WHERE account_id = $1 RETURNING total", [account, amount]
        ).first!.decode("total")
        let row = try await session.query("""
            INSERT INTO ledger_entries (account_id, amount, kind, operation, reference, hold_id, balance_after)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            RETURNING id, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            """, [account, amount, kind, operation, reference, hold, total]).first!
        var entry = BillingEntry()
        entry.entryID = try row.decode("id")
        entry.amount = amount
        entry.kind = kind
        entry.operation = operation
        entry.reference = reference
        entry.createdAt = .micros(try row.decode("created_us"))
        entry.balanceAfter = total
        return entry
    }

    /// Credits that may be spent now: unexpired lots' remainders (held credits are out of them).
    func available(_ session: some PostgresQuerying, _ account: String) async throws -> Int64 {
        try await session.query("""
            SELECT coalesce(sum(remaining), 0)::bigint AS n FROM lots
            WHERE account_id = $1 AND remaining > 0 AND (expires_at IS NULL OR expires_at > now())
            """, [account]).first!.decode("n")
    }

    /// Moves `amount` from the account's lots into the hold: promotional lots first, then those
    /// expiring soonest, then the oldest. Nothing moves when there is not enough.
    func reserve(_ session: PostgresSession, _ account: String, amount: Int64, hold: UUID) async throws {
        let lots = try await session.query("""
            SELECT id, remaining FROM lots
            WHERE account_id = $1 AND remaining > 0 AND (expires_at IS NULL OR expires_at > now())
            ORDER BY (source = 'promotional') DESC, expires_at ASC NULLS LAST, created_at ASC, id ASC
            FOR UPDATE
            """, [account])
        let available = try lots.reduce(Int64(0)) { $0 + (try $1.decode("remaining", as: Int64.self)) }
        guard available >= amount else { throw BillingFailure.insufficientCredits(needed: amount, available: available) }
        var left = amount
        for lot in lots where left > 0 {
            let id: Int64 = try lot.decode("id")
            let take = min(left, try lot.decode("remaining", as: Int64.self))
            try await session.execute("UPDATE lots SET remaining = remaining - $2 WHERE id = $1", [id, take])
            try await session.execute("INSERT INTO hold_lots (hold_id, lot_id, amount) VALUES ($1, $2, $3)", [hold, id, take])
            left -= take
        }
    }

    /// Spends `amount` of what the hold reserved (from its lots in spending order) and returns the
    /// rest to the lots it came from.
    func settle(_ session: PostgresSession, hold: UUID, spend amount: Int64) async throws {
        let parts = try await session.query("""
            SELECT h.lot_id, h.amount FROM hold_lots h JOIN lots l ON l.id = h.lot_id
            WHERE h.hold_id = $1
            ORDER BY (l.source = 'promotional') DESC, l.expires_at ASC NULLS LAST, l.created_at ASC, l.id ASC
            """, [hold])
        var toSpend = amount
        for part in parts {
            let reserved: Int64 = try part.decode("amount")
            let spent = min(toSpend, reserved)
            toSpend -= spent
            if reserved > spent {
                try await session.execute("UPDATE lots SET remaining = remaining + $2 WHERE id = $1", [try part.decode("lot_id", as: Int64.self), reserved - spent])
            }
        }
    }

    /// Expired lots give up what is left in them: one expiry entry each.
    func expireLots(_ database: PostgresPool) async throws -> Int {
        let due = try await database.query("""
            SELECT id, account_id FROM lots WHERE remaining > 0 AND expires_at <= now() ORDER BY expires_at LIMIT 500
            """)
        for row in due {
            let account: String = try row.decode("account_id")
            let lot: Int64 = try row.decode("id")
            try await database.transaction { session in
                try await self.lockAccount(session, account)
                guard let current = try await session.query(
                    "SELECT remaining FROM lots WHERE id = $1 AND remaining > 0 AND expires_at <= now() FOR UPDATE", [lot]
                ).first else { return }
                let remaining: Int64 = try current.decode("remaining")
                try await session.execute("UPDATE lots SET remaining = 0 WHERE id = $1", [lot])
                _ = try await self.append(session, account, amount: -remaining, kind: "expiry", reference: "lot \(lot)")
            }
        }
        return due.count
    }
}
