import Foundation
import S3
import ServiceRuntime

/// Storage's settings (STORAGE_* environment variables; docs/configuration.md lists them all).
struct StorageConfiguration: Sendable {
    enum Backend: Sendable {
        case fileSystem
        case s3(S3Configuration)
    }

    var backend: Backend
    /// Staging files of uploads in progress, and the local backend's objects.
    var dataDirectory: String
    /// STORAGE_STAGING: `local` (chunks in a file on this replica) or `database` (any replica).
    var stagingInDatabase: Bool
    var maxUploadBytes: Int64
    var maxChunkBytes: Int
    /// Bytes per tier; a tier not listed gets the free tier's quota.
    var quotas: [String: Int64]
    /// How long blobs of each purpose live; nil keeps them until deleted.
    var lifetimes: [String: Duration]
    /// How long an upload that was begun but not committed is kept.
    var uploadSessionLifetime: Duration
    var signedLinkDefaultTTL: Duration
    var signedLinkMaxTTL: Duration
    /// STORAGE_URL_SIGNING_KEY; nil: a random key kept in Storage's database.
    var signingKey: [UInt8]?
    var readChunkBytes: Int
    var zipMaxEntries: Int
    /// Ids one GetBlobs call may name.
    var maxBlobsPerCall: Int
    var zipMaxBytes: Int64
    var sweepInterval: Duration
    var ioThreads: Int
    /// URL transformations: derivatives one file may have, signing keys and presets per owner.
    var maxDerivativesPerFile: Int
    var maxTransformKeys: Int
    var maxTransformPresets: Int

    static let purposes = ["upload", "result", "thumbnail", "avatar", "training"]

    init(_ configuration: ServiceConfiguration) throws {
        switch configuration.string("BACKEND", default: "local") {
        case "local":
            self.backend = .fileSystem
        case "s3":
            guard let bucket = configuration.string("S3_BUCKET"),
                let accessKey = configuration.string("S3_ACCESS_KEY_ID"),
                let secret = configuration.string("S3_SECRET_ACCESS_KEY")
            else {
                throw ConfigurationError(
                    "STORAGE_BACKEND=s3 needs STORAGE_S3_BUCKET, STORAGE_S3_ACCESS_KEY_ID and STORAGE_S3_SECRET_ACCESS_KEY"
                )
            }
            let region = configuration.string("S3_REGION", default: "us-east-1")
            self.backend = .s3(
                S3Configuration(
                    endpoint: configuration.string("S3_ENDPOINT", default: "https://s3.\(region).amazonaws.com"),
                    bucket: bucket, region: region,
                    credentials: .init(
                        accessKeyID: accessKey, secretAccessKey: secret,
                        sessionToken: configuration.string("S3_SESSION_TOKEN")),
                    pathStyle: try configuration.bool("S3_PATH_STYLE", default: true),
                    timeout: try configuration.milliseconds("S3_TIMEOUT_MS", default: .seconds(60))
                ))
        case let other:
            throw ConfigurationError("STORAGE_BACKEND must be local or s3, not '\(other)'")
        }
        self.dataDirectory = configuration.string("DATA_DIR", default: "storage-data")
        switch configuration.string("STAGING", default: "local") {
        case "local": self.stagingInDatabase = false
        case "database": self.stagingInDatabase = true
        case let other: throw ConfigurationError("STORAGE_STAGING must be local or database, not '\(other)'")
        }
        self.maxUploadBytes = Int64(try configuration.int("MAX_UPLOAD_BYTES", default: 50 << 20))
        self.maxChunkBytes = try configuration.int("MAX_CHUNK_BYTES", default: 1 << 20)
        self.quotas = try Self.quotas(
            configuration.string("QUOTAS", default: Self.defaultQuotas))
        var lifetimes: [String: Duration] = [:]
        for purpose in Self.purposes {
            let seconds = try configuration.int(
                "TTL_\(purpose.uppercased())_S", default: purpose == "upload" ? 7 * 86_400 : 0)
            if seconds > 0 { lifetimes[purpose] = .seconds(seconds) }
        }
        self.lifetimes = lifetimes
        self.uploadSessionLifetime = .seconds(try configuration.int("UPLOAD_SESSION_TTL_S", default: 86_400))
        self.signedLinkDefaultTTL = .seconds(try configuration.int("SIGNED_URL_TTL_S", default: 3_600))
        self.signedLinkMaxTTL = .seconds(try configuration.int("SIGNED_URL_MAX_TTL_S", default: 7 * 86_400))
        if let key = configuration.string("URL_SIGNING_KEY") {
            guard key.utf8.count >= 32 else {
                throw ConfigurationError("STORAGE_URL_SIGNING_KEY must be at least 32 bytes")
            }
            self.signingKey = Array(key.utf8)
        }
        self.readChunkBytes = try configuration.int("READ_CHUNK_BYTES", default: 256 << 10)
        self.zipMaxEntries = try configuration.int("ZIP_MAX_ENTRIES", default: 1_000)
        self.maxBlobsPerCall = try configuration.int("MAX_BLOBS_PER_CALL", default: 1_000)
        self.zipMaxBytes = Int64(try configuration.int("ZIP_MAX_BYTES", default: 4_000_000_000))
        self.sweepInterval = try configuration.milliseconds("SWEEP_INTERVAL_MS", default: .seconds(60))
        self.ioThreads = try configuration.int("IO_THREADS", default: 4)
        self.maxDerivativesPerFile = try configuration.int("MAX_DERIVATIVES_PER_FILE", default: 50)
        self.maxTransformKeys = try configuration.int("MAX_TRANSFORM_KEYS", default: 3)
        self.maxTransformPresets = try configuration.int("MAX_TRANSFORM_PRESETS", default: 50)
        // A chunk travels in one RPC frame (4 MiB by default) with its envelope.
        guard self.maxChunkBytes > 0, self.maxChunkBytes <= 3 << 20 else {
            throw ConfigurationError("STORAGE_MAX_CHUNK_BYTES must be 1 byte to 3 MiB")
        }
        guard self.readChunkBytes > 0, self.readChunkBytes <= 4 << 20 else {
            throw ConfigurationError("STORAGE_READ_CHUNK_BYTES must be 1 to 4 MiB")
        }
        guard self.zipMaxEntries > 0, self.zipMaxEntries <= 65_535 else {
            throw ConfigurationError("STORAGE_ZIP_MAX_ENTRIES must be 1 to 65535")
        }
        guard self.maxBlobsPerCall > 0, self.maxBlobsPerCall <= 100_000 else {
            throw ConfigurationError("STORAGE_MAX_BLOBS_PER_CALL must be 1 to 100000")
        }
        // Archives stay below ZIP's 32-bit limits (no ZIP64).
        guard self.zipMaxBytes <= 4_000_000_000 else {
            throw ConfigurationError("STORAGE_ZIP_MAX_BYTES must be at most 4000000000")
        }
    }

    /// 1 GiB free; the catalogue's tiers 10, 50 and 100 GiB; Plus and Pro (no longer sold) as they were.
    static let defaultQuotas =
        "free=1073741824,remember=10737418240,cherish=53687091200,forever=107374182400,plus=10737418240,pro=107374182400"

    func quota(for tier: String) -> Int64 { self.quotas[tier] ?? self.quotas["free"] ?? 0 }

    /// "free=1073741824,plus=10737418240".
    static func quotas(_ text: String) throws -> [String: Int64] {
        var quotas: [String: Int64] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let bytes = Int64(parts[1].trimmingCharacters(in: .whitespaces)), bytes >= 0 else {
                throw ConfigurationError(
                    "STORAGE_QUOTAS must look like free=1073741824,plus=10737418240, not '\(text)'")
            }
            quotas[parts[0].trimmingCharacters(in: .whitespaces)] = bytes
        }
        return quotas
    }
}
