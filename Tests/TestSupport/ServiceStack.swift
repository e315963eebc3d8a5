import Foundation
import Postgres
import RPC
import Synchronization

/// Some ImageSwiss services and the edge as real processes on free ports of 127.0.0.1, each service
/// with a fresh database of its own. Tests talk HTTP to the edge (`http`) and may read a service's
/// database directly (`database(for:)`) to check what was written.
public struct ServiceStack: Sendable {
    private let table: ProcessTable
    /// The command line and environment each process was started with (for restarts).
    private let commands: [String: [String]]
    private let environment: [String: String]
    public let rpcPorts: [String: Int]
    public let databases: [String: PostgresPool]
    public let http: HTTPTestClient
    /// A scratch folder for this stack: logs and whatever the services write.
    public let scratch: String

    static let servicesWithDatabase: Set<String> = ["auth", "billing", "jobs", "storage"]

    /// The stack's RPC_IDENTITY_KEY: every stack proves its internal calls, as a deployment does.
    public var identityKey: String { self.environment["RPC_IDENTITY_KEY"]! }

    /// A client of one of the stack's services that signs its calls as the edge would: tests that
    /// call a service directly play the edge.
    public func rpcClient(for service: String, peerName: String = "tests") throws -> RPCClient {
        var configuration = RPCClientConfiguration()
        configuration.peerName = peerName
        configuration.identity = try RPCIdentity(service: "edge", keys: [self.identityKey])
        return RPCClient(
            endpoints: [RPCEndpoint(host: "127.0.0.1", port: self.rpcPorts[service]!)], configuration: configuration)
    }

    /// Starts `services` (e.g. ["auth", "storage"]) and the edge. `environment` is merged last.
    /// `wrapper` runs a service under another program (e.g. a shell that sets a ulimit first).
    public static func start(
        _ services: [String], environment extra: [String: String] = [:], wrapper: [String: [String]] = [:],
        postgres: TestPostgres? = nil
    ) async throws -> ServiceStack {
        let products = try buildProductsDirectory()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stack-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "info"
        // Whatever a service writes by default stays in the scratch folder, not the working directory.
        environment["AUTH_MAIL_DIR"] = scratch + "/mail"
        environment["STORAGE_DATA_DIR"] = scratch + "/storage"
        // Tests pay with the local provider, which Billing allows in development only.
        environment["BILLING_ENVIRONMENT"] = "development"
        environment["RPC_IDENTITY_KEY"] = "stack-" + UUID().uuidString + UUID().uuidString
        environment["JOBS_PROVIDER_SECRET_KEY"] = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
            .base64EncodedString()
        var ports: [String: Int] = [:]
        var urls: [String: String] = [:]
        let cluster: TestPostgres
        if let postgres { cluster = postgres } else { cluster = try await TestPostgres.shared() }
        for service in services {
            let port = try freePort()
            ports[service] = port
            let prefix = service.uppercased()
            environment["\(prefix)_RPC_PORT"] = "\(port)"
            environment["\(prefix)_RPC_ADDRESSES"] = "127.0.0.1:\(port)"
            environment["\(prefix)_METRICS_PORT"] = "0"
            if Self.servicesWithDatabase.contains(service) {
                let url = try await cluster.makeDatabase(prefix: service)
                urls[service] = url
                environment["\(prefix)_DATABASE_URL"] = url
            }
        }
        let httpPort = try freePort()
        environment.merge([
            "EDGE_HTTP_PORT": "\(httpPort)", "EDGE_METRICS_PORT": "0", "EDGE_RPC_PORT": "\(try freePort())",
        ]) { _, new in new }
        environment.merge(extra) { _, new in new }
        var processes: [String: ChildProcess] = [:]
        var commands: [String: [String]] = [:]
        for service in services + ["edge"] {
            let command = (wrapper[service] ?? []) + [products + "/imageswiss-\(service)"]
            commands[service] = command
            processes[service] = try ChildProcess.spawn(
                command[0], Array(command.dropFirst()), environment: environment,
                outputPath: "\(scratch)/\(service).log")
        }
        let stack = ServiceStack(
            table: ProcessTable(processes), commands: commands, environment: environment, rpcPorts: ports,
            databases: urls.mapValues { PostgresPool(configuration: .init(url: $0, poolSize: 2)) },
            http: HTTPTestClient(baseURL: "http://127.0.0.1:\(httpPort)"), scratch: scratch
        )
        try await stack.waitUntilReady()
        return stack
    }

    /// Ready when every service answers its probe and the edge answers HTTP.
    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let end = ContinuousClock.now + timeout
        let products = try buildProductsDirectory()
        for (service, port) in self.rpcPorts {
            while try await runWithStatus(products + "/imageswiss-probe", ["--timeout-ms", "500", "127.0.0.1:\(port)"])
                .status != 0
            {
                let process = self.process(service)
                guard process.isRunning, ContinuousClock.now < end else {
                    throw TestSupportError("\(service) did not start: \(process.output)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        while (try? await self.http.call("GET", "/healthz")) == nil {
            let edge = self.process("edge")
            guard edge.isRunning, ContinuousClock.now < end else {
                throw TestSupportError("edge did not start: \(edge.output)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    public func database(for service: String) -> PostgresPool { self.databases[service]! }

    /// The running process of a service ("edge" included).
    public func process(_ service: String) -> ChildProcess { self.table.processes.withLock { $0[service]! } }

    /// Kills a service with SIGKILL (no drain, no cleanup: a crash) and waits for it to be gone.
    public func crash(_ service: String) async throws {
        let process = self.process(service)
        process.signal(SIGKILL)
        _ = try await process.wait()
    }

    /// Starts a stopped or crashed service again, same command and environment, and waits until it serves.
    public func restart(_ service: String) async throws {
        try await self.restart([service])
    }

    /// Starts stopped or crashed services again, then waits until every one serves.
    public func restart(_ services: [String]) async throws {
        for service in services {
            let command = self.commands[service]!
            let process = try ChildProcess.spawn(
                command[0], Array(command.dropFirst()), environment: self.environment,
                outputPath: "\(self.scratch)/\(service)-\(UUID().uuidString.prefix(4)).log")
            self.table.processes.withLock { $0[service] = process }
        }
        try await self.waitUntilReady()
    }

    /// A setting the stack's processes were started with (a database URL, STORAGE_DATA_DIR …).
    public func setting(_ name: String) -> String? { self.environment[name] }

    /// Starts another process of `service` under `name` (e.g. a second Jobs worker): same database and
    /// environment, its own RPC port, `environment` merged last. It is stopped with the stack.
    @discardableResult
    public func spawn(_ name: String, as service: String, environment extra: [String: String] = [:]) async throws
        -> ChildProcess
    {
        var environment = self.environment
        let prefix = service.uppercased()
        environment["\(prefix)_RPC_PORT"] = "\(try freePort())"
        environment.merge(extra) { _, new in new }
        // The caller may have chosen the port (to reach this instance itself).
        let port = Int(environment["\(prefix)_RPC_PORT"]!)!
        let command = self.commands[service]!
        let process = try ChildProcess.spawn(
            command[0], Array(command.dropFirst()), environment: environment,
            outputPath: "\(self.scratch)/\(name).log")
        self.table.processes.withLock { $0[name] = process }
        let products = try buildProductsDirectory()
        let end = ContinuousClock.now + .seconds(60)
        while try await runWithStatus(products + "/imageswiss-probe", ["--timeout-ms", "500", "127.0.0.1:\(port)"])
            .status != 0
        {
            guard process.isRunning, ContinuousClock.now < end else {
                throw TestSupportError("\(name) did not start: \(process.output)")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return process
    }

    /// SIGTERM to every process (edge first), then waits for them; closes the test's pools.
    public func stop() async {
        let processes = self.table.processes.withLock { $0 }
        for name in ["edge"] + processes.keys.filter({ $0 != "edge" }).sorted() {
            guard let process = processes[name], process.isRunning else { continue }
            process.signal(SIGTERM)
            _ = try? await process.wait()
        }
        for pool in self.databases.values { await pool.close() }
    }
}

/// The stack's processes by service, replaced on restart.
final class ProcessTable: Sendable {
    let processes: Mutex<[String: ChildProcess]>
    init(_ processes: [String: ChildProcess]) { self.processes = Mutex(processes) }
}
