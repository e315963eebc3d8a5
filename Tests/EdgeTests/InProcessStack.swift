import Auth
import Billing
import Edge
import Foundation
import Hummingbird
import ImageOps
import Jobs
import Logging
import Postgres
import RPC
import ServiceRuntime
import Storage
import TestSupport

/// The five internal services in this test process, each on a fresh database of the test cluster,
/// answering the edge through in-process RPC clients (no sockets): the edge's router as the real
/// stack wires it. Background work (workers, sweepers, the mail outbox) does not run here; the
/// real-process tests cover it.
struct InProcessStack {
    let router: Router<EdgeRequestContext>
    /// Each service's database, by name ("auth").
    let databases: [String: PostgresPool]
    /// This stack's folder: Auth's mail, Storage's blobs.
    let scratch: URL

    static func start(_ environment: [String: String] = [:]) async throws -> InProcessStack {
        let cluster = try await TestPostgres.shared()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "edge-\(UUID().uuidString.prefix(8))")
        var environment = environment
        environment["AUTH_MAIL_DIR"] = environment["AUTH_MAIL_DIR"] ?? scratch.path + "/mail"
        environment["STORAGE_DATA_DIR"] = scratch.path + "/storage"
        environment["BILLING_ENVIRONMENT"] = "development"
        var clients: [String: RPCClient] = [:]
        var databases: [String: PostgresPool] = [:]

        func run<App: ServiceApp>(_ app: App.Type) async throws {
            let name = App.entry.name
            var database: PostgresPool?
            if let schema = App.schema {
                let pool = PostgresPool(
                    configuration: .init(url: try await cluster.makeDatabase(prefix: name), poolSize: 4))
                try await Migrator.migrate(pool, try DatabaseSchema(directory: schema), logger: Logger(label: name))
                database = pool
                databases[name] = pool
            }
            let context = ServiceContext(
                entry: App.entry,
                configuration: ServiceConfiguration(serviceName: name, environment: environment, arguments: []),
                logger: Logger(label: "imageswiss.\(name)"), database: database, clients: clients)
            var router = RPCRouter()
            try await App(context).register(in: &router)
            clients[name] = RPCClient(inProcess: router)
        }
        // Callees before their callers: Jobs calls Billing, Storage and ImageOps.
        try await run(AuthApp.self)
        try await run(BillingApp.self)
        try await run(StorageApp.self)
        try await run(ImageOpsApp.self)
        try await run(JobsApp.self)
        let edge = ServiceContext(
            entry: EdgeApp.entry,
            configuration: ServiceConfiguration(serviceName: "edge", environment: environment, arguments: []),
            logger: Logger(label: "imageswiss.edge"), database: nil, clients: clients)
        return InProcessStack(router: try EdgeHTTPServer.router(edge), databases: databases, scratch: scratch)
    }

    func close() async {
        for pool in self.databases.values { await pool.close() }
    }
}
