import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import SwiftProtobuf

/// Holds, like a card authorisation: credits reserved for work, then captured (spent, up to the
/// held amount, the rest returned) or released — exactly once; unresolved holds expire.
extension BillingService {
    /// PlaceHold is a batch of one (billing_hold_batch): one statement, one commit, and every refusal
    /// decided where PlaceHolds decides it.
    func placeHold(_ caller: RPCCaller, _ request: BillingHoldRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        try Self.checkLabels(reference: request.reference, operation: request.operation)
        try Self.checkSpender(request, caller)
        let key = try IdempotentCalls.check(request.idempotencyKey, domain: "billing")
        let rows = try await self.holdRows(
            self.database, caller: caller.id, keys: [key],
            requests: [try IdempotentCalls.requestBytes(request)], holds: [request])
        return try Self.answer(rows)
    }

    /// A hold and its capture in one transaction, under Spend's own idempotency key (the hold and the
    /// capture inside it have none).
    func spend(_ caller: RPCCaller, _ request: BillingSpendRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        try Self.checkLabels(reference: request.reference, operation: request.operation)
        return try await self.idempotency.run(
            caller: caller.id, method: "Spend", key: request.idempotencyKey, request: request
        ) { session in
            var hold = BillingHoldRequest()
            hold.amount = request.amount
            hold.reference = request.reference
            hold.operation = request.operation
            let held = try Self.answer(
                try await self.holdRows(session, caller: caller.id, keys: [nil], requests: [[]], holds: [hold]))
            return try Self.answer(
                try await self.settleRows(
                    session, account: caller.id, methods: ["Capture"], keys: [nil], requests: [[]],
                    holds: [held.holdID], captures: [request.amount]))
        }
    }

    /// What a hold says it pays for is shown in histories: bounded.
    /// A team hold's spender and limit come from the platform's services (Jobs, after the edge asked
    /// Auth), never from a user's own call.
    static func checkSpender(_ hold: BillingHoldRequest, _ caller: RPCCaller) throws {
        guard hold.spenderID.isEmpty && !hold.hasSpenderMonthlyLimit || caller.role == "service" else {
            throw failure.error(.permissionDenied, "service_only", "a hold's spender is set by the platform's services")
        }
        guard hold.spenderID.utf8.count <= 64, !hold.hasSpenderMonthlyLimit || hold.spenderMonthlyLimit >= 0 else {
            throw failure.invalid("spender_id", "a spender id of at most 64 bytes and a limit of 0 or more")
        }
    }

    static func checkLabels(reference: String, operation: String) throws {
        guard reference.utf8.count <= 200, operation.utf8.count <= 100 else {
            throw failure.invalid("reference", "reference or operation too long")
        }
    }

    func capture(_ caller: RPCCaller, _ request: BillingCaptureRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        return try await self.settleOne(
            caller, method: "Capture", key: request.idempotencyKey, request: request, hold: request.holdID,
            capture: request.amount)
    }

    func release(_ caller: RPCCaller, _ request: BillingReleaseRequest) async throws -> BillingHold {
        try await self.settleOne(
            caller, method: "Release", key: request.idempotencyKey, request: request, hold: request.holdID, capture: 0)
    }

    /// Capture and Release are batches of one (billing_settle_batch).
    private func settleOne(
        _ caller: RPCCaller, method: String, key: String, request: some SwiftProtobuf.Message, hold: String,
        capture: Int64
    ) async throws -> BillingHold {
        let id = try failure.parseID(hold, "hold")
        let key = try IdempotentCalls.check(key, domain: "billing")
        let rows = try await self.settleRows(
            self.database, account: caller.id, methods: [method], keys: [key],
            requests: [try IdempotentCalls.requestBytes(request)], holds: [id.uuidString], captures: [capture])
        return try Self.answer(rows)
    }

    func getHold(_ caller: RPCCaller, _ holdID: String) async throws -> BillingHold {
        guard
            let row = try await self.database.query(
                "SELECT \(Self.holdColumns) FROM holds WHERE id = $1 AND account_id = $2",
                [try failure.parseID(holdID, "hold"), caller.id]
            ).first
        else { throw failure.notFound("hold") }
        return try Self.hold(row)
    }

    /// A batch of one's answer: its hold, or its refusal thrown.
    static func answer(_ rows: [PostgresRow]) throws -> BillingHold {
        guard let row = rows.first else { throw RPCError(.internal, "the ledger answered no row") }
        if let refusal = try row.decodeIfPresent("o_error", as: String.self) { throw Self.ledgerRefusal(refusal) }
        return try Self.hold(row)
    }

    /// A ledger function's refusal, "reason:detail…" (an IS0xx error's message, or a batch item's
    /// o_error), as the error the single call answers.
    static func ledgerRefusal(_ message: String) -> RPCError {
        let parts = message.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let detail = parts.dropFirst()
        switch parts.first {
        case "daily_cap_reached":
            return failure.error(
                .resourceExhausted, "daily_cap_reached",
                "your tier spends at most \(detail.first ?? "?") credits a day (\(detail.dropFirst().first ?? "?") so far)"
            )
        case "member_limit_reached":
            return failure.error(
                .resourceExhausted, "member_limit_reached",
                "the team lets you spend \(detail.first ?? "?") credits a month (\(detail.dropFirst().first ?? "?") so far)"
            )
        case "insufficient_credits":
            return failure.error(
                .failedPrecondition, "insufficient_credits", "not enough credits; \(detail.first ?? "0") are available")
        case "not_found":
            return failure.notFound("hold")
        case "idempotency_key_reused":
            return failure.error(
                .failedPrecondition, "idempotency_key_reused", "this idempotency key was used for a different request",
                field: "idempotency_key")
        case "hold_resolved":
            return failure.error(
                .failedPrecondition, "hold_resolved", "this hold is already \(detail.first ?? "resolved")")
        case "capture_exceeds_hold":
            return failure.error(
                .invalidArgument, "capture_exceeds_hold", "a capture is at most the held \(detail.first ?? "") credits",
                field: "amount")
        default:
            return RPCError(.internal, "ledger refusal not understood: \(message)")
        }
    }

    /// Open holds past their time are released (state "expired"), one statement per account.
    func expireHolds() async throws -> Int {
        let due = try await self.database.query(
            """
            SELECT account_id, array_agg(id::text) AS holds FROM (
                SELECT account_id, id FROM holds WHERE state = 'open' AND expires_at <= now() ORDER BY expires_at LIMIT 500
            ) d GROUP BY account_id
            """)
        var expired = 0
        for row in due {
            let holds = PostgresTextArray.plainElements(try row.decode("holds"))
            let rows = try await self.settleRows(
                self.database, account: try row.decode("account_id"),
                methods: holds.map { _ in "Expire" }, keys: holds.map { _ in nil },
                requests: holds.map { _ in [] }, holds: holds, captures: holds.map { _ in 0 })
            // A hold resolved meanwhile is answered hold_resolved: not counted.
            for row in rows where try row.decodeIfPresent("o_error", as: String.self) == nil { expired += 1 }
        }
        return expired
    }

    /// A holds row under the names the batch functions answer with, so one reader serves both.
    static let holdColumns = """
        id AS o_hold, account_id AS o_account, amount AS o_amount, captured AS o_captured, state AS o_state,
        reference AS o_reference, (extract(epoch FROM expires_at) * 1000000)::bigint AS o_expires_us
        """

    /// A hold as billing_hold_batch / billing_settle_batch answer it (or `holdColumns` selects it).
    static func hold(_ row: PostgresRow) throws -> BillingHold {
        var hold = BillingHold()
        hold.holdID = (try row.decode("o_hold", as: UUID.self)).uuidString.lowercased()
        hold.accountID = try row.decode("o_account")
        hold.amount = try row.decode("o_amount")
        hold.captured = try row.decode("o_captured")
        hold.state = try row.decode("o_state")
        hold.reference = try row.decode("o_reference")
        hold.expiresAt = .micros(try row.decode("o_expires_us"))
        return hold
    }
}
