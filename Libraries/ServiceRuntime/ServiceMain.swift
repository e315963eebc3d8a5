import Foundation
import ImageSwissProtos
import Logging
import Metrics
import NIOCore
import Postgres
import RPC
import ServiceLifecycle
import Telemetry

/// The life of every ImageSwiss service process:
/// read configuration → open the database and bring it to the service's SQL/ schema → serve RPC (health included) and metrics →
/// on SIGTERM or SIGINT mark NOT_SERVING, drain RPC connections, close the database.
public enum ServiceMain {
    public static func run<App: ServiceApp>(_ app: App.Type) async {
        let entry = App.entry
        let configuration = ServiceConfiguration(serviceName: entry.name)
        let level = Logger.Level(rawValue: configuration.string("LOG_LEVEL", default: "info")) ?? .info
        let format = configuration.string("LOG_FORMAT", default: "text")
        Observability.bootstrap(level: level, json: format == "json")
        let logger = Logger(label: "imageswiss.\(entry.name)")
        do {
            // Before any thread of the service starts (the logging bootstrap starts none).
            try MallocTuning.apply(configuration, defaultArenas: entry.defaultMallocArenas)
            try await self.serve(App.self, configuration: configuration, logger: logger)
        } catch {
            logger.critical("service stopped with an error", metadata: ["error": "\(error)"])
            exit(1)
        }
    }

    private static func serve<App: ServiceApp>(
        _ app: App.Type, configuration: ServiceConfiguration, logger: Logger
    ) async throws {
        let entry = App.entry
        // Before the service builds anything that asks whether tracing is on (the edge's middleware).
        let traceExporter = Telemetry.settings(
            service: "imageswiss-\(entry.name)", environment: ProcessInfo.processInfo.environment
        ).map { settings in
            logger.info("tracing on", metadata: ["otlp": "\(settings.url)"])
            return Telemetry.bootstrap(settings)
        }
        var database: PostgresPool?
        var schemaStatus: SchemaStatus?
        if entry.ownsDatabase {
            guard let url = configuration.string("DATABASE_URL") else {
                throw ConfigurationError("\(entry.name.uppercased())_DATABASE_URL (or DATABASE_URL) is required")
            }
            guard let schema = App.schema else { throw ConfigurationError("\(entry.name)'s SQL resources are missing") }
            let pool = PostgresPool(
                configuration: .init(
                    url: url, poolSize: try configuration.int("DATABASE_POOL_SIZE", default: 8),
                    connectTimeoutSeconds: try configuration.int("DATABASE_CONNECT_TIMEOUT_S", default: 5)),
                logger: logger
            )
            let databaseSchema = try DatabaseSchema(directory: schema)
            try await Self.migrateWithRetry(pool, databaseSchema, logger: logger)
            schemaStatus = SchemaStatus(pool: pool, schema: databaseSchema)
            // MIGRATE_ONLY: bring the schema up to date and exit (a Kubernetes migration Job, run
            // before a rollout so that no replica of the new release starts on the old schema).
            if try configuration.bool("MIGRATE_ONLY", default: false) {
                await pool.close()
                logger.info("schema is up to date; MIGRATE_ONLY set, exiting")
                return
            }
            database = pool
        }

        let health = HealthService()
        let context = ServiceContext(
            entry: entry, configuration: configuration, logger: logger, database: database, health: health)
        var router = RPCRouter()
        health.register(in: &router)
        schemaStatus?.register(in: &router)
        let service = try await App(context)
        service.register(in: &router)

        var rpc = RPCServerConfiguration(
            host: configuration.string("RPC_HOST", default: "127.0.0.1"),
            port: try configuration.int("RPC_PORT", default: entry.defaultRPCPort)
        )
        rpc.maxFrameSize = try configuration.int("RPC_MAX_FRAME_SIZE", default: entry.defaultMaxFrameSize)
        rpc.maxConcurrentCalls = try configuration.int("RPC_MAX_CONCURRENT_CALLS", default: rpc.maxConcurrentCalls)
        rpc.defaultTimeout = try configuration.milliseconds("RPC_DEFAULT_TIMEOUT_MS", default: rpc.defaultTimeout)
        rpc.drainTimeout = try configuration.milliseconds("RPC_DRAIN_TIMEOUT_MS", default: rpc.drainTimeout)
        rpc.maxTimeout = try configuration.milliseconds("RPC_MAX_TIMEOUT_MS", default: rpc.maxTimeout)
        rpc.peerName = "imageswiss-\(entry.name)"
        rpc.identity = try configuration.rpcIdentity()
        rpc.identityRequired = try configuration.bool("RPC_IDENTITY_REQUIRED", default: true)
        if rpc.identity == nil {
            logger.warning("RPC_IDENTITY_KEY is not set: calls to this service are not authenticated")
        }
        let server = RPCServer(configuration: rpc, router: router, logger: logger)
        try await server.start()

        var services: [any Service] = traceExporter.map { [TraceExport(exporter: $0)] } ?? []
        services.append(server)
        let metricsPort = try configuration.int("METRICS_PORT", default: entry.defaultMetricsPort)
        if metricsPort > 0 {
            services.append(
                makeMetricsEndpoint(
                    host: configuration.string("METRICS_HOST", default: "127.0.0.1"), port: metricsPort, logger: logger)
            )
        }
        if let database {
            services.append(
                DatabaseHealthMonitor(pool: database, health: health, serviceName: entry.protoName, logger: logger))
            services.append(PoolMetrics(pool: database, service: entry.name))
            if try await IdempotencyPruning.applies(to: database) {
                services.append(try IdempotencyPruning(pool: database, configuration: configuration, logger: logger))
            }
        }
        services += service.background
        services.append(ReadinessMarker(health: health, serviceName: entry.protoName))

        Gauge(label: "imageswiss_service_start_time_seconds", dimensions: [("service", entry.name)]).record(
            Date().timeIntervalSince1970)
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
            ))
        try await group.run()
        await database?.close()
        logger.info("stopped")
    }

    /// At start the database may still be coming up (the runner starts everything together).
    private static func migrateWithRetry(_ pool: PostgresPool, _ schema: DatabaseSchema, logger: Logger) async throws {
        var attempt = 0
        while true {
            do {
                try await Migrator.migrate(pool, schema, logger: logger)
                return
            } catch let error as PostgresError where error.kind == .connection && attempt < 30 {
                attempt += 1
                logger.warning("database not reachable yet; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// Marks the process SERVING once every other service of the group runs, and NOT_SERVING as soon as
/// graceful shutdown begins, so that health checks stop routing traffic before the drain.
struct ReadinessMarker: Service {
    let health: HealthService
    let serviceName: String

    func run() async throws {
        self.health.setStatus(.serving)
        self.health.setStatus(.serving, for: self.serviceName)
        await withGracefulShutdownHandler {
            try? await gracefulShutdown()
        } onGracefulShutdown: {
            self.health.setStatus(.notServing)
            self.health.setStatus(.notServing, for: self.serviceName)
        }
    }
}

/// Checks the database every few seconds; the service reports NOT_SERVING while it is unreachable.
struct DatabaseHealthMonitor: Service {
    let pool: PostgresPool
    let health: HealthService
    let serviceName: String
    let logger: Logger

    func run() async throws {
        var healthy: Bool?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let ok = (try? await self.pool.query("SELECT 1")) != nil
            if healthy == nil {
                healthy = ok
                self.health.setStatus(ok ? .serving : .notServing, for: "database")
            } else if ok != healthy {
                healthy = ok
                self.logger.log(level: ok ? .info : .error, ok ? "database reachable again" : "database unreachable")
                self.health.setStatus(ok ? .serving : .notServing)
                self.health.setStatus(ok ? .serving : .notServing, for: self.serviceName)
                self.health.setStatus(ok ? .serving : .notServing, for: "database")
            }
            try? await Task.sleep(for: .seconds(2))
        }
    }
}
