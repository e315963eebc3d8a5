import Crypto
import Foundation
import S3

/// moto's S3-compatible server (PyPI `moto[server]`, installed by compose/test) on a free port of
/// 127.0.0.1, for the S3 backend's tests. Stopped by `stop()` or when the test process exits.
public struct MotoServer: Sendable {
    public let process: ChildProcess
    public let endpoint: String
    /// moto accepts any credentials (it does not check S3 signatures unless IAM emulation is on).
    public static let accessKeyID = "testing"
    public static let secretAccessKey = "testing"

    public static func start() async throws -> MotoServer {
        let port = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(port).log").path
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = Self.accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = Self.secretAccessKey
        environment["MOTO_ALLOW_NONEXISTENT_REGION"] = "true"
        let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let process = try ChildProcess.spawn(
            "/usr/bin/env", [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"],
            environment: environment, outputPath: log)
        let server = MotoServer(process: process, endpoint: "http://127.0.0.1:\(port)")
        let end = ContinuousClock.now + .seconds(30)
        while !(try await server.answers()) {
            guard process.isRunning, ContinuousClock.now < end else {
                throw TestSupportError("moto did not start: \(process.output)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return server
    }

    private func answers() async throws -> Bool {
        (try? await HTTPTestClient.get(self.endpoint + "/moto-api/")) != nil
    }

    public func configuration(bucket: String) -> S3Configuration {
        S3Configuration(
            endpoint: self.endpoint, bucket: bucket, region: "us-east-1",
            credentials: .init(accessKeyID: Self.accessKeyID, secretAccessKey: Self.secretAccessKey))
    }

    public func stop() {
        self.process.signal(SIGTERM)
    }
}

/// Lowercase hex SHA-256 of `bytes`.
public func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
    SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
}
