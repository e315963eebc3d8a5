import Foundation
import ImageSwissProtos
import RPC

/// BillingBenchmarkClient PORT [CLIENTS] [SECONDS]
/// CLIENTS concurrent clients (default 8), each its own account with enough credits, each running
/// PlaceHold(3) then Capture(2) back to back for SECONDS (default 15, after 3 s of warm-up), as Jobs
/// does per job. Prints `pairs=N seconds=S pairs_per_second=R errors=E`.
let arguments = CommandLine.arguments
guard arguments.count >= 2, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: BillingBenchmarkClient PORT [CLIENTS] [SECONDS]\n".utf8))
    exit(2)
}
let clients = arguments.count > 2 ? Int(arguments[2]) ?? 8 : 8
let seconds = arguments.count > 3 ? Int(arguments[3]) ?? 15 : 15
let client = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)], configuration: RPCClientConfiguration())

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

func run(for duration: Duration) async -> (pairs: Int, errors: Int) {
    let end = ContinuousClock.now + duration
    return await withTaskGroup(of: (Int, Int).self) { group in
        for account in accounts {
            group.addTask {
                var pairs = 0, errors = 0
                while ContinuousClock.now < end {
                    do { try await pair(account, Int.random(in: 0..<Int.max)); pairs += 1 } catch { errors += 1 }
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
print("pairs=\(pairs) seconds=\(String(format: "%.2f", elapsedSeconds)) pairs_per_second=\(String(format: "%.1f", Double(pairs) / elapsedSeconds)) errors=\(errors)")
await client.close()
