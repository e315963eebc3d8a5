import Foundation
import ImageSwissProtos
import NIOConcurrencyHelpers
import RPC

/// ImageOpsBenchmarkClient PORT CORPUS_DIR OUT_DIR [CONCURRENCY]
/// Sends every JPEG of the corpus through ImageOps/Process (resize to fit 512x512, JPEG quality 80),
/// CONCURRENCY calls at a time (default 2), writes the outputs, and prints `images=N seconds=S`.
let arguments = CommandLine.arguments
guard arguments.count >= 4, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: ImageOpsBenchmarkClient PORT CORPUS_DIR OUT_DIR [CONCURRENCY]\n".utf8))
    exit(2)
}
let corpus = arguments[2], output = arguments[3]
let concurrency = arguments.count > 4 ? Int(arguments[4]) ?? 2 : 2
let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasSuffix(".jpg") }.sorted()
let inputs = try files.map { try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/\($0)")) }
try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

var configuration = RPCClientConfiguration()
configuration.maxFrameSize = 64 << 20
let client = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: port)], configuration: configuration)

func request(_ image: Data) -> ImageOpsProcessRequest {
    var resize = ImageOpsStep()
    resize.operation = "resize"
    resize.parameters = ["width": "512", "height": "512", "mode": "down"]
    var convert = ImageOpsStep()
    convert.operation = "convert"
    convert.parameters = ["format": "jpeg", "quality": "80"]
    var request = ImageOpsProcessRequest()
    request.image = image
    request.steps = [resize, convert]
    return request
}

// Warm up the connection and the service.
for input in inputs.prefix(2) { _ = try await client.unary(ImageOpsMethods.process, request(input), options: .init(timeout: .seconds(60))) }

let next = NIOLockedValueBox(0)
let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<concurrency {
        group.addTask {
            while true {
                let index = next.withLockedValue { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard index < inputs.count else { return }
                let response = try await client.unary(ImageOpsMethods.process, request(inputs[index]), options: .init(timeout: .seconds(60)))
                try response.image.write(to: URL(fileURLWithPath: "\(output)/\(files[index])"))
            }
        }
    }
    try await group.waitForAll()
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("images=\(inputs.count) seconds=\(seconds)")
await client.close()
