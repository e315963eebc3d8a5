import Foundation
import TestSupport
import Testing

/// imageswiss-admin against a running stack, as an operator runs it: every command an
/// authenticated RPC to the service that owns the data, `--json` for scripts, and nothing done
/// without the stack's identity key.
@Suite("imageswiss-admin", .serialized)
struct AdminToolTests {
    @Test func anOperatorLooksAndRepairsThroughTheOwningServices() async throws {
        let stack = try await JobsStack.start()
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

            // A new token signing key; a job that does not exist is a clear refusal.
            let rotated = try await admin("keys", "rotate")
            #expect(rotated.status == 0 && rotated.output.contains("new signing key"), "\(rotated.output)")
            let missing = try await admin("jobs", "retry", UUID().uuidString.lowercased())
            #expect(missing.status != 0 && missing.output.lowercased().contains("not found"), "\(missing.output)")

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
