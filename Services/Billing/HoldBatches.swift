import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import SwiftProtobuf

/// PlaceHolds and SettleHolds: many hold calls of one caller in one statement and one commit
/// (billing_hold_batch, billing_settle_batch, which the single calls use too). Each item is answered exactly as its own call would
/// be — a retry of a batch, or of one of its items as a single call, replays the first answers.
extension BillingService {
    func placeHolds(_ caller: RPCCaller, _ request: BillingPlaceHoldsRequest) async throws -> BillingHoldOutcomes {
        try self.checkBatchSize(request.holds.count)
        var batch = HoldBatch(count: request.holds.count)
        for (item, hold) in request.holds.enumerated() {
            batch.admit(item) {
                try self.checkAmount(hold.amount)
                try Self.checkLabels(reference: hold.reference, operation: hold.operation)
                try Self.checkSpender(hold, caller)
                return (
                    try IdempotentCalls.check(hold.idempotencyKey, domain: "billing"),
                    try IdempotentCalls.requestBytes(hold)
                )
            }
        }
        guard !batch.sent.isEmpty else { return try batch.outcomes(from: []) }
        let rows = try await self.holdRows(
            self.database, caller: caller.id, keys: batch.sentKeys, requests: batch.sentRequests,
            holds: batch.sent.map { request.holds[$0] })
        return try batch.outcomes(from: rows)
    }

    func settleHolds(_ caller: RPCCaller, _ request: BillingSettleHoldsRequest) async throws -> BillingHoldOutcomes {
        try self.checkBatchSize(request.items.count)
        var batch = HoldBatch(count: request.items.count)
        var methods: [String] = []
        var keys: [String?] = []
        var holds: [String] = []
        var captures: [Int64] = []
        for (item, settlement) in request.items.enumerated() {
            var parsed: (method: String, key: String, hold: UUID, capture: Int64)?
            let sent = batch.admit(item) {
                let method: String
                let hold: String
                let key: String
                let capture: Int64
                let bytes: [UInt8]
                switch settlement.kind {
                case .capture(let request):
                    try self.checkAmount(request.amount)
                    (method, hold, key, capture, bytes) = (
                        "Capture", request.holdID, request.idempotencyKey, request.amount,
                        try IdempotentCalls.requestBytes(request)
                    )
                case .release(let request):
                    (method, hold, key, capture, bytes) = (
                        "Release", request.holdID, request.idempotencyKey, 0, try IdempotentCalls.requestBytes(request)
                    )
                case nil:
                    throw failure.invalid("settlement", "each item is a capture or a release")
                }
                let id = try failure.parseID(hold, "hold")  // checked in the single calls' order
                parsed = (method, try IdempotentCalls.check(key, domain: "billing"), id, capture)
                // A Capture and a Release may carry the same key: they are different calls.
                return ("\(method)|\(key)", bytes)
            }
            if sent, let parsed {
                methods.append(parsed.method)
                keys.append(parsed.key)
                holds.append(parsed.hold.uuidString)
                captures.append(parsed.capture)
            }
        }
        guard !batch.sent.isEmpty else { return try batch.outcomes(from: []) }
        let rows = try await self.settleRows(
            self.database, account: caller.id, methods: methods, keys: keys,
            requests: batch.sentRequests, holds: holds, captures: captures)
        return try batch.outcomes(from: rows)
    }

    /// billing_hold_batch: one row per hold, in order. A nil key is a hold without one (Spend's own).
    func holdRows(
        _ database: any PostgresQuerying, caller: String, keys: [String?], requests: [[UInt8]],
        holds: [BillingHoldRequest]
    ) async throws -> [PostgresRow] {
        try await database.query(
            "SELECT * FROM billing_hold_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                caller, PostgresTextArray.literal(keys), PostgresTextArray.literal(requests),
                PostgresTextArray.literal(holds.map(\.amount)), PostgresTextArray.literal(holds.map(\.reference)),
                PostgresTextArray.literal(holds.map(\.operation)),
                PostgresTextArray.literal(holds.map { _ in UUID().uuidString }),
                Int(self.configuration.holdLifetime.components.seconds), self.ledger.periodSeconds,
                PostgresTextArray.literal(holds.map { $0.spenderID.isEmpty ? nil : $0.spenderID.lowercased() }),
                PostgresTextArray.literal(holds.map { $0.hasSpenderMonthlyLimit ? "\($0.spenderMonthlyLimit)" : nil }),
            ])
    }

    /// billing_settle_batch: one row per settlement of `account`'s holds, in order; `methods[i]` is
    /// Capture, Release or Expire. A nil key is a settlement without one (Spend's capture, an expiry).
    func settleRows(
        _ database: any PostgresQuerying, account: String, methods: [String], keys: [String?], requests: [[UInt8]],
        holds: [String], captures: [Int64]
    ) async throws -> [PostgresRow] {
        try await database.query(
            "SELECT * FROM billing_settle_batch($1, $2, $3, $4, $5, $6, $7)",
            [
                account, PostgresTextArray.literal(methods), PostgresTextArray.literal(keys),
                PostgresTextArray.literal(requests),
                PostgresTextArray.literal(holds), PostgresTextArray.literal(captures),
                self.configuration.lowBalanceThreshold,
            ])
    }

    /// At most BILLING_MAX_BATCH items: a batch is one transaction holding the account's lock.
    private func checkBatchSize(_ count: Int) throws {
        guard count <= self.configuration.maxBatch else {
            throw failure.error(
                .invalidArgument, "batch_too_large", "at most \(self.configuration.maxBatch) items per call",
                field: "items")
        }
    }
}

/// One batch call's items: those refused before the database (bad input, a key repeated inside
/// the batch), those sent, and the answers put back in request order.
struct HoldBatch {
    private var answers: [BillingHoldOutcome?]
    /// Items sent to the database, in request order, with their keys (as judged for repeats) and request bytes.
    private(set) var sent: [Int] = []
    private(set) var sentKeys: [String] = []
    private(set) var sentRequests: [[UInt8]] = []
    /// A key seen again in the same batch: the same request is a retry (it gets the first item's
    /// answer), a different one is refused.
    private var firstWithKey: [String: Int] = [:]
    private var repeats: [(item: Int, first: Int)] = []

    init(count: Int) { self.answers = Array(repeating: nil, count: count) }

    /// Judges one item: `check` validates it and returns its key and request bytes, or throws its
    /// refusal. True when the item goes to the database.
    @discardableResult
    mutating func admit(_ item: Int, _ check: () throws -> (key: String, request: [UInt8])) -> Bool {
        do {
            let (key, request) = try check()
            if let first = self.firstWithKey[key] {
                if self.sentRequests[self.sent.firstIndex(of: first)!] == request {
                    self.repeats.append((item, first))
                } else {
                    self.answers[item] = Self.refused(BillingService.ledgerRefusal("idempotency_key_reused"))
                }
                return false
            }
            self.firstWithKey[key] = item
            self.sent.append(item)
            self.sentKeys.append(key)
            self.sentRequests.append(request)
            return true
        } catch let error as RPCError {
            self.answers[item] = Self.refused(error)
        } catch {
            self.answers[item] = Self.refused(RPCError(.internal, "\(error)"))
        }
        return false
    }

    /// The answers, the database's rows (one per sent item, in order) put in their places.
    func outcomes(from rows: [PostgresRow]) throws -> BillingHoldOutcomes {
        var answers = self.answers
        for (row, item) in zip(rows, self.sent) {
            if let error = try row.decodeIfPresent("o_error", as: String.self) {
                answers[item] = Self.refused(BillingService.ledgerRefusal(error))
            } else {
                var outcome = BillingHoldOutcome()
                outcome.hold = try BillingService.hold(row)
                answers[item] = outcome
            }
        }
        for (item, first) in self.repeats { answers[item] = answers[first] }
        var outcomes = BillingHoldOutcomes()
        outcomes.outcomes = answers.map { $0 ?? Self.refused(RPCError(.internal, "no answer for this item")) }
        return outcomes
    }

    private static func refused(_ error: RPCError) -> BillingHoldOutcome {
        var outcome = BillingHoldOutcome()
        outcome.refusal = BillingRefusal(error)
        return outcome
    }
}
