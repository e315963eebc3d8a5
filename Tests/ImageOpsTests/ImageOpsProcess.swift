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
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("imageops-\(UUID().uuidString.prefix(8)).log").path
        let child = try ChildProcess.spawn(try buildProductsDirectory() + "/imageswiss-imageops", [], environment: env, outputPath: log)
        var configuration = RPCClientConfiguration()
        configuration.maxFrameSize = 64 << 20
        let client = RPCClient(endpoints: [.init(host: "127.0.0.1", port: port)], configuration: configuration)
        // Ready when it answers; the first calls wait for the port within their deadline.
        var probe = HealthCheckRequest()
        probe.service = ""
        _ = try await client.unary(HealthMethods.check, probe, options: .init(timeout: .seconds(20)))
        return ImageOpsProcess(child: child, client: client)
    }

    func process(_ image: [UInt8], _ steps: [(String, [String: String])], maxOutputEdge: UInt32 = 0) async throws -> ImageOpsProcessResponse {
        var request = ImageOpsProcessRequest()
        request.image = Data(image)
        request.steps = steps.map { operation, parameters in
            var step = ImageOpsStep()
            step.operation = operation
            step.parameters = parameters
            return step
        }
        request.maxOutputEdge = maxOutputEdge
        return try await self.client.unary(ImageOpsMethods.process, request, options: .init(timeout: .seconds(30)))
    }

    func stop() async throws {
        await self.client.close()
        self.child.signal(SIGTERM)
        try await self.child.wait()
    }
}

enum Samples {
    static func noise(width: Int, height: Int) throws -> VipsImage {
        let gray = try VipsOperationCall.run("gaussnoise", [("width", .int(width)), ("height", .int(height)), ("mean", .double(128)), ("sigma", .double(40))]) { try $0.image() }
        let smooth = try gray.blurred(sigma: 2)  // photo-like: correlated neighbours
        let bytes = try VipsOperationCall.run("cast", [("in", .image(smooth)), ("format", .text("uchar"))]) { try $0.image() }
        return try VipsOperationCall.run("colourspace", [("in", .image(bytes)), ("space", .text("srgb"))]) { try $0.image() }
    }

    static func jpeg(width: Int, height: Int) throws -> [UInt8] {
        try noise(width: width, height: height).encoded(as: .jpeg, options: SaveOptions(quality: 90))
    }

    /// PSNR in dB of two images of the same size (infinity when identical).
    static func psnr(_ a: VipsImage, _ b: VipsImage) throws -> Double {
        let difference = try VipsOperationCall.run("subtract", [("left", .image(a)), ("right", .image(b))]) { try $0.image() }
        let squared = try VipsOperationCall.run("multiply", [("left", .image(difference)), ("right", .image(difference))]) { try $0.image() }
        let mse = try VipsOperationCall.run("avg", [("in", .image(squared))]) { $0.double("out") }
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }
}
