import ImageSwissProtos

/// The six services, their protobuf names and default ports: the one table the runner, the edge,
/// the tests and docs/configuration.md agree on.
public struct ServiceEntry: Sendable, Hashable {
    /// Short name: the executable is `imageswiss-<name>`, the variables are prefixed `<NAME>_`.
    public let name: String
    public let protoName: String
    public let defaultRPCPort: Int
    public let defaultMetricsPort: Int
    public let ownsDatabase: Bool
    /// Default RPC_MAX_FRAME_SIZE: ImageOps carries whole images in one message.
    public var defaultMaxFrameSize = 4 * 1024 * 1024
    /// Default MALLOC_ARENA_MAX (0: glibc's own); see MallocTuning.
    public var defaultMallocArenas = 0
}

public enum ServiceCatalog {
    public static let edge = ServiceEntry(
        name: "edge", protoName: ServiceNames.edge, defaultRPCPort: 7100, defaultMetricsPort: 9100, ownsDatabase: false)
    public static let auth = ServiceEntry(
        name: "auth", protoName: ServiceNames.auth, defaultRPCPort: 7101, defaultMetricsPort: 9101, ownsDatabase: true)
    public static let billing = ServiceEntry(
        name: "billing", protoName: ServiceNames.billing, defaultRPCPort: 7102, defaultMetricsPort: 9102,
        ownsDatabase: true)
    public static let jobs = ServiceEntry(
        name: "jobs", protoName: ServiceNames.jobs, defaultRPCPort: 7103, defaultMetricsPort: 9103, ownsDatabase: true)
    public static let imageOps = ServiceEntry(
        name: "imageops", protoName: ServiceNames.imageOps, defaultRPCPort: 7104, defaultMetricsPort: 9104,
        ownsDatabase: false,
        defaultMaxFrameSize: 64 * 1024 * 1024, defaultMallocArenas: 2
    )
    public static let storage = ServiceEntry(
        name: "storage", protoName: ServiceNames.storage, defaultRPCPort: 7105, defaultMetricsPort: 9105,
        ownsDatabase: true)

    public static let all = [edge, auth, billing, jobs, imageOps, storage]
    /// The services the edge calls.
    public static let internalServices = [auth, billing, jobs, imageOps, storage]
}
