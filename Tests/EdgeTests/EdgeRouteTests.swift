import Edge
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The edge's routes over in-process services: what a client sees, without a socket or a process.
@Suite("edge routes, in-process", .serialized)
struct EdgeRouteTests {
    @Test("the operation catalogue is served, with the security headers every answer carries")
    func operationsAndSecurityHeaders() async throws {
        let stack = try await InProcessStack.start()
        try await Application(router: stack.router).test(.router) { client in
            try await client.execute(uri: "/api/v1/operations", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                let items = try #require(try Self.json(response.body)["items"] as? [[String: Any]])
                let names = items.compactMap { $0["name"] as? String }
                #expect(names.contains("resize") && names.count == Set(names).count, "\(names)")
                let resize = try #require(items.first { $0["name"] as? String == "resize" })
                #expect((resize["parameters"] as? [[String: Any]])?.isEmpty == false)
            }
        }
        await stack.close()
    }

    @Test("register, sign in, read the account and the free tier's credits; no token is 401")
    func accountJourney() async throws {
        let stack = try await InProcessStack.start()
        try await Application(router: stack.router).test(.router) { client in
            let email = "edge-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let token = try await Self.registerAndSignIn(client, email: email, password: "correct horse battery")
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"]) {
                #expect($0.status == .ok)
                let account = try Self.json($0.body)
                #expect(account["email"] as? String == email)
            }
            try await client.execute(
                uri: "/api/v1/billing/balance", method: .get, headers: [.authorization: "Bearer \(token)"]
            ) {
                #expect($0.status == .ok)
                let balance = try Self.json($0.body)
                #expect(balance["available"] as? Int == 3)
            }
            try await client.execute(uri: "/api/v1/me", method: .get) {
                #expect($0.status == .unauthorized)
                let error = try Self.json($0.body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "unauthenticated")
            }
        }
        await stack.close()
    }

    /// docs/api.md, "Lockout": the threshold locks for the base time, each further failure doubles it up
    /// to the maximum, and a right password during the lock is refused without extending it.
    @Test("sign-in lockout doubles up to its maximum; a right password during it does not extend it")
    func lockoutDoubling() async throws {
        let stack = try await InProcessStack.start([
            "AUTH_LOCKOUT_THRESHOLD": "3", "AUTH_LOCKOUT_BASE_S": "10", "AUTH_LOCKOUT_MAX_S": "30",
        ])
        let auth = try #require(stack.databases["auth"])
        let email = "lock-\(UUID().uuidString.prefix(6).lowercased())@example.com"
        @Sendable func lockSeconds() async throws -> Double? {
            try await auth.query(
                "SELECT extract(epoch FROM locked_until - last_failure)::float8 AS s FROM throttles WHERE key = $1",
                ["account:\(email)"]
            ).first?.decodeIfPresent("s", as: Double.self)
        }
        @Sendable func lockedUntil() async throws -> String? {
            try await auth.query("SELECT locked_until::text AS t FROM throttles WHERE key = $1", ["account:\(email)"])
                .first?.decode("t", as: String.self)
        }
        try await Application(router: stack.router).test(.router) { client in
            _ = try await Self.registerAndSignIn(client, email: email, password: "correct horse battery")
            var locks: [Double?] = []
            for _ in 0..<5 {
                try await Self.signIn(client, email: email, password: "wrong password!", expect: .unauthorized)
                locks.append(try await lockSeconds())
            }
            // Failures 1–2 lock nothing; the 3rd locks 10 s, then 20 s, then the 30 s maximum.
            #expect(locks[0] == nil && locks[1] == nil, "\(locks)")
            for (lock, want) in zip(locks.dropFirst(2), [10.0, 20.0, 30.0]) {
                #expect(lock.map { abs($0 - want) < 1 } == true, "\(locks)")
            }
            let before = try await lockedUntil()
            try await Self.signIn(client, email: email, password: "correct horse battery", expect: .unauthorized)
            let after = try await lockedUntil()
            #expect(after == before)
        }
        await stack.close()
    }

    /// docs/api.md, "Email addresses".
    @Test("addresses are trimmed and lowercased; non-ASCII and over-long ones are refused")
    func emailAddresses() async throws {
        let stack = try await InProcessStack.start()
        try await Application(router: stack.router).test(.router) { client in
            let local = "Mixed.Case-\(UUID().uuidString.prefix(6))"
            try await client.execute(
                uri: "/api/v1/auth/register", method: .post, headers: [.contentType: "application/json"],
                body: try Self.body(["email": "  \(local)@Example.COM ", "password": "correct horse battery"])
            ) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let account = try Self.json(response.body)
                #expect(account["email"] as? String == "\(local.lowercased())@example.com")
            }
            let tooLong = String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 190) + ".com"
            for address in ["ünï@example.com", tooLong, "no-at-sign"] {
                try await client.execute(
                    uri: "/api/v1/auth/register", method: .post, headers: [.contentType: "application/json"],
                    body: try Self.body(["email": address, "password": "correct horse battery"])
                ) { response in
                    #expect(response.status == .badRequest, "\(address)")
                    let error = try Self.json(response.body)["error"] as? [String: Any]
                    #expect(error?["field"] as? String == "email", "\(address)")
                }
            }
        }
        await stack.close()
    }

    /// docs/api.md, "Admins cannot disable or demote themselves" and "Accounts".
    @Test("an admin cannot disable or demote themselves; a grant to an account Billing never saw is 404")
    func adminGuards() async throws {
        let admin = "admin-\(UUID().uuidString.prefix(6).lowercased())@example.com"
        let stack = try await InProcessStack.start(["AUTH_FIRST_ADMIN_EMAIL": admin])
        try await Application(router: stack.router).test(.router) { client in
            let token = try await Self.registerAndSignIn(client, email: admin, password: "correct horse battery")
            let bearer: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer) {
                try Self.json($0.body)
            }
            #expect(me["role"] as? String == "admin")
            let id = try #require(me["id"] as? String)
            for change: [String: Any] in [["disabled": true], ["role": "user"]] {
                try await client.execute(
                    uri: "/api/v1/admin/users/\(id)", method: .patch, headers: bearer, body: try Self.body(change)
                ) { response in
                    #expect(response.status == .conflict, "\(change)")
                    let error = try Self.json(response.body)["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "own_account")
                }
            }
            let after = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer) {
                try Self.json($0.body)
            }
            #expect(after["role"] as? String == "admin" && after["disabled"] as? Bool == false)
            try await client.execute(
                uri: "/api/v1/admin/billing/grants", method: .post, headers: bearer,
                body: try Self.body([
                    "account_id": UUID().uuidString.lowercased(), "amount": 5, "source": "promotional",
                ])
            ) { #expect($0.status == .notFound, "\(String(buffer: $0.body))") }
            // A NUL in a filter (found by schemathesis) is the caller's bad value, not a server failure.
            try await client.execute(uri: "/api/v1/admin/jobs?owner_id=a%00b", method: .get, headers: bearer) {
                response in
                #expect(response.status == .badRequest, "\(String(buffer: response.body))")
                let error = try Self.json(response.body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "invalid_value")
            }
        }
        await stack.close()
    }

    @Test("a malformed edge setting stops the edge instead of becoming the default")
    func malformedSettingsStopStartUp() async throws {
        for (key, value) in [
            ("EDGE_COOKIE_SECURE", "maybe"), ("EDGE_MAX_JSON_BODY_BYTES", "1MB"), ("EDGE_ACCOUNT_CACHE_MS", "-5"),
        ] {
            await #expect(throws: (any Error).self, "\(key)=\(value)") {
                _ = try await InProcessStack.start([key: value])
            }
        }
    }

    // MARK: helpers

    static func json(_ body: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }

    static func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    /// The new account's access token.
    static func registerAndSignIn(_ client: some TestClientProtocol, email: String, password: String) async throws
        -> String
    {
        try await client.execute(
            uri: "/api/v1/auth/register", method: .post, headers: [.contentType: "application/json"],
            body: try Self.body(["email": email, "password": password])
        ) { #expect($0.status == .created, "\(String(buffer: $0.body))") }
        let answer = try await Self.signIn(client, email: email, password: password, expect: .ok)
        return try #require((answer["tokens"] as? [String: Any])?["access_token"] as? String)
    }

    @discardableResult
    static func signIn(
        _ client: some TestClientProtocol, email: String, password: String, expect status: HTTPResponse.Status
    )
        async throws -> [String: Any]
    {
        try await client.execute(
            uri: "/api/v1/auth/signin", method: .post, headers: [.contentType: "application/json"],
            body: try Self.body(["email": email, "password": password])
        ) { response in
            #expect(response.status == status, "\(String(buffer: response.body))")
            return try Self.json(response.body)
        }
    }
}
