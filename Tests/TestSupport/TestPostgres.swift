import Foundation
import Logging
import Postgres
import Synchronization

/// A private PostgreSQL cluster for tests: a temporary data folder, a free port on 127.0.0.1, started
/// once per test process and stopped when it exits. IMAGESWISS_TEST_DATABASE_URL skips all that and
/// uses a server you already run.
///
/// initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
public final class TestPostgres: Sendable {
    public let port: Int
    public let dataDirectory: String
    public let socketDirectory: String
    private let binDirectory: String
    private let runAs: String?
    private let externalURL: String?

    /// The shared cluster of this test process, started on first use.
    public static func shared() async throws -> TestPostgres {
        try await blocking { sharedCluster }
    }

    // Reached only through `shared()`, so that the start (seconds of initdb) blocks a dedicated
    // thread, and callers waiting for it do not hold cooperative threads.
    private static let sharedCluster: TestPostgres = {
        do { return try TestPostgres.start() } catch { fatalError("cannot start a test PostgreSQL: \(error)") }
    }()

    private init(
        port: Int, dataDirectory: String, socketDirectory: String, binDirectory: String, runAs: String?,
        externalURL: String?
    ) {
        self.port = port
        self.dataDirectory = dataDirectory
        self.socketDirectory = socketDirectory
        self.binDirectory = binDirectory
        self.runAs = runAs
        self.externalURL = externalURL
    }

    /// The URL of a database, as the cluster's superuser.
    public func url(database: String = "postgres") -> String {
        if let externalURL = self.externalURL { return externalURL }
        return "postgresql://postgres@127.0.0.1:\(self.port)/\(database)"
    }

    /// Creates a fresh, empty database with a unique name and returns its URL.
    public func makeDatabase(prefix: String = "test") async throws -> String {
        if self.externalURL != nil { return self.url() }
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let pool = PostgresPool(configuration: .init(url: self.url(), poolSize: 1))
        do {
            try await pool.execute("CREATE DATABASE \(name)")
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
        return self.url(database: name)
    }

    /// Stops the server (fast shutdown, as on a restart) and starts it again on the same port.
    public func restart() async throws {
        try await blocking {
            try self.pgctl(["-D", self.dataDirectory, "-m", "fast", "-w", "stop"])
            try self.startServer()
        }
    }

    /// Stops the server at once. Uses system(3), not Foundation's Process: it also runs from an
    /// atexit handler, where Process's run loop machinery no longer works.
    public func stop() {
        guard self.externalURL == nil else { return }
        let pgctl = "\(self.binDirectory)/pg_ctl -D '\(self.dataDirectory)' -m immediate -w stop >/dev/null 2>&1"
        _ = system(self.runAs.map { "/usr/sbin/runuser -u \($0) -- \(pgctl)" } ?? pgctl)
        try? FileManager.default.removeItem(atPath: self.socketDirectory)
    }

    // MARK: starting

    /// A cluster of its own (for tests that restart or stop it); stop it when done.
    public static func startPrivate() async throws -> TestPostgres {
        try await blocking { try start(registerExit: false) }
    }

    static func start(registerExit: Bool = true) throws -> TestPostgres {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["IMAGESWISS_TEST_DATABASE_URL"], !url.isEmpty {
            return TestPostgres(
                port: 0, dataDirectory: "", socketDirectory: "", binDirectory: "", runAs: nil, externalURL: url)
        }
        let bin = try findPostgresBin()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "imageswiss-pg-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let runAs = geteuid() == 0 ? "postgres" : nil
        if runAs != nil {
            _ = try runSync("/bin/chown", ["postgres:postgres", base])
        }
        let data = base + "/data"
        let cluster = TestPostgres(
            port: try freePort(), dataDirectory: data, socketDirectory: base, binDirectory: bin, runAs: runAs,
            externalURL: nil
        )
        try cluster.asOwner(bin + "/initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        try cluster.startServer()
        if registerExit { atexit { TestPostgres.sharedCluster.stop() } }
        return cluster
    }

    private func startServer() throws {
        let options =
            "-p \(self.port) -k \(self.socketDirectory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        try self.pgctl([
            "-D", self.dataDirectory, "-o", options, "-l", self.socketDirectory + "/server.log", "-w", "start",
        ])
    }

    private func pgctl(_ arguments: [String]) throws {
        try self.asOwner(self.binDirectory + "/pg_ctl", arguments)
    }

    private func asOwner(_ tool: String, _ arguments: [String]) throws {
        if let user = self.runAs {
            _ = try runSync("/usr/sbin/runuser", ["-u", user, "--", tool] + arguments)
        } else {
            _ = try runSync(tool, arguments)
        }
    }

    private static func findPostgresBin() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: bin + "/initdb") { return bin }
        }
        throw TestSupportError("no PostgreSQL server binaries under \(root): apt-get install postgresql")
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's ephemeral range
/// (32768–60999 by default), so that servers other tests bind to port 0 cannot take it meanwhile.
public func freePort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20000..<32000)
        // A port is handed out once per test process: a stack asks for a dozen before any service
        // binds, and stacks stop in the background while the next test starts. A port drawn twice
        // lets one service answer for another (a Jobs test once had Billing's GetBalance answered
        // `unknown method`).
        if canBind(port), handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
    throw TestSupportError("no free port found")
}

private let handedOutPorts = Mutex<Set<Int>>([])

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
