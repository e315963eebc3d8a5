import Curl
import Foundation
import Logging
import S3
import ServiceRuntime

// Storage: blobs, resumable uploads, quotas, signed downloads, expiry and zips.

// A write past RLIMIT_FSIZE must fail with EFBIG (reported as a full store), not kill the process.
signal(SIGXFSZ, SIG_IGN)

/// Wired once at start and shared by the handlers and the sweeper.
actor StorageWiring {
    static let shared = StorageWiring()
    private var store: BlobStore?

    func store(_ context: ServiceContext) async throws -> BlobStore {
        if let store { return store }
        guard let database = context.database else { throw ConfigurationError("storage needs its database") }
        let configuration = try StorageConfiguration(context.configuration)
        let io = FileIO(threads: configuration.ioThreads)
        let backend: any BlobBackend
        switch configuration.backend {
        case .fileSystem:
            backend = try FileSystemBackend(root: configuration.dataDirectory, io: io)
        case .s3(let s3):
            let client = S3Client(configuration: s3, curl: CurlClient(threads: configuration.ioThreads, maxResponseBytes: 8 << 20))
            if try context.configuration.bool("S3_CREATE_BUCKET", default: false) { try await client.createBucket() }
            backend = S3Backend(client: client)
        }
        let store = BlobStore(
            database: database, backend: backend, staging: try StagingArea(directory: configuration.dataDirectory + "/staging", io: io),
            configuration: configuration, logger: context.logger
        )
        context.logger.info("blob store ready", metadata: ["backend": "\(backend.name)", "data_dir": "\(configuration.dataDirectory)"])
        self.store = store
        return store
    }
}

await ServiceMain.run(ServiceCatalog.storage, schema: Bundle.module.url(forResource: "SQL", withExtension: nil), extraServices: { context in
    let store = try await StorageWiring.shared.store(context)
    return [Sweeper(store: store, interval: store.configuration.sweepInterval, logger: context.logger)]
}, registerHandlers: { router, context in
    let store = try await StorageWiring.shared.store(context)
    let signer = try await DownloadSigner.load(store.configuration.signingKey, database: store.database)
    StorageHandlers(store: store, signer: signer).register(in: &router)
})
