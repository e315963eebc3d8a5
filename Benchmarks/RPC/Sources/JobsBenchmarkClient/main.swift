import Foundation
import ImageSwissProtos
import NIOConcurrencyHelpers
import RPC
import ServiceRuntime

/// JobsBenchmarkClient noop JOBS_PORT BILLING_PORT SECONDS
///   8 accounts submit no-op jobs back to back for SECONDS; prints how many were submitted and how
///   long until every one had succeeded: `jobs=N seconds=S jobs_per_second=R`.
/// JobsBenchmarkClient noop-batch JOBS_PORT BILLING_PORT STORAGE_PORT SECONDS
///   The same with batches: each account uploads 50 one-pixel PNGs once, then submits no-op batches
///   over them (50 jobs a call) back to back.
/// JobsBenchmarkClient resize JOBS_PORT BILLING_PORT STORAGE_PORT CORPUS_DIR ROUNDS
///   Uploads the corpus' JPEGs to Storage, then ROUNDS times submits them as one batch (resize to fit
///   512x512, JPEG quality 80) and waits until the batch succeeded: `jobs=N seconds=S jobs_per_second=R`.
let arguments = CommandLine.arguments
func usage() -> Never {
    FileHandle.standardError.write(
        Data("usage: JobsBenchmarkClient noop JOBS BILLING SECONDS | resize JOBS BILLING STORAGE CORPUS ROUNDS\n".utf8))
    exit(2)
}
guard arguments.count >= 5, let jobsPort = Int(arguments[2]), let billingPort = Int(arguments[3]) else { usage() }
var configuration = RPCClientConfiguration()
configuration.maxFrameSize = 64 << 20
// Signs like the edge when the stack requires proof of the caller (RPC_IDENTITY_KEY in stack.env).
configuration.identity = try ServiceConfiguration(serviceName: "edge").rpcIdentity()
configuration.peerName = "jobs-benchmark"
let jobs = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: jobsPort)], configuration: configuration)
let billing = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: billingPort)], configuration: configuration)
let run = UUID().uuidString.prefix(8).lowercased()

func caller(_ id: String, role: String = "user") -> RPCCallOptions {
    RPCCallOptions(
        timeout: .seconds(120),
        metadata: [RPCMetadata.callerID: id, RPCMetadata.callerRole: role, RPCMetadata.callerScopes: "*"])
}

func step(_ operation: String, _ parameters: [String: String] = [:]) -> JobsStep {
    var step = JobsStep()
    step.operation = operation
    step.parameters = parameters
    return step
}

/// Waits until nothing is queued or running.
func drained() async throws {
    while true {
        let depth = try await jobs.unary(
            JobsMethods.queueDepth, JobsQueueDepthRequest(), options: caller("bench-admin", role: "admin"))
        if depth.lanes.allSatisfy({ $0.queued == 0 && $0.running == 0 }) { return }
        try await Task.sleep(for: .milliseconds(25))
    }
}

/// Stores `data` as one of `account`'s uploads; answers the blob id.
func upload(_ data: Data, name: String, key: String, account: String, storage: RPCClient) async throws -> String {
    var begin = StorageBeginUploadRequest()
    begin.purpose = "upload"
    begin.displayName = name
    begin.expectedSize = UInt64(data.count)
    begin.idempotencyKey = key
    var upload = try await storage.unary(StorageMethods.beginUpload, begin, options: caller(account))
    var offset = 0
    while offset < data.count {
        var append = StorageAppendChunkRequest()
        append.uploadID = upload.uploadID
        append.offset = UInt64(offset)
        append.data = data.subdata(in: offset..<min(data.count, offset + (1 << 20)))
        upload = try await storage.unary(StorageMethods.appendChunk, append, options: caller(account))
        offset = Int(upload.received)
    }
    var commit = StorageUploadRequest()
    commit.uploadID = upload.uploadID
    return try await storage.unary(StorageMethods.commitUpload, commit, options: caller(account)).blobID
}

let clock = ContinuousClock()
switch arguments[1] {
case "noop":
    guard let seconds = Int(arguments[4]) else { usage() }
    let accounts = (0..<8).map { "bench-noop-\(run)-\($0)" }
    for account in accounts {
        _ = try await billing.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: caller(account))
    }
    let submitted = NIOLockedValueBox(0)
    let start = clock.now
    let end = start + .seconds(seconds)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for account in accounts {
            group.addTask {
                var index = 0
                while clock.now < end {
                    var request = JobsSubmitJobRequest()
                    request.steps = [step("noop")]
                    request.idempotencyKey = "\(account)-\(index)"
                    _ = try await jobs.unary(JobsMethods.submitJob, request, options: caller(account))
                    index += 1
                }
                submitted.withLockedValue { $0 += index }
            }
        }
        try await group.waitForAll()
    }
    let submitSeconds = (clock.now - start) / .seconds(1)
    try await drained()
    let elapsed = (clock.now - start) / .seconds(1)
    let count = submitted.withLockedValue { $0 }
    print(
        String(
            format: "jobs=%d seconds=%.2f jobs_per_second=%.1f submitted_per_second=%.1f", count, elapsed,
            Double(count) / elapsed, Double(count) / submitSeconds))
case "noop-batch":
    guard arguments.count >= 6, let storagePort = Int(arguments[4]), let seconds = Int(arguments[5]) else { usage() }
    let storage = RPCClient(
        endpoints: [RPCEndpoint(host: "127.0.0.1", port: storagePort)], configuration: configuration)
    let pixel = Data(
        base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!
    let accounts = (0..<8).map { "bench-batch-\(run)-\($0)" }
    var inputs: [String: [String]] = [:]
    for account in accounts {
        _ = try await billing.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: caller(account))
        for index in 0..<50 {
            inputs[account, default: []].append(
                try await upload(
                    pixel, name: "pixel.png", key: "\(account)-\(index)", account: account, storage: storage))
        }
    }
    let submitted = NIOLockedValueBox(0)
    let lastBatches = NIOLockedValueBox<[(account: String, batch: String)]>([])
    let start = clock.now
    let end = start + .seconds(seconds)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for account in accounts {
            let mine = inputs[account]!
            group.addTask {
                var index = 0
                var last = ""
                while clock.now < end {
                    var request = JobsSubmitBatchRequest()
                    request.inputBlobIds = mine
                    request.steps = [step("noop")]
                    request.idempotencyKey = "\(account)-\(index)"
                    last = try await jobs.unary(JobsMethods.submitBatch, request, options: caller(account)).batchID
                    index += 1
                }
                submitted.withLockedValue { $0 += index * mine.count }
                lastBatches.withLockedValue { $0.append((account, last)) }
            }
        }
        try await group.waitForAll()
    }
    let submitSeconds = (clock.now - start) / .seconds(1)
    // An account's batches run in its submission order, so its last batch finishes among its last
    // jobs: wait for those (one cheap look-up each), then for the queue to be empty.
    for (account, batch) in lastBatches.withLockedValue({ $0 }) {
        var request = JobsGetBatchRequest()
        request.batchID = batch
        while ["queued", "running"].contains(
            try await jobs.unary(JobsMethods.getBatch, request, options: caller(account)).status)
        {
            try await Task.sleep(for: .milliseconds(25))
        }
    }
    try await drained()
    let elapsed = (clock.now - start) / .seconds(1)
    let count = submitted.withLockedValue { $0 }
    print(
        String(
            format: "jobs=%d seconds=%.2f jobs_per_second=%.1f submitted_per_second=%.1f", count, elapsed,
            Double(count) / elapsed, Double(count) / submitSeconds))
    await storage.close()
case "resize":
    guard arguments.count >= 7, let storagePort = Int(arguments[4]), let rounds = Int(arguments[6]) else { usage() }
    let storage = RPCClient(
        endpoints: [RPCEndpoint(host: "127.0.0.1", port: storagePort)], configuration: configuration)
    let account = "bench-resize-\(run)"
    _ = try await billing.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: caller(account))
    var grant = BillingGrantRequest()
    grant.accountID = account
    grant.amount = 1_000_000
    grant.source = "promotional"
    grant.idempotencyKey = "grant-\(account)"
    _ = try await billing.unary(BillingMethods.grant, grant, options: caller("bench-admin", role: "admin"))
    let corpus = arguments[5]
    var inputs: [String] = []
    for file in try FileManager.default.contentsOfDirectory(atPath: corpus).filter({ $0.hasSuffix(".jpg") }).sorted() {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/\(file)"))
        inputs.append(try await upload(data, name: file, key: "\(account)-\(file)", account: account, storage: storage))
    }
    var total = 0
    var elapsed = 0.0
    for round in 0..<rounds {
        var request = JobsSubmitBatchRequest()
        request.inputBlobIds = inputs
        request.steps = [
            step("resize", ["width": "512", "height": "512", "mode": "down"]),
            step("convert", ["format": "jpeg", "quality": "80"]),
        ]
        request.lane = "fast"
        request.idempotencyKey = "\(account)-round-\(round)"
        let start = clock.now
        let batch = try await jobs.unary(JobsMethods.submitBatch, request, options: caller(account))
        var get = JobsGetBatchRequest()
        get.batchID = batch.batchID
        while true {
            let now = try await jobs.unary(JobsMethods.getBatch, get, options: caller(account))
            if now.status == "succeeded" { break }
            guard now.status == "running" || now.status == "queued" else {
                fatalError("batch ended \(now.status): \(now.jobsByStatus)")
            }
            // Not faster: the poll's own queries would take CPU from the work it measures.
            try await Task.sleep(for: .milliseconds(25))
        }
        elapsed += (clock.now - start) / .seconds(1)
        total += inputs.count
    }
    print(String(format: "jobs=%d seconds=%.2f jobs_per_second=%.2f", total, elapsed, Double(total) / elapsed))
    await storage.close()
default:
    usage()
}
await jobs.close()
await billing.close()
