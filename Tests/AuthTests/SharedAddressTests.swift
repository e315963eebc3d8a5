import Foundation
import Postgres
import TestSupport
import Testing

/// Many people share one address (an office, a carrier's NAT, an ingress in front of the edge): what
/// one of them does there must not lock out or rate-limit the others.
@Suite("one address, many people", .serialized)
struct SharedAddressTests {
    /// A thousand wrong passwords from one address over fifty accounts lock the address, yet a user
    /// behind it whose own account never failed signs in at once; the accounts that were guessed at
    /// stay shut. The test client plays a trusted proxy, so the address is the X-Forwarded-For hop.
    @Test func wrongPasswordsFromOneAddressDoNotLockOutItsOtherUsers() async throws {
        let stack = try await AuthStack.start([
            "EDGE_TRUSTED_PROXIES": "127.0.0.1/32", "EDGE_RATE_LIMIT_IP_PER_S": "100000",
            "EDGE_RATE_LIMIT_IP_BURST": "100000", "AUTH_ARGON2_MEMORY_KIB": "8192", "AUTH_ARGON2_ITERATIONS": "1",
        ])
        defer { Task { await stack.stop() } }
        let office = "203.0.113.7"
        let password = "correct horse battery staple"
        let colleague = try await stack.signedInUser("colleague@example.com", password: password)
        _ = try await stack.signedInUser("typo@example.com", password: password)
        let victims = (0..<20).map { "victim\($0)@example.com" }
        for victim in victims { _ = try await stack.signedInUser(victim, password: password) }
        let targets = victims + (0..<30).map { "nobody\($0)@example.com" }

        func signIn(_ email: String, _ password: String, from address: String) async throws -> Int {
            try await stack.call(
                "POST", "/api/v1/auth/signin", json: ["email": email, "password": password],
                headers: ["X-Forwarded-For": address]
            ).status
        }
        var statuses: [Int: Int] = [:]
        for round in 0..<(1_000 / 8) {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for lane in 0..<8 {
                    let target = targets[(round * 8 + lane) % targets.count]
                    group.addTask { try await signIn(target, "wrong guess \(round)", from: office) }
                }
                for try await status in group { statuses[status, default: 0] += 1 }
            }
        }
        #expect(statuses == [401: 1_000])
        let addressLocked = try await stack.database.query(
            "SELECT locked_until > now() AS locked FROM throttles WHERE key = $1", ["ip:\(office)"]
        ).first?.decode("locked", as: Bool.self)
        #expect(addressLocked == true)

        // The colleague never failed: the right password works at once, from the same address.
        let clock = ContinuousClock()
        var status = 0
        let took = try await clock.measure {
            status = try await signIn("colleague@example.com", password, from: office)
        }
        #expect(status == 200)
        print("colleague signed in from the locked address in \(took)")
        // An account that fails once from the locked address gets no second guess from there, even
        // with its right password; from anywhere else it is not locked (one failure is under the threshold).
        #expect(try await signIn("typo@example.com", "a typo in it", from: office) == 401)
        #expect(try await signIn("typo@example.com", password, from: office) == 401)
        #expect(try await signIn("typo@example.com", password, from: "198.51.100.20") == 200)
        // The accounts guessed at twenty times are locked wherever their owners are.
        #expect(try await signIn(victims[0], password, from: "198.51.100.21") == 401)
        // The history records the client's address, not the proxy's.
        let recorded = try await stack.database.query(
            "SELECT client_ip FROM sign_ins WHERE user_id = $1::uuid AND succeeded ORDER BY at DESC LIMIT 1",
            [colleague.id]
        ).first?.decode("client_ip", as: String.self)
        #expect(recorded == office)
    }

    /// Behind nginx as a trusted proxy, two clients get a rate limit each; a header a client forges
    /// changes nothing, whether it goes through nginx or straight to the edge.
    @Test func behindNginxTwoClientsAreLimitedApart() async throws {
        let stack = try await AuthStack.start([
            "EDGE_TRUSTED_PROXIES": "127.0.0.2/32", "EDGE_RATE_LIMIT_IP_PER_S": "1", "EDGE_RATE_LIMIT_IP_BURST": "3",
        ])
        defer { Task { await stack.stop() } }
        let nginx = try await Nginx.start(upstream: stack.stack.http.baseURL, bindingFrom: "127.0.0.2")
        defer { nginx.stop() }

        /// GET /api/v1/me without credentials: 401 when admitted, 429 when limited.
        func get(from source: String, via base: String, forging: String? = nil) async throws -> Int {
            var arguments = [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", source, "\(base)/api/v1/me",
            ]
            if let forging { arguments += ["-H", "X-Forwarded-For: \(forging)"] }
            let result = try await runWithStatus("/usr/bin/curl", arguments, mustSucceed: true)
            return Int(result.output) ?? 0
        }
        var first: [Int] = []
        for _ in 0..<8 { first.append(try await get(from: "127.0.0.1", via: nginx.baseURL)) }
        #expect(first.prefix(3).allSatisfy { $0 == 401 }, "\(first)")
        #expect(first.contains(429), "\(first)")
        // Another client behind the same proxy has its own budget.
        #expect(try await get(from: "127.0.0.3", via: nginx.baseURL) == 401)
        // Client 1 cannot escape by claiming another address, through nginx or past it.
        #expect(try await get(from: "127.0.0.1", via: nginx.baseURL, forging: "198.51.100.1") == 429)
        #expect(try await get(from: "127.0.0.1", via: stack.stack.http.baseURL, forging: "198.51.100.2") == 429)
    }
}

/// Debian's nginx as a reverse proxy in front of the edge, on a free port of its own, connecting to
/// the edge from `bindingFrom` and appending the client's address to X-Forwarded-For.
struct Nginx {
    let process: ChildProcess
    let baseURL: String

    static func start(upstream: String, bindingFrom source: String) async throws -> Nginx {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nginx-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try freePort()
        let configuration = """
            daemon off;
            master_process off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        proxy_pass \(upstream);
                        proxy_bind \(source);
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    }
                }
            }
            """
        try configuration.write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        let process = try ChildProcess.spawn(
            "/usr/sbin/nginx", ["-p", directory, "-c", "\(directory)/nginx.conf"], outputPath: "\(directory)/out.log")
        let nginx = Nginx(process: process, baseURL: "http://127.0.0.1:\(port)")
        try await waitUntil(timeout: .seconds(10)) {
            (try? await runWithStatus("/usr/bin/curl", ["-s", "-o", "/dev/null", nginx.baseURL + "/livez"]))?.status
                == 0
        }
        return nginx
    }

    func stop() {
        self.process.signal(SIGTERM)
        _ = self.process.waitSync()
    }
}
