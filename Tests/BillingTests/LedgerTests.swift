import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// The money: concurrency, a crash in the middle, holds that resolve once, spending order, expiry,
/// idempotency, bad input. All against the real Billing process over RPC, as Jobs calls it.
@Suite(.serialized) struct LedgerTests {
    /// 40 clients × 5 spends of 7 credits against 1003 credits: exactly 143 succeed, the rest are
    /// insufficient_credits, nothing is overdrawn, every success has exactly one entry.
    @Test func manyClientsSpendingAtOnceNeverOverdraw() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        try await billing.liftDailyCap()
        let account = UUID().uuidString.lowercased()
        #expect(
            try await billing.balance(account).available == 3, "every account starts with the free tier's 3 credits")
        _ = try await billing.grant(account, 1000)

        let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<40 {
                group.addTask {
                    var results: [String] = []
                    for spend in 0..<5 {
                        do {
                            _ = try await billing.spend(account, 7, key: "spend-\(client)-\(spend)")
                            results.append("ok")
                        } catch let error as RPCError {
                            results.append(error.reason ?? "\(error.code)")
                        }
                    }
                    return results
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 143)
        #expect(outcomes.filter { $0 != "ok" }.allSatisfy { $0 == "insufficient_credits" }, "\(Set(outcomes))")
        let balance = try await billing.balance(account)
        #expect(balance.total == 2 && balance.available == 2 && balance.held == 0)
        #expect(try await billing.invariantsHold(account))
        #expect(
            try await billing.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'spend'", [account]) == 143)
    }

    /// kill -9 in the middle of the same workload; after a restart, the retries with the same keys
    /// leave exactly one entry per successful spend and the invariants intact.
    @Test func aCrashInTheMiddleLosesAndDoublesNothing() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        try await billing.liftDailyCap()
        let account = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)
        _ = try await billing.grant(account, 1000)
        let keys = (0..<40).flatMap { client in (0..<5).map { "crash-\(client)-\($0)" } }

        let workload = Task {
            await withTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: keys.count, by: 5) {
                    group.addTask {
                        for key in keys[chunk..<chunk + 5] {
                            _ = try? await billing.spend(account, 7, key: key, timeout: .seconds(2))
                        }
                    }
                }
            }
        }
        let spends = "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'spend'"
        // The crash comes once spends are being written, while most of the workload is still to run.
        try await waitUntil(timeout: .seconds(20)) { try await billing.count(spends, [account]) >= 10 }
        try await billing.stack.crash("billing")
        await workload.value
        let before = try await billing.count(spends, [account])
        #expect(before < 143, "the crash came while spends were in flight")
        #expect(try await billing.invariantsHold(account), "a crash leaves no half-written spend")
        try await billing.stack.restart("billing")

        // Every client retries every key, as a client that lost its answers would.
        var succeeded = 0
        for key in keys {
            do {
                let hold = try await billing.spend(account, 7, key: key)
                #expect(hold.state == "captured" && hold.captured == 7)
                succeeded += 1
            } catch let error as RPCError {
                #expect(error.reason == "insufficient_credits", "\(error)")
            }
        }
        #expect(succeeded == 143 && before <= 143)
        #expect(
            try await billing.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'spend'", [account]) == 143)
        #expect(
            try await billing.count(
                "SELECT count(*) FROM (SELECT reference FROM ledger_entries WHERE kind = 'spend' GROUP BY reference HAVING count(*) > 1) d"
            ) == 0)
        #expect(try await billing.invariantsHold(account))
        #expect(try await billing.balance(account).total == 2)
    }

    @Test func holdsResolveExactlyOnce() async throws {
        let billing = try await BillingStack.start(["BILLING_HOLD_TTL_S": "1", "BILLING_LOW_BALANCE_THRESHOLD": "5"])
        defer { Task { await billing.stop() } }
        let account = UUID().uuidString.lowercased()
        let stranger = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)
        _ = try await billing.grant(account, 20)
        func hold(_ amount: Int64, key: String) async throws -> BillingHold {
            var request = BillingHoldRequest()
            request.amount = amount
            request.reference = "job-\(key)"
            request.operation = "restoration"
            request.idempotencyKey = key
            return try await billing.rpc.unary(BillingMethods.placeHold, request, options: BillingStack.as(account))
        }
        func capture(_ hold: BillingHold, _ amount: Int64, key: String, as caller: String? = nil) async throws
            -> BillingHold
        {
            var request = BillingCaptureRequest()
            request.holdID = hold.holdID
            request.amount = amount
            request.idempotencyKey = key
            return try await billing.rpc.unary(
                BillingMethods.capture, request, options: BillingStack.as(caller ?? account))
        }
        func release(_ hold: BillingHold, key: String) async throws -> BillingHold {
            var request = BillingReleaseRequest()
            request.holdID = hold.holdID
            request.idempotencyKey = key
            return try await billing.rpc.unary(BillingMethods.release, request, options: BillingStack.as(account))
        }
        func reason(_ body: () async throws -> Any) async -> String? {
            do {
                _ = try await body()
                return nil
            } catch let error as RPCError { return error.reason ?? "\(error.code)" } catch { return "\(error)" }
        }

        // Hold 10 of 23, capture 6: 4 come back.
        let first = try await hold(10, key: "h1")
        #expect(try await billing.balance(account).available == 13)
        #expect(try await billing.balance(account).held == 10)
        let captured = try await capture(first, 6, key: "c1")
        #expect(captured.state == "captured" && captured.captured == 6)
        #expect(try await billing.balance(account).available == 17)
        // The same capture again (same key): the first answer. Another capture: refused.
        #expect(try await capture(first, 6, key: "c1").captured == 6)
        #expect(await reason { try await capture(first, 6, key: "c2") } == "hold_resolved")
        #expect(await reason { try await release(first, key: "r1") } == "hold_resolved")
        // Placing the hold again with its key: the first answer (the hold as placed), no second hold.
        let replayed = try await hold(10, key: "h1")
        #expect(replayed.holdID == first.holdID && replayed.state == "open" && replayed.captured == 0)
        #expect(try await billing.count("SELECT count(*) FROM holds WHERE account_id = $1", [account]) == 1)
        // The same key with a different request is an error, not a silent replay.
        #expect(await reason { try await capture(first, 5, key: "c1") } == "idempotency_key_reused")

        // A capture above the hold, a stranger's capture, an unknown hold: refused, nothing written.
        let second = try await hold(5, key: "h2")
        let entriesBefore = try await billing.count("SELECT count(*) FROM ledger_entries")
        #expect(await reason { try await capture(second, 6, key: "c3") } == "capture_exceeds_hold")
        #expect(await reason { try await capture(second, 1, key: "c4", as: stranger) } == "not_found")
        var unknown = second
        unknown.holdID = UUID().uuidString
        #expect(await reason { try await capture(unknown, 1, key: "c5") } == "not_found")
        for amount: Int64 in [0, -3, 10_000_001] {
            #expect(await reason { try await hold(amount, key: "bad-\(amount)") } == "invalid_amount")
        }
        #expect(await reason { try await hold(30, key: "too-much") } == "insufficient_credits")
        #expect(try await billing.count("SELECT count(*) FROM ledger_entries") == entriesBefore)
        #expect(try await release(second, key: "r2").state == "released")
        #expect(try await billing.balance(account).available == 17)

        // An unresolved hold expires (BILLING_HOLD_TTL_S=1) and its credits come back.
        let forgotten = try await hold(12, key: "h3")
        #expect(try await billing.balance(account).available == 5)
        var state = ""
        for _ in 0..<40 where state != "expired" {
            try await Task.sleep(for: .milliseconds(200))
            var request = BillingGetHoldRequest()
            request.holdID = forgotten.holdID
            state = try await billing.rpc.unary(BillingMethods.getHold, request, options: BillingStack.as(account))
                .state
        }
        #expect(state == "expired")
        #expect(try await billing.balance(account).available == 17)
        #expect(await reason { try await capture(forgotten, 1, key: "late") } == "hold_resolved")

        // Spending below the threshold (5) raises one low_balance event.
        _ = try await billing.spend(account, 13, key: "s-low")
        var events = BillingListEventsRequest()
        events.afterEventID = 0
        let raised = try await billing.rpc.unary(
            BillingMethods.listEvents, events, options: BillingStack.as("jobs", role: "service"))
        #expect(raised.events.map { "\($0.accountID) \($0.kind) \($0.balance)" } == ["\(account) low_balance 4"])
        #expect(try await billing.invariantsHold(account))

        // The history shows every movement, newest first, each with the balance it left.
        let history = try await billing.rpc.unary(
            BillingMethods.history, BillingHistoryRequest(), options: BillingStack.as(account))
        #expect(history.entries.map(\.amount) == [-13, -6, 20, 3])
        #expect(history.entries.first?.balanceAfter == 4)
    }

    /// Promotional lots go first, then the soonest-expiring, then the oldest; expired lots are written off.
    @Test func spendingOrderAndExpiry() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let account = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)  // 3 subscription credits, expiring at the period's end
        _ = try await billing.grant(account, 10, source: "refund")  // never expire
        _ = try await billing.grant(account, 4, source: "promotional", expiresIn: 3600)
        _ = try await billing.grant(account, 5, source: "refund", expiresIn: 2)
        _ = try await billing.spend(account, 6, key: "order-1")  // promotional 4, then the refund expiring in 2 s: 2
        #expect(
            try await billing.lotRemainders(account) == ["subscription:3", "refund:10", "promotional:0", "refund:3"])
        // The 2-second lot expires: its 3 credits are written off by an expiry entry.
        var expired = 0
        for _ in 0..<40 where expired == 0 {
            try await Task.sleep(for: .milliseconds(200))
            expired = try await billing.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND kind = 'expiry'", [account])
        }
        #expect(expired == 1)
        #expect(
            try await billing.lotRemainders(account) == ["subscription:3", "refund:10", "promotional:0", "refund:0"])
        // the subscription lot expires before the undated refund
        _ = try await billing.spend(account, 4, key: "order-2")
        #expect(
            try await billing.lotRemainders(account) == ["subscription:0", "refund:9", "promotional:0", "refund:0"])
        #expect(try await billing.balance(account).total == 9)
        #expect(try await billing.invariantsHold(account))
    }

    @Test func theDailyCapOfTheTierStopsSpending() async throws {
        let billing = try await BillingStack.start()
        defer { Task { await billing.stop() } }
        let account = UUID().uuidString.lowercased()
        _ = try await billing.balance(account)
        _ = try await billing.grant(account, 100)
        _ = try await billing.spend(account, 45, key: "cap-1")
        do {
            _ = try await billing.spend(account, 10, key: "cap-2")
            Issue.record("the free tier's daily cap is 50")
        } catch let error as RPCError {
            #expect(error.reason == "daily_cap_reached" && error.code == .resourceExhausted)
        }
        #expect(try await billing.balance(account).spentToday == 45)
    }
}
