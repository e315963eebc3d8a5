import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// PlaceHolds and SettleHolds: each item answered as its own call would be, in order; the money
/// invariants as with single calls; batches and single calls replaying each other's keys.
@Suite(.serialized) struct HoldBatchTests {
    static func hold(_ amount: Int64, key: String) -> BillingHoldRequest {
        var request = BillingHoldRequest()
        request.amount = amount
        request.reference = "job-\(key)"
        request.operation = "resize"
        request.idempotencyKey = key
        return request
    }

    static func capture(_ hold: String, _ amount: Int64, key: String) -> BillingSettlement {
        var request = BillingCaptureRequest()
        request.holdID = hold
        request.amount = amount
        request.idempotencyKey = key
        var item = BillingSettlement()
        item.capture = request
        return item
    }

    static func release(_ hold: String, key: String) -> BillingSettlement {
        var request = BillingReleaseRequest()
        request.holdID = hold
        request.idempotencyKey = key
        var item = BillingSettlement()
        item.release = request
        return item
    }

    static func place(_ billing: BillingStack, _ account: String, _ holds: [BillingHoldRequest]) async throws
        -> [BillingHoldOutcome]
    {
        var request = BillingPlaceHoldsRequest()
        request.holds = holds
        return try await billing.rpc.unary(BillingMethods.placeHolds, request, options: BillingStack.as(account))
            .outcomes
    }

    static func settle(_ billing: BillingStack, _ account: String, _ items: [BillingSettlement]) async throws
        -> [BillingHoldOutcome]
    {
        var request = BillingSettleHoldsRequest()
        request.items = items
        return try await billing.rpc.unary(BillingMethods.settleHolds, request, options: BillingStack.as(account))
            .outcomes
    }

    /// "ok" or the refusal's reason, item by item.
    static func reasons(_ outcomes: [BillingHoldOutcome]) -> [String] {
        outcomes.map { $0.hasRefusal ? $0.refusal.reason : "ok" }
    }

    @Test func eachItemIsAnsweredAsItsOwnCallWouldBe() async throws {
        let billing = try await BillingStack.start(["BILLING_LOW_BALANCE_THRESHOLD": "5", "BILLING_MAX_BATCH": "12"])
        defer { Task { await billing.stop() } }
        let account = UUID().uuidString.lowercased()
        let stranger = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)
        _ = try await billing.grant(account, 20)  // 23 with the free tier's 3

        let placed = try await Self.place(
            billing, account,
            [
                Self.hold(10, key: "h1"), Self.hold(0, key: "h2"), Self.hold(10, key: "h3"), Self.hold(10, key: "h4"),
                Self.hold(10, key: "h1"), Self.hold(9, key: "h1"), Self.hold(3, key: "h5"), Self.hold(1, key: ""),
            ])
        #expect(
            Self.reasons(placed) == [
                "ok", "invalid_amount", "ok", "insufficient_credits", "ok", "idempotency_key_reused", "ok",
                "idempotency_key_required",
            ])
        #expect(
            placed[4].hold.holdID == placed[0].hold.holdID, "a key repeated in the batch is a retry of its first item")
        #expect(
            placed[3].refusal.code == RPCStatusCode.failedPrecondition.rawValue
                && placed[3].refusal.message.contains("3 are available"))
        #expect(placed[0].hold.state == "open" && placed[0].hold.amount == 10 && placed[0].hold.accountID == account)
        #expect(try await billing.count("SELECT count(*) FROM holds WHERE account_id = $1", [account]) == 3)
        var balance = try await billing.balance(account)
        #expect(balance.total == 23 && balance.held == 23 && balance.available == 0)
        // The same key as a single call: the batch's answer, no second hold.
        let single = try await billing.rpc.unary(
            BillingMethods.placeHold, Self.hold(10, key: "h3"), options: BillingStack.as(account))
        #expect(single.holdID == placed[2].hold.holdID)
        // The whole batch again: the same holds.
        let again = try await Self.place(
            billing, account, [Self.hold(10, key: "h1"), Self.hold(10, key: "h3"), Self.hold(3, key: "h5")])
        #expect(again.map(\.hold.holdID) == [placed[0].hold.holdID, placed[2].hold.holdID, placed[6].hold.holdID])
        #expect(try await billing.count("SELECT count(*) FROM holds WHERE account_id = $1", [account]) == 3)

        let (h1, h3, h5) = (placed[0].hold.holdID, placed[2].hold.holdID, placed[6].hold.holdID)
        let entriesBefore = try await billing.count("SELECT count(*) FROM ledger_entries")
        let settled = try await Self.settle(
            billing, account,
            [
                Self.capture(h1, 6, key: "c1"), Self.capture(h3, 11, key: "c3"), Self.release(h3, key: "r3"),
                Self.capture(h1, 6, key: "c1b"),
                Self.capture(UUID().uuidString, 1, key: "c9"), Self.capture("not-an-id", 1, key: "c10"),
                BillingSettlement(),
                Self.release(h5, key: "r5"), Self.capture(h5, 1, key: "c5"), Self.capture(h1, 0, key: "c0"),
            ])
        #expect(
            Self.reasons(settled) == [
                "ok", "capture_exceeds_hold", "ok", "hold_resolved", "not_found", "not_found", "invalid_settlement",
                "ok", "hold_resolved", "invalid_amount",
            ])
        #expect(settled[0].hold.state == "captured" && settled[0].hold.captured == 6)
        #expect(settled[2].hold.state == "released" && settled[7].hold.state == "released")
        #expect(settled[3].refusal.message.contains("captured") && settled[8].refusal.message.contains("released"))
        #expect(try await billing.count("SELECT count(*) FROM ledger_entries") == entriesBefore + 1)
        balance = try await billing.balance(account)
        #expect(balance.total == 17 && balance.held == 0 && balance.available == 17)
        // A single call with a batch item's key replays it; a different request under it is refused.
        var capture = BillingCaptureRequest()
        capture.holdID = h1
        capture.amount = 6
        capture.idempotencyKey = "c1"
        #expect(
            try await billing.rpc.unary(BillingMethods.capture, capture, options: BillingStack.as(account)).captured
                == 6)
        capture.amount = 5
        let reused = await #expect(throws: RPCError.self) {
            try await billing.rpc.unary(BillingMethods.capture, capture, options: BillingStack.as(account))
        }
        #expect(reused?.reason == "idempotency_key_reused")
        // Another account's holds are not found, and nothing moves.
        let foreign = try await Self.settle(billing, stranger, [Self.capture(h1, 1, key: "x1")])
        #expect(Self.reasons(foreign) == ["not_found"])

        // Crossing the low-balance threshold (5) in a batch raises one event, with the balance it left.
        let more = try await Self.place(billing, account, [Self.hold(7, key: "h6"), Self.hold(7, key: "h7")])
        _ = try await Self.settle(
            billing, account, more.map { Self.capture($0.hold.holdID, 7, key: "c-\($0.hold.holdID)") })
        let events = try await billing.rpc.unary(
            BillingMethods.listEvents, BillingListEventsRequest(), options: BillingStack.as("jobs", role: "service"))
        #expect(events.events.map { "\($0.accountID) \($0.kind) \($0.balance)" } == ["\(account) low_balance 3"])
        let history = try await billing.rpc.unary(
            BillingMethods.history, BillingHistoryRequest(), options: BillingStack.as(account))
        #expect(history.entries.prefix(3).map { "\($0.amount) \($0.balanceAfter)" } == ["-7 3", "-7 10", "-6 17"])
        #expect(try await billing.invariantsHold(account))

        // More items than BILLING_MAX_BATCH: the call is refused whole.
        let tooMany = await #expect(throws: RPCError.self) {
            try await Self.place(billing, account, (0..<13).map { Self.hold(1, key: "big-\($0)") })
        }
        #expect(tooMany?.reason == "batch_too_large" && tooMany?.code == .invalidArgument)
    }

    /// Lots are taken and given back in the same order as single calls take them.
    @Test func batchesSpendLotsInTheSameOrder() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let account = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)  // 3 subscription credits, expiring at the period's end
        _ = try await billing.grant(account, 10, source: "refund")  // never expire
        _ = try await billing.grant(account, 4, source: "promotional", expiresIn: 3600)
        // 5: promotional 4 + subscription 1; 6: subscription 2 + refund 4.
        let placed = try await Self.place(billing, account, [Self.hold(5, key: "a"), Self.hold(6, key: "b")])
        #expect(Self.reasons(placed) == ["ok", "ok"])
        #expect(try await billing.lotRemainders(account) == ["subscription:0", "refund:6", "promotional:0"])
        // Capturing 2 of the 5 spends the promotional lot first and gives back 2 of it and the subscription's 1.
        let settled = try await Self.settle(
            billing, account,
            [Self.capture(placed[0].hold.holdID, 2, key: "ca"), Self.release(placed[1].hold.holdID, key: "rb")])
        #expect(Self.reasons(settled) == ["ok", "ok"])
        #expect(try await billing.lotRemainders(account) == ["subscription:3", "refund:10", "promotional:2"])
        #expect(try await billing.balance(account).total == 15)
        #expect(try await billing.invariantsHold(account))
    }

    /// 8 clients × 5 batches of 5 holds of 7 credits against 1003 credits, alongside single calls:
    /// exactly 143 holds; every one captured once through batches; retries replay.
    @Test func concurrentBatchesNeverOverdraw() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        try await billing.liftDailyCap()
        let account = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)
        _ = try await billing.grant(account, 1000)
        let batches = (0..<8).flatMap { client in
            (0..<5).map { batch in (0..<5).map { Self.hold(7, key: "k-\(client)-\(batch)-\($0)") } }
        }
        let placed = try await withThrowingTaskGroup(of: [BillingHoldOutcome].self) { group in
            for client in 0..<8 {
                group.addTask {
                    var outcomes: [BillingHoldOutcome] = []
                    for batch in batches[(client * 5)..<(client * 5 + 5)] {
                        outcomes += try await Self.place(billing, account, batch)
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(placed.filter { !$0.hasRefusal }.count == 143)
        #expect(placed.filter(\.hasRefusal).allSatisfy { $0.refusal.reason == "insufficient_credits" })
        #expect(try await billing.balance(account).available == 2)

        let holds = placed.filter { !$0.hasRefusal }.map(\.hold.holdID)
        let items = holds.map { Self.capture($0, 7, key: "cap-\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: items.count, by: 20) {
                // Each chunk twice at once: one settles, the other replays or waits for the lock.
                for _ in 0..<2 {
                    group.addTask {
                        let outcomes = try await Self.settle(
                            billing, account, Array(items[chunk..<min(chunk + 20, items.count)]))
                        #expect(outcomes.allSatisfy { !$0.hasRefusal && $0.hold.state == "captured" })
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(
            try await billing.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'spend'", [account]) == 143)
        let balance = try await billing.balance(account)
        #expect(balance.total == 2 && balance.held == 0)
        #expect(try await billing.invariantsHold(account))
        // Every batch again: the same answers, nothing new.
        for batch in batches.prefix(3) {
            let replayed = try await Self.place(billing, account, batch)
            #expect(
                replayed.allSatisfy {
                    !$0.hasRefusal ? $0.hold.state == "open" : $0.refusal.reason == "insufficient_credits"
                })
        }
        #expect(try await billing.count("SELECT count(*) FROM holds WHERE account_id = $1", [account]) == 143)
    }
}
