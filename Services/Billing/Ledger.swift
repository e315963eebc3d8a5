import Foundation
import ImageSwissProtos
import Postgres
import RPC

/// The ledger's primitives, always inside a transaction that holds the account's row lock
/// (`lockAccount`), so that one account's money moves one change at a time. The steps themselves
/// are PL/pgSQL functions (Services/Billing/SQL/functions): one round trip each.
///
/// Entries are append-only (a trigger refuses UPDATE and DELETE); `accounts.total` moves with every
/// entry; lots say where credits came from and when they expire; open holds keep the credits they
/// reserved out of their lots until they are captured or returned.
struct Ledger: Sendable {
    let configuration: BillingConfiguration

    var periodSeconds: Int { Int(self.configuration.period.components.seconds) }

    /// The account's row, locked; created on first use with the free tier and its first monthly
    /// grant (SQL/functions/billing_lock_account.sql).
    /// A team's account (`kind` "team", RPCCaller.accountKind) gets no free-tier credits.
    @discardableResult
    func lockAccount(_ session: PostgresSession, _ account: String, kind: String = "person") async throws -> (
        total: Int64, held: Int64
    ) {
        let row = try await session.query(
            "SELECT o_total, o_held FROM billing_lock_account($1, $2, $3)", [account, self.periodSeconds, kind]
        ).first!
        return (try row.decode("o_total"), try row.decode("o_held"))
    }

    /// Whether the account exists (admins may only grant to accounts that used Billing).
    func exists(_ session: PostgresSession, _ account: String) async throws -> Bool {
        try await !session.query("SELECT 1 FROM accounts WHERE account_id = $1", [account]).isEmpty
    }

    /// New credits: a lot and its entry.
    func grant(
        _ session: PostgresSession, _ account: String, amount: Int64, source: String, expiresMicros: Int64?,
        reference: String
    ) async throws -> BillingEntry {
        let row = try await session.query(
            """
            SELECT o_entry, o_created_us, o_balance FROM billing_grant($1, $2, $3, to_timestamp($4::double precision / 1e6), $5)
            """, [account, amount, source, expiresMicros, reference]
        ).first!
        return try Self.entry(row, amount: amount, kind: Self.entryKinds[source]!, operation: "", reference: reference)
    }

    static let entryKinds = [
        "purchase": "purchase", "subscription": "subscription_grant", "promotional": "promotional_grant",
        "refund": "refund",
    ]

    /// Appends one entry and moves the account's total with it.
    func append(
        _ session: PostgresSession, _ account: String, amount: Int64, kind: String, operation: String = "",
        reference: String, hold: UUID? = nil
    ) async throws -> BillingEntry {
        let row = try await session.query(
            "SELECT o_entry, o_created_us, o_balance FROM billing_append($1, $2, $3, $4, $5, $6)",
            [account, amount, kind, operation, reference, hold]
        ).first!
        return try Self.entry(row, amount: amount, kind: kind, operation: operation, reference: reference)
    }

    private static func entry(_ row: PostgresRow, amount: Int64, kind: String, operation: String, reference: String)
        throws -> BillingEntry
    {
        var entry = BillingEntry()
        entry.entryID = try row.decode("o_entry")
        entry.amount = amount
        entry.kind = kind
        entry.operation = operation
        entry.reference = reference
        entry.createdAt = .micros(try row.decode("o_created_us"))
        entry.balanceAfter = try row.decode("o_balance")
        return entry
    }

    /// Credits that may be spent now: unexpired lots' remainders (held credits are out of them).
    func available(_ session: some PostgresQuerying, _ account: String) async throws -> Int64 {
        try await session.query(
            """
            SELECT coalesce(sum(remaining), 0)::bigint AS n FROM lots
            WHERE account_id = $1 AND remaining > 0 AND (expires_at IS NULL OR expires_at > now())
            """, [account]
        ).first!.decode("n")
    }

    /// Expired lots give up what is left in them: one expiry entry each (the sweeper's pass).
    func expireLots(_ database: PostgresPool) async throws -> Int {
        let due = try await database.query(
            """
            SELECT DISTINCT account_id FROM (SELECT account_id FROM lots WHERE remaining > 0 AND expires_at <= now()
                                             ORDER BY expires_at LIMIT 500) due
            """)
        var expired = 0
        for row in due {
            let account: String = try row.decode("account_id")
            expired += try await database.transaction { session in
                try await self.lockAccount(session, account)
                return try await self.expireDue(session, account)
            }
        }
        return expired
    }

    /// The account's expired lots give up what is left in them, inside the caller's transaction
    /// (which holds the account's lock).
    @discardableResult
    func expireDue(_ session: PostgresSession, _ account: String) async throws -> Int {
        let lots = try await session.query(
            """
            UPDATE lots l SET remaining = 0 FROM (SELECT id, remaining FROM lots WHERE account_id = $1 AND remaining > 0
                                                  AND expires_at <= now() ORDER BY id FOR UPDATE) due
            WHERE l.id = due.id RETURNING l.id, due.remaining
            """, [account])
        let expired = try lots.map {
            (id: try $0.decode("id", as: Int64.self), left: try $0.decode("remaining", as: Int64.self))
        }
        for lot in expired.sorted(by: { $0.id < $1.id }) {
            _ = try await self.append(session, account, amount: -lot.left, kind: "expiry", reference: "lot \(lot.id)")
        }
        return lots.count
    }
}
