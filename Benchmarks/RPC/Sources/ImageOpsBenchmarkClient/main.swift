import Foundation
import ImageSwissProtos
import NIOConcurrencyHelpers
import RPC
import ServiceRuntime

/// ImageOpsBenchmarkClient PORT CORPUS_DIR OUT_DIR [CONCURRENCY] [IMAGES]
/// Sends every JPEG of the corpus through ImageOps/Process (resize to fit 512x512, JPEG quality 80),
/// CONCURRENCY calls at a time (default 2), writes the outputs, and prints `images=N seconds=S`.
/// With IMAGES (the memory run) it sends that many, cycling over the corpus and alternating the
/// benchmark's request with a heavier one (fit 1024, sharpen, WebP) so allocation sizes vary, and
/// writes nothing.
let arguments = CommandLine.arguments
guard arguments.count >= 4, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: ImageOpsBenchmarkClient PORT CORPUS_DIR OUT_DIR [CONCURRENCY]\n".utf8))
    exit(2)
}
let corpus = arguments[2]
let output = arguments[3]
let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 2 : 2
let total = arguments.count > 5 ? Int(arguments[5]) : nil
let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".jpg") }.sorted()
let inputs = try files.map { try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/\($0)")) }
try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

var configuration = RPCClientConfiguration()
configuration.maxFrameSize = 64 << 20
// Signs like the edge when the stack requires proof of the caller (RPC_IDENTITY_KEY in stack.env).
configuration.identity = try ServiceConfiguration(serviceName: "edge").rpcIdentity()
// One client (its own connection) per concurrent caller, as separate users would be.
let clients = (0..<concurrency).map { _ in
    RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)], configuration: configuration)
}

func step(_ operation: String, _ parameters: [String: String]) -> ImageOpsStep {
    var step = ImageOpsStep()
    step.operation = operation
    step.parameters = parameters
    return step
}

func request(_ image: Data, heavy: Bool = false) -> ImageOpsProcessRequest {
    var request = ImageOpsProcessRequest()
    request.image = image
    request.steps =
        heavy
        ? [
            step("resize", ["width": "1024", "height": "1024", "mode": "down"]), step("sharpen", [:]),
            step("convert", ["format": "webp", "quality": "75"]),
        ]
        : [
            step("resize", ["width": "512", "height": "512", "mode": "down"]),
            step("convert", ["format": "jpeg", "quality": "80"]),
        ]
    return request
}

// Warm up the connections and the service.
for client in clients {
    for input in inputs.prefix(2) {
        _ = try await client.unary(ImageOpsMethods.process, request(input), options: .init(timeout: .seconds(60)))
    }
}

let next = NIOLockedValueBox(0)
let writes = NIOLockedValueBox<[Task<Void, any Error>]>([])
let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for client in clients {
        group.addTask {
            while true {
                let index = next.withLockedValue { value -> Int in
                    defer { value += 1 }
                    return value
                }
                if let total {
                    guard index < total else { return }
                    let call = request(inputs[index % inputs.count], heavy: index % 2 == 1)
                    _ = try await client.unary(ImageOpsMethods.process, call, options: .init(timeout: .seconds(60)))
                    continue
                }
                guard index < inputs.count else { return }
                let response = try await client.unary(
                    ImageOpsMethods.process, request(inputs[index]), options: .init(timeout: .seconds(60)))
                // Written on the side, inside the timed run: the next upload does not wait for the disk.
                writes.withLockedValue {
                    $0.append(
                        Task.detached {
                            try response.image.write(to: URL(fileURLWithPath: "\(output)/\(files[index])"))
                        })
                }
            }
        }
    }
    try await group.waitForAll()
}
for write in writes.withLockedValue({ $0 }) { try await write.value }
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("images=\(total ?? inputs.count) seconds=\(seconds)")
for client in clients { await client.close() }
