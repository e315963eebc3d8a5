import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Vips

/// A real imageswiss-imageops process on a free port, and a client for it.
struct ImageOpsProcess {
    let child: ChildProcess
    let client: RPCClient

    static func start(_ environment: [String: String] = [:]) async throws -> ImageOpsProcess {
        let port = try freePort()
        var env = ProcessInfo.processInfo.environment
        env["IMAGEOPS_RPC_PORT"] = "\(port)"
        env["IMAGEOPS_METRICS_PORT"] = "0"
        env.merge(environment) { _, new in new }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "imageops-\(UUID().uuidString.prefix(8)).log"
        ).path
        let child = try ChildProcess.spawn(
            try buildProductsDirectory() + "/imageswiss-imageops", [], environment: env, outputPath: log)
        var configuration = RPCClientConfiguration()
        configuration.maxFrameSize = 64 << 20
        let client = RPCClient(endpoints: [.init(host: "127.0.0.1", port: port)], configuration: configuration)
        // Ready when it answers; the first calls wait for the port within their deadline.
        var probe = HealthCheckRequest()
        probe.service = ""
        _ = try await client.unary(HealthMethods.check, probe, options: .init(timeout: .seconds(20)))
        return ImageOpsProcess(child: child, client: client)
    }

    func process(
        _ image: [UInt8], _ steps: [(String, [String: String])], maxOutputEdge: UInt32 = 0, overlay: [UInt8] = []
    ) async throws -> ImageOpsProcessResponse {
        var request = ImageOpsProcessRequest()
        request.image = Data(image)
        request.steps = steps.map { operation, parameters in
            var step = ImageOpsStep()
            step.operation = operation
            step.parameters = parameters
            return step
        }
        request.maxOutputEdge = maxOutputEdge
        request.overlay = Data(overlay)
        return try await self.client.unary(ImageOpsMethods.process, request, options: .init(timeout: .seconds(30)))
    }

    func stop() async throws {
        await self.client.close()
        self.child.signal(SIGTERM)
        try await self.child.wait()
    }
}
