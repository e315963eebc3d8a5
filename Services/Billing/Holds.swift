import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Holds, like a card authorisation: credits reserved for work, then captured (spent, up to the
/// held amount, the rest returned) or released — exactly once; unresolved holds expire.
extension BillingService {
    func placeHold(_ caller: RPCCaller, _ request: BillingHoldRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        return try await self.idempotency.run(caller: caller.id, method: "PlaceHold", key: request.idempotencyKey, request: request) { session in
            try await self.hold(session, caller.id, amount: request.amount, reference: request.reference, operation: request.operation)
        }
    }

    /// A hold and its capture in one transaction.
    func spend(_ caller: RPCCaller, _ request: BillingSpendRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        return try await self.idempotency.run(caller: caller.id, method: "Spend", key: request.idempotencyKey, request: request) { session in
            let hold = try await self.hold(session, caller.id, amount: request.amount, reference: request.reference, operation: request.operation)
            return try await self.resolve(session, try parseID(hold.holdID, "hold"), owner: caller.id, capture: request.amount, state: "captured")
        }
    }

    func capture(_ caller: RPCCaller, _ request: BillingCaptureRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        let id = try parseID(request.holdID, "hold")
        return try await self.idempotency.run(caller: caller.id, method: "Capture", key: request.idempotencyKey, request: request) { session in
            try await self.resolve(session, id, owner: caller.id, capture: request.amount, state: "captured")
        }
    }

    func release(_ caller: RPCCaller, _ request: BillingReleaseRequest) async throws -> BillingHold {
        let id = try parseID(request.holdID, "hold")
        return try await self.idempotency.run(caller: caller.id, method: "Release", key: request.idempotencyKey, request: request) { session in
            try await self.resolve(session, id, owner: caller.id, capture: 0, state: "released")
        }
    }

    func getHold(_ caller: RPCCaller, _ holdID: String) async throws -> BillingHold {
        guard let row = try await self.database.query("SELECT \(Self.holdColumns) FROM holds WHERE id = $1 AND account_id = $2",
                                                      [try parseID(holdID, "hold"), caller.id]).first
        else { throw BillingFailure.notFound("hold") }
        return try Self.hold(row)
    }

    private func hold(_ session: PostgresSession, _ account: String, amount: Int64, reference: String, operation: String) async throws -> BillingHold {
        guard reference.utf8.count <= 200, operation.utf8.count <= 100 else { throw BillingFailure.invalid("reference", "reference or operation too long") }
        try await self.ledger.lockAccount(session, account)
        // The daily cap: what was captured or is held today (UTC), plus this.
        let row = try await session.query("""
            SELECT t.daily_cap,
                   (SELECT coalesce(sum(CASE h.state WHEN 'open' THEN h.amount WHEN 'captured' THEN h.captured ELSE 0 END), 0)
                      FROM holds h WHERE h.account_id = $1 AND h.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::bigint AS today
            FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1
            """, [account]).first!
        let cap: Int64 = try row.decode("daily_cap"), today: Int64 = try row.decode("today")
        guard today + amount <= cap else {
            throw BillingFailure.error(.resourceExhausted, "daily_cap_reached", "your tier spends at most \(cap) credits a day (\(today) so far)")
        }
        let id = UUID()
        try await session.execute("""
            INSERT INTO holds (id, account_id, amount, reference, operation, expires_at)
            VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
            """, [id, account, amount, reference, operation, Int(self.configuration.holdLifetime.components.seconds)])
        try await self.ledger.reserve(session, account, amount: amount, hold: id)
        try await session.execute("UPDATE accounts SET held = held + $2 WHERE account_id = $1", [account, amount])
        return try Self.hold(try await session.query("SELECT \(Self.holdColumns) FROM holds WHERE id = $1", [id]).first!)
    }

    /// Captures (state "captured", `capture` credits) or returns (released / expired) an open hold.
    /// A hold resolves once: a second attempt is FAILED_PRECONDITION hold_resolved.
    func resolve(_ session: PostgresSession, _ id: UUID, owner: String?, capture amount: Int64, state: String) async throws -> BillingHold {
        guard let found = try await session.query("SELECT account_id FROM holds WHERE id = $1", [id]).first else { throw BillingFailure.notFound("hold") }
        let account: String = try found.decode("account_id")
        // Another account's hold is as unknown as a missing one.
        if let owner, owner != account { throw BillingFailure.notFound("hold") }
        let before = try await self.ledger.lockAccount(session, account)
        let row = try await session.query("SELECT amount, state, reference, operation FROM holds WHERE id = $1 FOR UPDATE", [id]).first!
        let current: String = try row.decode("state")
        guard current == "open" else {
            throw BillingFailure.error(.failedPrecondition, "hold_resolved", "this hold is already \(current)")
        }
        let held: Int64 = try row.decode("amount")
        guard amount <= held else {
            throw BillingFailure.error(.invalidArgument, "capture_exceeds_hold", "a capture is at most the held \(held) credits", field: "amount")
        }
        try await self.ledger.settle(session, hold: id, spend: amount)
        try await session.execute("UPDATE accounts SET held = held - $2 WHERE account_id = $1", [account, held])
        try await session.execute("UPDATE holds SET state = $2, captured = $3, resolved_at = now() WHERE id = $1", [id, state, amount])
        if amount > 0 {
            let entry = try await self.ledger.append(session, account, amount: -amount, kind: "spend", operation: try row.decode("operation"),
                                                     reference: try row.decode("reference"), hold: id)
            // A low-balance signal when this spend takes the account below the threshold.
            let threshold = self.configuration.lowBalanceThreshold
            if before.total >= threshold && entry.balanceAfter < threshold {
                try await session.execute("INSERT INTO events (account_id, kind, balance) VALUES ($1, 'low_balance', $2)", [account, entry.balanceAfter])
            }
        }
        return try Self.hold(try await session.query("SELECT \(Self.holdColumns) FROM holds WHERE id = $1", [id]).first!)
    }

    /// Open holds past their time are released (state "expired"), each in its own transaction.
    func expireHolds() async throws -> Int {
        let due = try await self.database.query("SELECT id FROM holds WHERE state = 'open' AND expires_at <= now() ORDER BY expires_at LIMIT 500")
        var expired = 0
        for row in due {
            do {
                _ = try await self.database.transaction { session in
                    try await self.resolve(session, try row.decode("id"), owner: nil, capture: 0, state: "expired")
                }
                expired += 1
            } catch let error as RPCError where error.code == .failedPrecondition {
                continue  // resolved meanwhile
            }
        }
        return expired
    }

    static let holdColumns = """
        id, account_id, amount, captured, state, reference, (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us
        """

    static func hold(_ row: PostgresRow) throws -> BillingHold {
        var hold = BillingHold()
        hold.holdID = (try row.decode("id", as: UUID.self)).uuidString.lowercased()
        hold.accountID = try row.decode("account_id")
        hold.amount = try row.decode("amount")
        hold.captured = try row.decode("captured")
        hold.state = try row.decode("state")
        hold.reference = try row.decode("reference")
        hold.expiresAt = .micros(try row.decode("expires_us"))
        return hold
    }
}
