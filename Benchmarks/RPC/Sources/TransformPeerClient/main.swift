import Foundation
import ImageSwissProtos
import RPC
import ServiceRuntime

/// TransformPeerClient IMAGEOPS_PORT STORAGE_PORT OWNER_ID INPUT WIDTH...
/// The peer of a transformation link's first request (Benchmarks/Transform/run.sh): for each width,
/// the same work done directly — ImageOps/Process (resize fit WIDTH×2048, WebP quality 80, the steps
/// Jobs derives from `rs:fit:WIDTH:0/q:80/f:webp`) and then Storage/PutBlob of the result as the
/// owner — one at a time. Prints one line per width: `WIDTH PROCESS_MS PUT_MS`.
let arguments = CommandLine.arguments
guard arguments.count >= 6, let imageOpsPort = Int(arguments[1]), let storagePort = Int(arguments[2]) else {
    FileHandle.standardError.write(
        Data("usage: TransformPeerClient IMAGEOPS_PORT STORAGE_PORT OWNER_ID INPUT WIDTH...\n".utf8))
    exit(2)
}
let owner = arguments[3]
let input = try Data(contentsOf: URL(fileURLWithPath: arguments[4]))
let widths = arguments.dropFirst(5).compactMap { Int($0) }

var configuration = RPCClientConfiguration()
configuration.maxFrameSize = 64 << 20
configuration.identity = try ServiceConfiguration(serviceName: "jobs").rpcIdentity()
let imageOps = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: imageOpsPort)], configuration: configuration)
let storage = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: storagePort)], configuration: configuration)
let asOwner = RPCCallOptions(
    timeout: .seconds(60),
    metadata: [RPCMetadata.callerID: owner, RPCMetadata.callerRole: "service", RPCMetadata.callerScopes: "*"])

func step(_ operation: String, _ parameters: [String: String]) -> ImageOpsStep {
    var step = ImageOpsStep()
    step.operation = operation
    step.parameters = parameters
    return step
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

for (index, width) in widths.enumerated() {
    var process = ImageOpsProcessRequest()
    process.image = input
    process.steps = [
        step("resize", ["width": "\(width)", "height": "2048", "mode": "fit"]),
        step("convert", ["format": "webp", "quality": "80"]),
    ]
    let clock = ContinuousClock()
    let started = clock.now
    let output = try await imageOps.unary(ImageOpsMethods.process, process, options: asOwner)
    let processed = clock.now
    var put = StoragePutBlobRequest()
    put.purpose = "result"
    put.displayName = "peer-\(index).webp"
    put.data = output.image
    put.idempotencyKey = "transform-peer-\(UUID().uuidString)"
    _ = try await storage.unary(StorageMethods.putBlob, put, options: asOwner)
    let stored = clock.now
    print("\(width) \(milliseconds(processed - started)) \(milliseconds(stored - processed))")
}
await imageOps.close()
await storage.close()
