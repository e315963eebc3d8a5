import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import SwiftProtobuf

/// Holds, like a card authorisation: credits reserved for work, then captured (spent, up to the
/// held amount, the rest returned) or released — exactly once; unresolved holds expire.
extension BillingService {
    /// PlaceHold, its idempotency key included, is one statement (billing_hold_once): one round
    /// trip and one commit.
    func placeHold(_ caller: RPCCaller, _ request: BillingHoldRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        try Self.checkLabels(reference: request.reference, operation: request.operation)
        let key = try IdempotentCalls.check(request.idempotencyKey, domain: "billing")
        let row = try await Self.ledgerCall {
            try await self.database.query("SELECT * FROM billing_hold_once($1, $2, $3, $4, $5, $6, $7, $8, $9)", [
                caller.id, key, try IdempotentCalls.requestBytes(request), request.amount, request.reference, request.operation, UUID(),
                Int(self.configuration.holdLifetime.components.seconds), self.ledger.periodSeconds,
            ]).first!
        }
        return try Self.hold(row)
    }

    /// A hold and its capture in one transaction.
    func spend(_ caller: RPCCaller, _ request: BillingSpendRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        try Self.checkLabels(reference: request.reference, operation: request.operation)
        return try await self.idempotency.run(caller: caller.id, method: "Spend", key: request.idempotencyKey, request: request) { session in
            let hold = try await self.reserve(session, caller.id, amount: request.amount, reference: request.reference, operation: request.operation)
            return try await self.resolve(session, hold, owner: caller.id, capture: request.amount, state: "captured")
        }
    }

    /// What a hold says it pays for is shown in histories: bounded.
    static func checkLabels(reference: String, operation: String) throws {
        guard reference.utf8.count <= 200, operation.utf8.count <= 100 else { throw BillingFailure.invalid("reference", "reference or operation too long") }
    }

    func capture(_ caller: RPCCaller, _ request: BillingCaptureRequest) async throws -> BillingHold {
        try self.checkAmount(request.amount)
        return try await self.resolveOnce(caller, method: "Capture", key: request.idempotencyKey, request: request, hold: request.holdID,
                                          capture: request.amount, state: "captured")
    }

    func release(_ caller: RPCCaller, _ request: BillingReleaseRequest) async throws -> BillingHold {
        try await self.resolveOnce(caller, method: "Release", key: request.idempotencyKey, request: request, hold: request.holdID,
                                   capture: 0, state: "released")
    }

    /// Capture and Release, their idempotency keys included, are one statement (billing_resolve_once).
    private func resolveOnce(_ caller: RPCCaller, method: String, key: String, request: some SwiftProtobuf.Message, hold: String,
                             capture: Int64, state: String) async throws -> BillingHold {
        let id = try parseID(hold, "hold")
        let key = try IdempotentCalls.check(key, domain: "billing")
        let row = try await Self.ledgerCall {
            try await self.database.query("SELECT * FROM billing_resolve_once($1, $2, $3, $4, $5, $6, $7, $8, $9)", [
                caller.id, method, key, try IdempotentCalls.requestBytes(request), id, capture, state,
                self.configuration.lowBalanceThreshold, self.ledger.periodSeconds,
            ]).first!
        }
        return try Self.hold(row)
    }

    func getHold(_ caller: RPCCaller, _ holdID: String) async throws -> BillingHold {
        guard let row = try await self.database.query("SELECT \(Self.holdColumns) FROM holds WHERE id = $1 AND account_id = $2",
                                                      [try parseID(holdID, "hold"), caller.id]).first
        else { throw BillingFailure.notFound("hold") }
        return try Self.hold(row)
    }

    /// Places a hold inside the caller's transaction (billing_place_hold) and returns its id.
    private func reserve(_ session: PostgresSession, _ account: String, amount: Int64, reference: String, operation: String) async throws -> UUID {
        let id = UUID()
        _ = try await Self.ledgerCall {
            try await session.query("SELECT o_expires_us FROM billing_place_hold($1, $2, $3, $4, $5, $6, $7)", [
                account, amount, reference, operation, id, Int(self.configuration.holdLifetime.components.seconds), self.ledger.periodSeconds,
            ])
        }
        return id
    }

    /// Captures (state "captured", `capture` credits) or returns (released / expired) an open hold.
    /// A hold resolves once: a second attempt is FAILED_PRECONDITION hold_resolved.
    func resolve(_ session: PostgresSession, _ id: UUID, owner: String?, capture amount: Int64, state: String) async throws -> BillingHold {
        let row = try await Self.ledgerCall {
            try await session.query("SELECT o_account, o_amount, o_reference, o_expires_us FROM billing_resolve($1, $2, $3, $4, $5, $6)", [
                id, owner, amount, state, self.configuration.lowBalanceThreshold, self.ledger.periodSeconds,
            ]).first!
        }
        var hold = BillingHold()
        hold.holdID = id.uuidString.lowercased()
        hold.accountID = try row.decode("o_account")
        hold.amount = try row.decode("o_amount")
        hold.captured = amount
        hold.state = state
        hold.reference = try row.decode("o_reference")
        hold.expiresAt = .micros(try row.decode("o_expires_us"))
        return hold
    }

    /// The ledger functions' refusals (SQLSTATE IS0xx) as Billing's errors.
    static func ledgerCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError where error.sqlState?.hasPrefix("IS") == true {
            throw Self.ledgerRefusal(error.primaryMessage ?? "")
        }
    }

    /// A ledger function's refusal, "reason:detail…" (an IS0xx error's message, or a batch item's
    /// o_error), as the error the single call answers.
    static func ledgerRefusal(_ message: String) -> RPCError {
        let parts = message.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let detail = parts.dropFirst()
        switch parts.first {
        case "daily_cap_reached":
            return BillingFailure.error(.resourceExhausted, "daily_cap_reached",
                                        "your tier spends at most \(detail.first ?? "?") credits a day (\(detail.dropFirst().first ?? "?") so far)")
        case "insufficient_credits":
            return BillingFailure.error(.failedPrecondition, "insufficient_credits", "not enough credits; \(detail.first ?? "0") are available")
        case "not_found":
            return BillingFailure.notFound("hold")
        case "idempotency_key_reused":
            return BillingFailure.error(.failedPrecondition, "idempotency_key_reused", "this idempotency key was used for a different request",
                                        field: "idempotency_key")
        case "hold_resolved":
            return BillingFailure.error(.failedPrecondition, "hold_resolved", "this hold is already \(detail.first ?? "resolved")")
        case "capture_exceeds_hold":
            return BillingFailure.error(.invalidArgument, "capture_exceeds_hold", "a capture is at most the held \(detail.first ?? "") credits", field: "amount")
        default:
            return RPCError(.internal, "ledger refusal not understood: \(message)")
        }
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

    /// A holds row under the names the *_once functions answer with, so one reader serves both.
    static let holdColumns = """
        id AS o_hold, account_id AS o_account, amount AS o_amount, captured AS o_captured, state AS o_state,
        reference AS o_reference, (extract(epoch FROM expires_at) * 1000000)::bigint AS o_expires_us
        """

    /// A hold as billing_hold_once / billing_resolve_once answer it (or `holdColumns` selects it).
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
