import Foundation
import ImageSwissProtos
import RPC
import ServiceRuntime

/// BillingBenchmarkClient PORT [CLIENTS] [SECONDS] [BATCH]
/// CLIENTS concurrent clients (default 8), each its own account with enough credits, each running
/// PlaceHold(3) then Capture(2) back to back for SECONDS (default 15, after 3 s of warm-up), as Jobs
/// does per job; with BATCH > 1, PlaceHolds of BATCH such holds then SettleHolds capturing them, as
/// Jobs does for a batch. Prints `pairs=N seconds=S pairs_per_second=R errors=E`.
let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: BillingBenchmarkClient PORT [CLIENTS] [SECONDS]\n".utf8))
    exit(2)
}
let clients = arguments.count > 2 ? Int(arguments[2]) ?? 8 : 8
let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 15 : 15
let batch = arguments.count > 4 ? max(1, Int(arguments[4]) ?? 1) : 1
var configuration = RPCClientConfiguration()
// Signs like the edge when the stack requires proof of the caller (RPC_IDENTITY_KEY in stack.env).
configuration.identity = try ServiceConfiguration(serviceName: "edge").rpcIdentity()
let client = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)], configuration: configuration)

func options(_ account: String, role: String = "user") -> RPCCallOptions {
    RPCCallOptions(timeout: .seconds(10), metadata: [RPCMetadata.callerID: account, RPCMetadata.callerRole: role])
}

// Each client's account: created by its first call, then credits for the whole run (run.sh lifts
// the free tier's daily cap in the database first).
let accounts = (0..<clients).map { _ in UUID().uuidString.lowercased() }
for account in accounts {
    _ = try await client.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: options(account))
    var grant = BillingGrantRequest()
    grant.accountID = account
    grant.amount = 1_000_000
    grant.source = "promotional"
    grant.idempotencyKey = UUID().uuidString
    _ = try await client.unary(BillingMethods.grant, grant, options: options("bench-admin", role: "admin"))
}

func pair(_ account: String, _ n: Int) async throws {
    var hold = BillingHoldRequest()
    hold.amount = 3
    hold.reference = "job-\(n)"
    hold.operation = "resize"
    hold.idempotencyKey = "\(account)-h-\(n)"
    let placed = try await client.unary(BillingMethods.placeHold, hold, options: options(account))
    var capture = BillingCaptureRequest()
    capture.holdID = placed.holdID
    capture.amount = 2
    capture.idempotencyKey = "\(account)-c-\(n)"
    _ = try await client.unary(BillingMethods.capture, capture, options: options(account))
}

/// BATCH pairs through PlaceHolds and SettleHolds; a refused item counts as an error.
func batchOfPairs(_ account: String, _ n: Int) async throws -> (pairs: Int, errors: Int) {
    var holds = BillingPlaceHoldsRequest()
    holds.holds = (0..<batch).map { item in
        var hold = BillingHoldRequest()
        hold.amount = 3
        hold.reference = "job-\(n)-\(item)"
        hold.operation = "resize"
        hold.idempotencyKey = "\(account)-h-\(n)-\(item)"
        return hold
    }
    let placed = try await client.unary(BillingMethods.placeHolds, holds, options: options(account)).outcomes
    var settle = BillingSettleHoldsRequest()
    settle.items = placed.filter { !$0.hasRefusal }.map { outcome in
        var capture = BillingCaptureRequest()
        capture.holdID = outcome.hold.holdID
        capture.amount = 2
        capture.idempotencyKey = "\(account)-c-\(outcome.hold.holdID)"
        var item = BillingSettlement()
        item.capture = capture
        return item
    }
    let settled = try await client.unary(BillingMethods.settleHolds, settle, options: options(account)).outcomes
    let pairs = settled.filter { !$0.hasRefusal }.count
    return (pairs, batch - pairs)
}

func run(for duration: Duration) async -> (pairs: Int, errors: Int) {
    let end = ContinuousClock.now + duration
    return await withTaskGroup(of: (Int, Int).self) { group in
        for account in accounts {
            group.addTask {
                var pairs = 0
                var errors = 0
                while ContinuousClock.now < end {
                    do {
                        if batch == 1 {
                            try await pair(account, Int.random(in: 0..<Int.max))
                            pairs += 1
                        } else {
                            let done = try await batchOfPairs(account, Int.random(in: 0..<Int.max))
                            pairs += done.pairs
                            errors += done.errors
                        }
                    } catch { errors += batch }
                }
                return (pairs, errors)
            }
        }
        return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
    }
}

_ = await run(for: .seconds(3))
let start = ContinuousClock.now
let (pairs, errors) = await run(for: .seconds(seconds))
let elapsed = ContinuousClock.now - start
let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(
    "pairs=\(pairs) seconds=\(String(format: "%.2f", elapsedSeconds)) pairs_per_second=\(String(format: "%.1f", Double(pairs) / elapsedSeconds)) errors=\(errors)"
)
await client.close()
