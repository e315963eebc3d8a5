import Foundation
import ImageSamples
import ImageSwissProtos
import Postgres
import RPC
import TestSupport
import Testing

/// A rolling upgrade from the previous release (deploy/previous-release, built by
/// deploy/build-previous-release) to this one, under load: the previous release's six services run,
/// this release's six start beside them against the same databases (migrating them), then the old
/// instances are stopped one by one as a rollout replaces them. Zero failed requests, every job
/// completes, the ledger exact.
@Suite("rolling upgrade", .serialized)
struct MixedVersionTests {
    static let services = ["auth", "billing", "jobs", "imageops", "storage", "edge"]
    /// The order a rollout replaces them in: the leaves first, the edge last.
    static let rollout = ["imageops", "storage", "billing", "jobs", "auth", "edge"]

    static var previousBuild: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
            let commit = try String(
                contentsOf: root.appendingPathComponent("deploy/previous-release"), encoding: .utf8
            ).split(separator: "\n").first!
            let path = root.appendingPathComponent(".build-previous/\(commit)/build/debug").path
            guard FileManager.default.isExecutableFile(atPath: path + "/imageswiss-edge") else {
                throw TestSupportError("the previous release is not built: run deploy/build-previous-release")
            }
            return path
        }
    }

    @Test func oldAndNewSideBySideThenNewOnly() async throws {
        let old = try Self.previousBuild
        let new = try buildProductsDirectory()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "upgrade-\(UUID().uuidString.prefix(6))"
        ).path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var processes: [String: ChildProcess] = [:]
        defer {
            for process in processes.values where process.isRunning { process.signal(SIGKILL) }
            for process in processes.values { _ = process.waitSync() }
        }

        var ports: [String: (old: Int, new: Int)] = [:]
        for service in Self.services { ports[service] = (try freePort(), try freePort()) }
        let http = (old: try freePort(), new: try freePort())
        let identityKey = "upgrade-" + UUID().uuidString + UUID().uuidString
        var environment = ProcessInfo.processInfo.environment.merging(JobsStack.testEnvironment) { $1 }
        environment.merge([
            "LOG_LEVEL": "info", "BILLING_ENVIRONMENT": "development", "AUTH_MAIL_DIR": scratch + "/mail",
            "STORAGE_DATA_DIR": scratch + "/blobs",
            // The previous release sends no proof: identity is being turned on (docs/operations.md).
            "RPC_IDENTITY_KEY": identityKey, "RPC_IDENTITY_REQUIRED": "false",
            "EDGE_RATE_LIMIT_IP_PER_S": "100000", "EDGE_RATE_LIMIT_IP_BURST": "100000",
            "EDGE_RATE_LIMIT_USER_PER_S": "100000", "EDGE_RATE_LIMIT_USER_BURST": "100000",
        ]) { $1 }
        for service in Self.services {
            let prefix = service.uppercased()
            environment["\(prefix)_METRICS_PORT"] = "0"
            environment["\(prefix)_RPC_ADDRESSES"] = "127.0.0.1:\(ports[service]!.old),127.0.0.1:\(ports[service]!.new)"
        }
        let postgres = try await TestPostgres.shared()
        for service in ["auth", "billing", "jobs", "storage"] {
            environment["\(service.uppercased())_DATABASE_URL"] = try await postgres.makeDatabase(prefix: service)
        }
        func start(_ service: String, release: String) async throws {
            let isOld = release == "old"
            var own = environment
            own["\(service.uppercased())_RPC_PORT"] = "\(isOld ? ports[service]!.old : ports[service]!.new)"
            own["EDGE_HTTP_PORT"] = "\(isOld ? http.old : http.new)"
            own["JOBS_WORKER_NAME"] = release
            let process = try ChildProcess.spawn(
                (isOld ? old : new) + "/imageswiss-\(service)", [], environment: own,
                outputPath: "\(scratch)/\(release)-\(service).log")
            processes["\(release)-\(service)"] = process
            let port = isOld ? ports[service]!.old : ports[service]!.new
            try await waitUntil(timeout: .seconds(60)) {
                guard process.isRunning else { throw TestSupportError("\(release) \(service): \(process.output)") }
                return try await runWithStatus(new + "/imageswiss-probe", ["--timeout-ms", "500", "127.0.0.1:\(port)"])
                    .status == 0
            }
        }

        // The previous release runs alone and migrates the databases to its schema.
        for service in Self.services { try await start(service, release: "old") }
        let edges = [
            HTTPTestClient(baseURL: "http://127.0.0.1:\(http.old)"),
            HTTPTestClient(baseURL: "http://127.0.0.1:\(http.new)"),
        ]
        let user = try await edges[0].signedInUser("upgrade@imageswiss.test")
        let billing = try LoadBilling(environment: environment, identityKey: identityKey)
        defer { Task { await billing.close() } }
        let startingBalance = try await billing.fund(user.id, credits: 100_000)

        // Load through both edges while this release starts beside the old one and then replaces it.
        let load = Load(edges: edges, serving: [true, false])
        let photo = try Samples.photo(width: 320, height: 240)
        let loadEnds = ContinuousClock.now + .seconds(3_600)
        let stop = Load.Stop()
        var rollout: [String] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<3 {
                group.addTask {
                    try await load.run(lane: lane, photo: photo, token: user.access, until: loadEnds, stop: stop)
                }
            }
            try await Task.sleep(for: .seconds(2))
            for service in Self.services { try await start(service, release: "new") }
            try await waitUntil { (try? await edges[1].call("GET", "/readyz").status) == 200 }
            load.balancerAdds(1)
            try await Task.sleep(for: .seconds(2))
            for service in Self.rollout {
                if service == "edge" { load.balancerDrops(0) }
                let outgoing = processes["old-\(service)"]!
                outgoing.signal(SIGTERM)
                let status = try await outgoing.wait()
                rollout.append("\(service) exited \(status)")
                try await Task.sleep(for: .seconds(1))
            }
            try await Task.sleep(for: .seconds(2))
            stop.now()
            try await group.waitForAll()
        }
        print("rolling upgrade: \(rollout.joined(separator: ", ")); \(load.batches.count) batches")
        #expect(load.failures.isEmpty, "failed requests during the upgrade: \(load.failures)")
        for line in rollout { #expect(line.hasSuffix("exited 0"), "\(line)") }

        // Every job completes and is charged once.
        let batches = load.batches
        try await billing.settled(batches, of: user.id, token: user.access, through: edges[1])
        let balance = try await billing.balance(user.id)
        #expect(startingBalance - balance.total == Int64(batches.count))
        #expect(try await LedgerInvariants.hold(for: user.id, in: billing.database))
        // The databases are at this release's schema now.
        let storage = PostgresPool(configuration: .init(url: environment["STORAGE_DATABASE_URL"]!, poolSize: 1))
        defer { Task { await storage.close() } }
        #expect(
            try await storage.query("SELECT to_regclass('upload_chunks') IS NOT NULL AS made").first!.decode(
                "made", as: Bool.self))
    }
}
