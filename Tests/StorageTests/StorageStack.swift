import Curl
import Foundation
import Postgres
import S3
import TestSupport
import Testing

/// Auth, Billing, Storage and the edge as real processes, Storage on the chosen backend: the local file
/// system (a scratch folder) or S3 (moto's server on loopback). Same tests, either backend.
struct StorageStack {
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case local, s3
        var testDescription: String { self.rawValue }
    }

    let stack: ServiceStack
    static let adminEmail = "admin@imageswiss.test"
    let backend: Backend
    let dataDirectory: String
    let moto: MotoServer?

    var http: HTTPTestClient { self.stack.http }
    var database: PostgresPool { self.stack.database(for: "storage") }

    static func start(_ backend: Backend, _ extra: [String: String] = [:], wrapper: [String: [String]] = [:])
        async throws -> StorageStack
    {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent(
            "storage-\(UUID().uuidString.prefix(8))"
        ).path
        var environment = ["STORAGE_DATA_DIR": data, "EDGE_PUBLIC_URL": "", "AUTH_FIRST_ADMIN_EMAIL": Self.adminEmail]
        var moto: MotoServer?
        if backend == .s3 {
            let server = try await MotoServer.start()
            moto = server
            environment.merge([
                "STORAGE_BACKEND": "s3", "STORAGE_S3_ENDPOINT": server.endpoint, "STORAGE_S3_BUCKET": "imageswiss-test",
                "STORAGE_S3_ACCESS_KEY_ID": MotoServer.accessKeyID,
                "STORAGE_S3_SECRET_ACCESS_KEY": MotoServer.secretAccessKey,
                "STORAGE_S3_CREATE_BUCKET": "true",
            ]) { _, new in new }
        }
        environment.merge(extra) { _, new in new }
        // Billing too: the edge asks it for the caller's tier, which sets the quota.
        let stack = try await ServiceStack.start(
            ["auth", "billing", "storage"], environment: environment, wrapper: wrapper)
        return StorageStack(stack: stack, backend: backend, dataDirectory: data, moto: moto)
    }

    static let curl = CurlClient()

    func stop() async {
        await self.stack.stop()
        self.moto?.stop()
    }

    /// Whether the backend holds the object of this content.
    func objectExists(sha256: String) async throws -> Bool {
        let key = "objects/\(sha256.prefix(2))/\(sha256)"
        switch self.backend {
        case .local:
            return FileManager.default.fileExists(atPath: "\(self.dataDirectory)/\(key)")
        case .s3:
            return try await S3Client(
                configuration: self.moto!.configuration(bucket: "imageswiss-test"), curl: Self.curl
            ).objectExists(key)
        }
    }

    /// Files in the staging folder (uploads in progress or left behind).
    func stagedFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: self.dataDirectory + "/staging")) ?? []
    }

    func count(_ sql: String) async throws -> Int {
        try await self.database.query(sql).first!.decode(at: 0, as: Int.self)
    }

    /// A raw upload through the edge.
    func upload(_ bytes: [UInt8], name: String, token: String, purpose: String = "upload") async throws -> HTTPReply {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return try await self.http.call(
            "POST", "/api/v1/files?purpose=\(purpose)", raw: Data(bytes), bearer: token,
            headers: ["Content-Type": "application/octet-stream", "X-File-Name": encoded])
    }
}
