import Logging
import Postgres
import RPC

/// What a service gets to wire itself: its configuration, logger, database, health and the clients
/// of the services it calls.
public struct ServiceContext: Sendable {
    public let entry: ServiceEntry
    public let configuration: ServiceConfiguration
    public let logger: Logger
    /// nil for services without a database (Edge, ImageOps).
    public let database: PostgresPool?
    public let health: HealthService
    /// Clients given instead of the configured addresses (in-process services in tests), by name.
    private let givenClients: [String: RPCClient]

    public init(
        entry: ServiceEntry, configuration: ServiceConfiguration, logger: Logger, database: PostgresPool?,
        health: HealthService = HealthService(), clients: [String: RPCClient] = [:]
    ) {
        self.entry = entry
        self.configuration = configuration
        self.logger = logger
        self.database = database
        self.health = health
        self.givenClients = clients
    }

    /// The client of another service: at `<NAME>_RPC_ADDRESSES` ("host:port,host:port"; its default
    /// port on 127.0.0.1 when unset), or the one the context was given. The one place a service's
    /// upstream clients are made.
    public func client(
        for upstream: ServiceEntry, configure: (inout RPCClientConfiguration) -> Void = { _ in }
    ) throws -> RPCClient {
        if let client = self.givenClients[upstream.name] { return client }
        var configuration = RPCClientConfiguration()
        configuration.peerName = "imageswiss-\(self.entry.name)"
        configuration.identity = try self.configuration.rpcIdentity()
        configuration.resolveInterval = try self.configuration.milliseconds(
            "RPC_RESOLVE_INTERVAL_MS", default: configuration.resolveInterval)
        configuration.maxConnectionAge = try self.configuration.milliseconds(
            "RPC_MAX_CONNECTION_AGE_MS", default: configuration.maxConnectionAge)
        configure(&configuration)
        let addresses =
            self.configuration.string("\(upstream.name.uppercased())_RPC_ADDRESSES")
            ?? "127.0.0.1:\(upstream.defaultRPCPort)"
        return RPCClient(endpoints: try RPCEndpoint.list(addresses), configuration: configuration)
    }
}
