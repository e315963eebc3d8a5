import Foundation
import ImageSamples
import ImageSwissProtos
import Postgres
import RPC
import Synchronization
import TestSupport
import Testing

/// Six hosts (network namespaces on this machine), two instances of every service spread over them,
/// one PostgreSQL (reached over its socket) and a shared blob folder (as a shared disk would be).
/// Steady load — upload, download, quote, batch — goes through both edges; then host 1 (an edge and
/// an Auth) is cut off the network and its processes killed, as a balancer's health check would, the
/// load moves to the other edge. Nothing may be lost or charged twice; the only failed requests may be
/// those in flight on the cut edge. Figures are printed (and kept in docs/operations.md).
@Suite("six hosts", .serialized, .enabled(if: geteuid() == 0, "network namespaces need root"))
struct MultiHostTests {
    /// Which services run on which host (1-based); each service twice.
    static let placement: [(host: Int, services: [String])] = [
        (1, ["edge", "auth"]), (2, ["edge", "auth"]), (3, ["jobs", "billing"]), (4, ["jobs", "billing"]),
        (5, ["storage", "imageops"]), (6, ["storage", "imageops"]),
    ]
    static let ports = ["edge": 7100, "auth": 7101, "billing": 7102, "jobs": 7103, "imageops": 7104, "storage": 7105]
    static let phase = Duration.seconds(6)

    @Test func aHostCutOffLosesNothing() async throws {
        let hosts = try await NetworkHosts.make(6)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "multihost-\(hosts.tag)"
        ).path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var processes: [(host: Int, name: String, process: ChildProcess)] = []
        defer {
            for entry in processes where entry.process.isRunning { entry.process.signal(SIGKILL) }
            for entry in processes { _ = entry.process.waitSync() }
            hosts.remove()
        }

        // One environment for all, as one ConfigMap would be; each process adds its own address.
        let postgres = try await TestPostgres.shared()
        var environment = ProcessInfo.processInfo.environment.merging(JobsStack.testEnvironment) { $1 }
        let identityKey = "multi-host-" + UUID().uuidString + UUID().uuidString
        environment.merge([
            "LOG_LEVEL": "info", "BILLING_ENVIRONMENT": "development", "RPC_IDENTITY_KEY": identityKey,
            "AUTH_MAIL_DIR": scratch + "/mail", "STORAGE_DATA_DIR": scratch + "/blobs", "STORAGE_STAGING": "database",
            "EDGE_HTTP_PORT": "8080", "RPC_RESOLVE_INTERVAL_MS": "1000",
            "EDGE_RATE_LIMIT_IP_PER_S": "100000", "EDGE_RATE_LIMIT_IP_BURST": "100000",
            "EDGE_RATE_LIMIT_USER_PER_S": "100000", "EDGE_RATE_LIMIT_USER_BURST": "100000",
        ]) { $1 }
        var addresses: [String: [String]] = [:]
        for (host, services) in Self.placement {
            for service in services { addresses[service, default: []].append(hosts.address(host)) }
        }
        for (service, port) in Self.ports {
            let prefix = service.uppercased()
            environment["\(prefix)_RPC_PORT"] = "\(port)"
            environment["\(prefix)_METRICS_PORT"] = "0"
            environment["\(prefix)_RPC_ADDRESSES"] = addresses[service]!.map { "\($0):\(port)" }.joined(separator: ",")
        }
        for service in ["auth", "billing", "jobs", "storage"] {
            let name = try await postgres.makeDatabase(prefix: service).split(separator: "/").last!
            environment["\(service.uppercased())_DATABASE_URL"] =
                "host=\(postgres.socketDirectory) port=\(postgres.port) user=postgres dbname=\(name)"
        }
        let products = try buildProductsDirectory()
        for (host, services) in Self.placement {
            for service in services {
                var own = environment
                own["RPC_HOST"] = hosts.address(host)
                own["EDGE_HTTP_HOST"] = hosts.address(host)
                own["JOBS_WORKER_NAME"] = "h\(host)"
                let process = try hosts.spawn(
                    on: host, products + "/imageswiss-\(service)", environment: own,
                    outputPath: "\(scratch)/h\(host)-\(service).log")
                processes.append((host, service, process))
            }
        }
        for (host, services) in Self.placement {
            for service in services {
                try await waitUntil(timeout: .seconds(90)) {
                    try await runWithStatus(
                        products + "/imageswiss-probe",
                        ["--timeout-ms", "500", "\(hosts.address(host)):\(Self.ports[service]!)"]
                    ).status == 0
                }
            }
        }
        let edges = [1, 2].map { HTTPTestClient(baseURL: "http://\(hosts.address($0)):8080") }
        for edge in edges { try await waitUntil { (try? await edge.call("GET", "/readyz").status) == 200 } }

        // A user with credits, signed up through edge 1, granted through Billing as the edge would.
        let user = try await edges[0].signedInUser("load@imageswiss.test")
        let billing = try LoadBilling(environment: environment, identityKey: identityKey)
        defer { Task { await billing.close() } }
        let startingBalance = try await billing.fund(user.id, credits: 100_000)

        // Load: four clients, each round uploads, downloads, quotes and submits a one-job batch through the next
        // edge the balancer holds; a request the balancer's edge dropped is retried once on another
        // edge with the same Idempotency-Key, as clients do.
        let load = Load(edges: edges)
        let photo = try Samples.photo(width: 320, height: 240)
        let clock = ContinuousClock()
        let start = clock.now
        let cutAt = start + Self.phase
        let end = start + Self.phase * 3
        let onHostOne = processes.filter { $0.host == 1 }.map(\.process)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                group.addTask { try await load.run(lane: lane, photo: photo, token: user.access, until: end) }
            }
            group.addTask {
                try await clock.sleep(until: cutAt)
                load.balancerDrops(0)
                try await hosts.cut(1)
                for process in onHostOne { process.signal(SIGKILL) }
            }
            try await group.waitForAll()
        }

        // Every batch completes, each charged exactly its one credit, nothing twice.
        let batches = load.batches
        try await billing.settled(batches, of: user.id, token: user.access, through: edges[1])
        let jobsDatabase = PostgresPool(
            configuration: .init(url: environment["JOBS_DATABASE_URL"]!, poolSize: 1))
        defer { Task { await jobsDatabase.close() } }
        let jobCount = try await jobsDatabase.query("SELECT count(*) AS n FROM jobs").first!.decode("n", as: Int.self)
        #expect(jobCount == batches.count, "one job per accepted batch: \(jobCount) for \(batches.count)")
        let balance = try await billing.balance(user.id)
        #expect(startingBalance - balance.total == Int64(batches.count), "charged \(startingBalance - balance.total)")
        let twice = try await billing.database.query(
            "SELECT count(*) AS n FROM (SELECT reference FROM ledger_entries WHERE amount < 0 GROUP BY reference HAVING count(*) > 1) x"
        ).first!.decode("n", as: Int.self)
        #expect(twice == 0)
        #expect(try await LedgerInvariants.hold(for: user.id, in: billing.database))
        // Results download through the surviving edge.
        let last = try await edges[1].call("GET", "/api/v1/batches/\(batches.last!)", bearer: user.access).json
        let output = try #require((last["output_file_ids"] as? [String])?.first)
        #expect(try await edges[1].call("GET", "/api/v1/files/\(output)/content", bearer: user.access).status == 200)

        let failures = load.failures
        let droppedAt = load.dropped.withLock { $0[0] }!
        let unexpected = failures.filter { !($0.edge == 0 && $0.started <= droppedAt) }
        #expect(unexpected.isEmpty, "failures not in flight on the cut edge: \(unexpected)")
        let rounds = load.rounds
        func rate(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> String {
            let n = rounds.filter { $0 >= from && $0 < to }.count
            return String(format: "%.1f", Double(n) / Double((to - from).components.seconds))
        }
        print(
            """
            multi-host: \(batches.count) batches accepted, all succeeded, \(startingBalance - balance.total) credits \
            charged; rounds/s before the cut \(rate(start, cutAt)), after it \(rate(cutAt, cutAt + .seconds(2))) \
            (first 2 s), \(rate(cutAt + .seconds(2), end)) (rest); failed requests: \(failures.count) in flight on \
            the cut edge, \(unexpected.count) elsewhere
            """)
    }
}

/// The load clients' shared state: which edges the balancer still routes to, the batches accepted,
/// each finished round's time and each failed request.
final class Load: Sendable {
    struct Failure: Sendable, CustomStringConvertible {
        let edge: Int
        let started: ContinuousClock.Instant
        let what: String
        var description: String { "edge \(self.edge + 1): \(self.what)" }
    }
    let edges: [HTTPTestClient]
    private let state:
        Mutex<
            (healthy: [Bool], next: Int, batches: [String], rounds: [ContinuousClock.Instant], failures: [Failure])
        >

    /// `serving`: the edges the balancer routes to at first (all by default).
    init(edges: [HTTPTestClient], serving: [Bool]? = nil) {
        self.edges = edges
        self.state = Mutex((serving ?? edges.map { _ in true }, 0, [], [], []))
    }

    /// Ends the load when set, whatever its end time.
    final class Stop: Sendable {
        private let flag = Mutex(false)
        init() {}
        func now() { self.flag.withLock { $0 = true } }
        var isSet: Bool { self.flag.withLock { $0 } }
    }

    var batches: [String] { self.state.withLock { $0.batches } }
    var rounds: [ContinuousClock.Instant] { self.state.withLock { $0.rounds } }
    var failures: [Failure] { self.state.withLock { $0.failures } }

    func balancerDrops(_ edge: Int) {
        let now = ContinuousClock.now
        self.state.withLock { $0.healthy[edge] = false }
        self.dropped.withLock { $0[edge] = now }
    }

    /// When the balancer dropped each edge it dropped.
    let dropped = Mutex([Int: ContinuousClock.Instant]())
    func balancerAdds(_ edge: Int) { self.state.withLock { $0.healthy[edge] = true } }

    /// The next edge the balancer holds healthy (round robin).
    func edge() -> Int {
        self.state.withLock { state in
            repeat { state.next = (state.next + 1) % state.healthy.count } while !state.healthy[state.next]
            return state.next
        }
    }

    /// One request through the balancer; a failure is recorded and retried once on the next edge.
    func request(
        _ method: String, _ path: String, raw: Data? = nil, json: Any? = nil, token: String,
        headers: [String: String] = [:], expect status: Int
    ) async throws -> HTTPReply {
        for attempt in 1...2 {
            // Taken before the edge is chosen: a request on an edge its balancer dropped later started
            // before the drop.
            let started = ContinuousClock.now
            let edge = self.edge()
            do {
                let reply = try await self.edges[edge].call(
                    method, path, json: json, raw: raw, bearer: token, headers: headers, timeout: 4)
                if reply.status == status { return reply }
                self.state.withLock {
                    $0.failures.append(
                        Failure(edge: edge, started: started, what: "\(method) \(path): \(reply.status) \(reply.text)"))
                }
            } catch {
                self.state.withLock {
                    $0.failures.append(Failure(edge: edge, started: started, what: "\(method) \(path): \(error)"))
                }
            }
            if attempt == 2 {
                throw TestSupportError("\(method) \(path) failed twice: \(self.failures.suffix(2))")
            }
        }
        throw TestSupportError("unreachable")
    }

    func run(lane: Int, photo: [UInt8], token: String, until end: ContinuousClock.Instant, stop: Stop? = nil)
        async throws
    {
        var round = 0
        while ContinuousClock.now < end && stop?.isSet != true {
            round += 1
            let file =
                try await self.request(
                    "POST", "/api/v1/files", raw: Data(photo), token: token,
                    headers: ["Content-Type": "application/octet-stream", "X-File-Name": "l\(lane)-\(round).jpg"],
                    expect: 201
                ).json["id"] as! String
            let body: [String: Any] = [
                "input_file_ids": [file], "steps": [["operation": "resize", "parameters": ["width": 64]]],
            ]
            _ = try await self.request("GET", "/api/v1/files/\(file)/content", token: token, expect: 200)
            _ = try await self.request("POST", "/api/v1/batches/quote", json: body, token: token, expect: 200)
            let batch = try await self.request(
                "POST", "/api/v1/batches", json: body, token: token,
                headers: ["Idempotency-Key": "lane-\(lane)-round-\(round)"], expect: 201)
            let id = batch.json["id"] as! String
            self.state.withLock {
                if !$0.batches.contains(id) { $0.batches.append(id) }
                $0.rounds.append(ContinuousClock.now)
            }
        }
    }
}
