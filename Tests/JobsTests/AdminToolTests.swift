import Foundation
import TestSupport
import Testing

/// imageswiss-admin against a running stack, as an operator runs it: every command an
/// authenticated RPC to the service that owns the data, `--json` for scripts, and nothing done
/// without the stack's identity key.
@Suite("imageswiss-admin", .serialized)
struct AdminToolTests {
    @Test func anOperatorLooksAndRepairsThroughTheOwningServices() async throws {
        // The sweeper would settle what the redrive below is for; here it waits.
        let stack = try await JobsStack.start(["JOBS_SWEEP_INTERVAL_MS": "600000"])
        do {
            let tool = try buildProductsDirectory() + "/imageswiss-admin"
            var environment = ["RPC_IDENTITY_KEY": stack.stack.identityKey, "PATH": "/usr/bin:/bin"]
            for (service, port) in stack.stack.rpcPorts {
                environment["\(service.uppercased())_RPC_ADDRESSES"] = "127.0.0.1:\(port)"
            }
            func admin(_ arguments: String...) async throws -> (status: Int32, output: String) {
                try await runWithStatus(tool, arguments, environment: environment)
            }
            func json(_ output: String) throws -> [String: Any] {
                let line = output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
                return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            }

            let status = try await admin("status", "--json")
            #expect(status.status == 0, "\(status.output)")
            let services = try json(status.output)["services"] as? [[String: String]] ?? []
            #expect(services.count == 5 && services.allSatisfy { $0["state"] == "serving" }, "\(status.output)")
            #expect((try json(status.output)["queue"] as? [[String: Any]])?.count == 2)

            let user = try await stack.user("operator-case@imageswiss.test", credits: 0)
            let shown = try await admin("user", "show", "operator-case@imageswiss.test", "--json")
            #expect(shown.status == 0, "\(shown.output)")
            let account = try json(shown.output)["account"] as? [String: Any]
            #expect(
                account?["userId"] as? String == user.id
                    && account?["email"] as? String == "operator-case@imageswiss.test")

            // A grant once per key, on the ledger.
            let before = try await stack.balance(user.id).total
            for _ in 0..<2 {
                let granted = try await admin("grant", user.id, "7", "--key", "goodwill-1", "--json")
                #expect(granted.status == 0, "\(granted.output)")
            }
            #expect(try await stack.balance(user.id).total == before + 7)

            // Disabled: no sign-in; enabled again: sign-in works.
            let credentials: [String: Any] = [
                "email": "operator-case@imageswiss.test", "password": "correct horse battery staple",
            ]
            #expect(try await admin("user", "disable", user.id).status == 0)
            #expect(try await stack.http.call("POST", "/api/v1/auth/signin", json: credentials).status == 401)
            #expect(try await admin("user", "enable", user.id).status == 0)
            #expect(try await stack.http.call("POST", "/api/v1/auth/signin", json: credentials).status == 200)

            // Files purged (the repair of a failed account deletion).
            let file = try await stack.upload(user.access)
            let purged = try await admin("user", "purge-files", user.id, "--json")
            #expect(purged.status == 0 && purged.output.contains("\"deletedBlobs\""), "\(purged.output)")
            #expect(try await stack.http.call("GET", "/api/v1/files/\(file)", bearer: user.access).status == 404)

            // A job finished while Billing was down stays unsettled; once Billing is back, a redrive
            // captures its hold at once (the sweeper is slowed right down here) — and only once.
            let paying = try await stack.user("unsettled@imageswiss.test", credits: 5)
            let photo = try await stack.upload(paying.access)
            let held = try await stack.balance(paying.id).total
            let submitted = try await stack.http.call(
                "POST", "/api/v1/jobs",
                json: [
                    "input_file_id": photo,
                    "steps": [
                        ["operation": "noop", "parameters": ["duration_ms": 1500]],
                        ["operation": "resize", "parameters": ["width": 100]],
                    ],
                ],
                bearer: paying.access)
            let jobID = try #require(submitted.json["id"] as? String, "\(submitted.text)")
            try await stack.stack.crash("billing")
            let finished = try await stack.finished(jobID, token: paying.access)
            #expect(finished["status"] as? String == "succeeded", "\(finished)")
            let unsettled = "SELECT count(*) FROM jobs WHERE id = $1::uuid AND credits = 'capture_pending'"
            #expect(try await stack.count(unsettled, [jobID]) == 1)
            // Settling retries within its call's deadline; once Jobs has given up (it logs so), only
            // the sweeper or a redrive settles the job.
            try await waitUntil {
                let log = try String(contentsOfFile: "\(stack.stack.scratch)/jobs.log", encoding: .utf8)
                return log.contains("settlement deferred")
            }
            try await stack.stack.restart("billing")
            let redriven = try await admin("settlements", "redrive", "--json")
            #expect(redriven.status == 0, "\(redriven.output)")
            #expect((try json(redriven.output)["settled"] as? Int ?? 0) >= 1, "\(redriven.output)")
            #expect(try await stack.count(unsettled, [jobID]) == 0)
            #expect(try await stack.balance(paying.id).total == held - 1, "one credit captured, once")
            #expect(try await admin("settlements", "redrive").output.contains("0 unsettled"))

            // A new token signing key; a job that does not exist is a clear refusal.
            let rotated = try await admin("keys", "rotate")
            #expect(rotated.status == 0 && rotated.output.contains("new signing key"), "\(rotated.output)")
            let missing = try await admin("jobs", "retry", UUID().uuidString.lowercased())
            #expect(missing.status != 0 && missing.output.lowercased().contains("not found"), "\(missing.output)")

            // migrate --check: every database at this release's schema; one a newer release migrated
            // further (a row this release does not know) is named, and the check fails.
            let migrations = try await admin("migrate", "--check")
            #expect(migrations.status == 0 && migrations.output.contains("jobs: up to date"), "\(migrations.output)")
            try await stack.database.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')")
            let ahead = try await admin("migrate", "--check", "--json")
            #expect(ahead.status != 0, "\(ahead.output)")
            let jobsReport = (try json(ahead.output)["services"] as? [[String: Any]])?.first {
                $0["service"] as? String == "jobs"
            }
            #expect(jobsReport?["ahead"] as? [String] == ["9999_from_the_future"], "\(ahead.output)")
            try await stack.database.execute("DELETE FROM schema_migrations WHERE version = 9999")

            // create-admin: a new account is registered with a generated password and made an admin;
            // an existing one is promoted.
            let created = try await admin("create-admin", "second-operator@imageswiss.test", "--json")
            #expect(created.status == 0, "\(created.output)")
            let password = try #require(try json(created.output)["password"] as? String, "\(created.output)")
            let signIn = try await stack.http.call(
                "POST", "/api/v1/auth/signin", json: ["email": "second-operator@imageswiss.test", "password": password])
            let token = try #require(
                (signIn.json["tokens"] as? [String: Any])?["access_token"] as? String, "\(signIn.text)")
            #expect(try await stack.http.call("GET", "/api/v1/admin/ai", bearer: token).status == 200)
            #expect(
                [401, 403].contains(try await stack.http.call("GET", "/api/v1/admin/ai", bearer: user.access).status))
            let promoted = try await admin("create-admin", "operator-case@imageswiss.test")
            #expect(promoted.status == 0 && promoted.output.contains("role=admin"), "\(promoted.output)")
            #expect(!promoted.output.contains("password"))

            // Without the stack's identity key nothing is answered (status: every service refuses).
            environment["RPC_IDENTITY_KEY"] = "not-the-key-of-this-stack-0123456789abcdef"
            let refused = try await admin("grant", user.id, "1000")
            #expect(refused.status != 0, "\(refused.output)")
            #expect(try await stack.balance(user.id).total == before + 7)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}
