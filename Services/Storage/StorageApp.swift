import Curl
import Foundation
import Logging
import RPC
import S3
import ServiceLifecycle
import ServiceRuntime

/// Storage: blobs, resumable uploads, quotas, signed downloads, expiry and zips.
/// Wired once at start and shared by the handlers and the sweeper.
public struct StorageApp: ServiceApp {
    public static let entry = ServiceCatalog.storage
    public static var schema: URL? { Bundle.module.url(forResource: "SQL", withExtension: nil) }

    let store: BlobStore
    let signer: DownloadSigner
    let logger: Logger

    public init(_ context: ServiceContext) async throws {
        // A write past RLIMIT_FSIZE must fail with EFBIG (reported as a full store), not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        guard let database = context.database else { throw ConfigurationError("storage needs its database") }
        let configuration = try StorageConfiguration(context.configuration)
        let io = FileIO(threads: configuration.ioThreads)
        let backend: any BlobBackend
        switch configuration.backend {
        case .fileSystem:
            backend = try FileSystemBackend(root: configuration.dataDirectory, io: io)
        case .s3(let s3):
            let client = S3Client(
                configuration: s3, curl: CurlClient(threads: configuration.ioThreads, maxResponseBytes: 8 << 20))
            if try context.configuration.bool("S3_CREATE_BUCKET", default: false) { try await client.createBucket() }
            backend = S3Backend(client: client)
        }
        self.store = BlobStore(
            database: database, backend: backend,
            staging: try StagingArea(
                directory: configuration.dataDirectory + "/staging", io: io,
                shared: configuration.stagingInDatabase ? SharedChunks(database: database) : nil),
            configuration: configuration, logger: context.logger
        )
        self.signer = try await DownloadSigner.load(configuration.signingKey, database: database)
        self.logger = context.logger
        context.logger.info(
            "blob store ready", metadata: ["backend": "\(backend.name)", "data_dir": "\(configuration.dataDirectory)"])
    }

    public func register(in router: inout RPCRouter) {
        StorageHandlers(store: self.store, signer: self.signer).register(in: &router)
    }

    public var background: [any Service] {
        var services: [any Service] = [
            Sweeper(store: self.store, interval: self.store.configuration.sweepInterval, logger: self.logger)
        ]
        if case .fileSystem = self.store.configuration.backend {
            services.append(DiskMetrics(directory: self.store.configuration.dataDirectory))
        }
        return services
    }
}
