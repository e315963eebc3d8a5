import Foundation
import ImageSamples
import TestSupport
import Testing

/// `compose/backup`: a stack with users, credits, files, batches and webhooks is backed up while it
/// runs and restored into another, empty stack; everything a user sees there agrees. A blob deleted
/// while a backup's fence stands keeps its object until the fence is down.
@Suite(.serialized) struct BackupRestoreTests {
    static let services = ["auth", "billing", "storage", "imageops", "jobs"]
    static let environment = ["JOBS_WEBHOOK_ALLOW_HTTP": "true", "STORAGE_SWEEP_INTERVAL_MS": "200"]
    static let email = "keeper@imageswiss.test"
    static let password = "correct horse battery staple"

    @Test func aBackupRestoresIntoAnEmptyStack() async throws {
        let original = try await ServiceStack.start(Self.services, environment: Self.environment)
        defer { Task { await original.stop() } }
        let user = try await original.http.signedInUser(Self.email, password: Self.password)
        try await Self.fill(original, token: user.access)
        let before = try await Self.state(of: original, token: user.access)

        let backup = original.scratch + "/backup"
        let made = try await Self.run("backup", backup, for: original)
        #expect(made.status == 0, "\(made.output)")
        #expect(
            try await original.database(for: "storage").query("SELECT 1 FROM backup_fences").isEmpty,
            "the backup took its fence down")

        // An empty stack of the same release: stopped, filled from the backup, started again.
        let restored = try await ServiceStack.start(Self.services, environment: Self.environment)
        defer { Task { await restored.stop() } }
        for service in Self.services + ["edge"] { try await restored.crash(service) }
        let put = try await Self.run("restore", backup, for: restored)
        #expect(put.status == 0, "\(put.output)")
        try await restored.restart(Self.services + ["edge"])

        let signedIn = try await restored.http.call(
            "POST", "/api/v1/auth/signin", json: ["email": Self.email, "password": Self.password])
        let token = try #require((signedIn.json["tokens"] as? [String: Any])?["access_token"] as? String)
        let after = try await Self.state(of: restored, token: token)
        #expect(after == before)
        #expect(after["files"]?.isEmpty == false && after["jobs"]?.contains("succeeded") == true, "\(after)")
    }

    @Test func aFenceKeepsDeletedObjectsUntilItIsDown() async throws {
        let stack = try await ServiceStack.start(["auth", "storage"], environment: Self.environment)
        defer { Task { await stack.stop() } }
        let user = try await stack.http.signedInUser(Self.email, password: Self.password)
        let photo = try Samples.photo(width: 320, height: 240)
        let id = try await stack.http.upload(photo, name: "photo.jpg", token: user.access)
        let object =
            try #require(stack.setting("STORAGE_DATA_DIR"))
            + "/objects/\(sha256Hex(photo).prefix(2))/\(sha256Hex(photo))"
        #expect(FileManager.default.fileExists(atPath: object))
        let storage = stack.database(for: "storage")
        try await storage.execute(
            "INSERT INTO backup_fences (id, until) VALUES ($1, now() + interval '1 hour')", [UUID()])
        #expect(try await stack.http.call("DELETE", "/api/v1/files/\(id)", bearer: user.access).status == 204)
        try await Task.sleep(for: .milliseconds(600))
        #expect(FileManager.default.fileExists(atPath: object), "kept while the fence stands")
        try await storage.execute("DELETE FROM backup_fences")
        let end = ContinuousClock.now + .seconds(10)
        while FileManager.default.fileExists(atPath: object), ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!FileManager.default.fileExists(atPath: object), "removed by the sweeper once it is down")
        #expect(try await storage.query("SELECT 1 FROM deferred_removals").isEmpty)
    }

    /// Credits bought (a receipt and an invoice), three photos, a finished batch over two of them,
    /// a webhook.
    static func fill(_ stack: ServiceStack, token: String) async throws {
        let checkout = try await stack.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": "standard"], bearer: token)
        let checkoutID = try #require(checkout.json["id"] as? String, "\(checkout.text)")
        _ = try await stack.http.call("POST", "/api/v1/billing/checkout/\(checkoutID)/complete", bearer: token)
        var photos: [String] = []
        for width in [640, 800, 960] {
            photos.append(
                try await stack.http.upload(
                    try Samples.photo(width: width, height: 480), name: "photo.jpg", token: token))
        }
        _ = try await stack.http.succeededBatch(
            Array(photos.prefix(2)), steps: [["operation": "resize", "parameters": ["width": 100]]], token: token)
        let end = ContinuousClock.now + .seconds(30)
        // Settled: the held credits captured (a backup taken earlier is fine too — the restored Jobs
        // settles again, exactly once — but this test compares what the user sees).
        while try await stack.http.call("GET", "/api/v1/billing/balance", bearer: token).json["held"] as? Int != 0 {
            guard ContinuousClock.now < end else { throw TestSupportError("the batch was not settled") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let hook = try await stack.http.call(
            "POST", "/api/v1/webhooks", json: ["url": "http://127.0.0.1:9/hooks"], bearer: token)
        #expect(hook.status == 201, "\(hook.text)")
    }

    /// What the user sees: balance, ledger, invoices, files (with their bytes' hashes), jobs,
    /// batches and webhooks.
    static func state(of stack: ServiceStack, token: String) async throws -> [String: String] {
        func get(_ path: String) async throws -> [String: Any] {
            let reply = try await stack.http.call("GET", path, bearer: token)
            guard reply.status == 200 else { throw TestSupportError("\(path): \(reply.status) \(reply.text)") }
            return reply.json
        }
        func items(_ path: String, _ keys: [String]) async throws -> String {
            let list = try await get(path)["items"] as? [[String: Any]] ?? []
            return list.map { item in keys.map { "\(item[$0] ?? "-")" }.joined(separator: ":") }.sorted().joined(
                separator: ", ")
        }
        var state: [String: String] = [:]
        let balance = try await get("/api/v1/billing/balance")
        state["balance"] = "\(balance["available"] ?? "-")/\(balance["total"] ?? "-")"
        state["ledger"] = try await items("/api/v1/billing/history", ["id", "amount", "kind", "balance_after"])
        state["invoices"] = try await items("/api/v1/billing/invoices", ["number", "total_cents"])
        state["jobs"] = try await items("/api/v1/jobs", ["id", "status", "charged_credits"])
        state["batches"] = try await items("/api/v1/batches", ["id", "status"])
        state["webhooks"] = try await items("/api/v1/webhooks", ["id", "url"])
        let files = try await get("/api/v1/files?page_size=100")["items"] as? [[String: Any]] ?? []
        var hashes: [String] = []
        for file in files {
            let id = file["id"] as? String ?? ""
            let content = try await stack.http.call("GET", "/api/v1/files/\(id)/content", bearer: token)
            hashes.append("\(id):\(file["sha256"] ?? "-"):\(sha256Hex(Array(content.body)))")
        }
        state["files"] = hashes.sorted().joined(separator: ", ")
        return state
    }

    /// compose/backup with the stack's databases and blob folder.
    static func run(_ command: String, _ folder: String, for stack: ServiceStack) async throws -> (
        status: Int32, output: String
    ) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        for name in ["AUTH", "BILLING", "JOBS", "STORAGE"] {
            environment["\(name)_DATABASE_URL"] = stack.setting("\(name)_DATABASE_URL")
        }
        environment["STORAGE_DATA_DIR"] = stack.setting("STORAGE_DATA_DIR")
        return try await runWithStatus(
            "/bin/bash", [root + "/compose/backup", command, folder], environment: environment)
    }
}
