import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Postgres
import TestSupport

/// Auth and Edge as real processes on free ports, with a fresh Auth database and a mail folder.
struct AuthStack {
    let auth: ChildProcess
    let edge: ChildProcess
    let baseURL: String
    let database: PostgresPool
    let mailDirectory: String
    let authRPCPort: Int

    static let adminEmail = "root@imageswiss.test"

    static func start(_ extra: [String: String] = [:]) async throws -> AuthStack {
        let products = try buildProductsDirectory()
        let databaseURL = try await TestPostgres.shared().makeDatabase(prefix: "auth")
        let authPort = try freePort(), httpPort = try freePort()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("authstack-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "LOG_LEVEL": "info",
            "AUTH_DATABASE_URL": databaseURL, "AUTH_RPC_PORT": "\(authPort)", "AUTH_METRICS_PORT": "0",
            "AUTH_MAIL_DIR": scratch + "/mail", "AUTH_MAIL_POLL_MS": "100", "AUTH_FIRST_ADMIN_EMAIL": Self.adminEmail,
            "AUTH_PUBLIC_URL": "https://app.imageswiss.test",
            "AUTH_RPC_ADDRESSES": "127.0.0.1:\(authPort)", "EDGE_HTTP_PORT": "\(httpPort)", "EDGE_METRICS_PORT": "0",
            "EDGE_RPC_PORT": "\(try freePort())",
        ]) { _, new in new }
        environment.merge(extra) { _, new in new }
        let auth = try ChildProcess.spawn(products + "/imageswiss-auth", [], environment: environment, outputPath: scratch + "/auth.log")
        let edge = try ChildProcess.spawn(products + "/imageswiss-edge", [], environment: environment, outputPath: scratch + "/edge.log")
        let stack = AuthStack(
            auth: auth, edge: edge, baseURL: "http://127.0.0.1:\(httpPort)",
            database: PostgresPool(configuration: .init(url: databaseURL, poolSize: 2)), mailDirectory: scratch + "/mail", authRPCPort: authPort
        )
        try await stack.waitUntilReady()
        return stack
    }

    /// Ready when Auth answers its probe and the edge answers HTTP.
    func waitUntilReady() async throws {
        let end = ContinuousClock.now + .seconds(60)
        let products = try buildProductsDirectory()
        while try await runWithStatus(products + "/imageswiss-probe", ["--timeout-ms", "500", "127.0.0.1:\(self.authRPCPort)"]).status != 0 {
            guard self.auth.isRunning, ContinuousClock.now < end else { throw TestSupportError("auth did not start: \(self.auth.output)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        while (try? await self.call("GET", "/healthz")) == nil {
            guard self.edge.isRunning, ContinuousClock.now < end else { throw TestSupportError("edge did not start: \(self.edge.output)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    func stop() async {
        for process in [self.edge, self.auth] where process.isRunning {
            process.signal(SIGTERM)
            _ = try? await process.wait()
        }
        await self.database.close()
    }

    struct Reply: Sendable {
        let status: Int
        let body: Data
        let headers: [String: String]

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: self.body) as? [String: Any]) ?? [:] }
        var errorCode: String? { (self.json["error"] as? [String: Any])?["code"] as? String }
        /// Set-Cookie values by cookie name.
        var cookies: [String: String] {
            var cookies: [String: String] = [:]
            for part in (self.headers["set-cookie"] ?? "").components(separatedBy: ", ") {
                let pair = part.split(separator: ";").first.map(String.init) ?? ""
                if let equals = pair.firstIndex(of: "=") { cookies[String(pair[..<equals])] = String(pair[pair.index(after: equals)...]) }
            }
            return cookies
        }
        var setCookieHeader: String { self.headers["set-cookie"] ?? "" }
    }

    private static func makeSession(followRedirects: Bool) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.timeoutIntervalForRequest = 30
        return URLSession(configuration: configuration, delegate: followRedirects ? nil : NoRedirects(), delegateQueue: nil)
    }
    private static let session = makeSession(followRedirects: true)
    private static let noRedirectSession = makeSession(followRedirects: false)

    /// A GET anywhere (the fake provider), redirects not followed.
    static func get(_ url: String) async throws -> Reply {
        try await Self.send(URLRequest(url: URL(string: url)!), followRedirects: false)
    }

    private static func send(_ request: URLRequest, followRedirects: Bool) async throws -> Reply {
        let (data, response) = try await (followRedirects ? Self.session : Self.noRedirectSession).data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, body: data, headers: headers)
    }

    /// One HTTP request; `json` is serialised, `raw` sent as is.
    func call(_ method: String, _ path: String, json: Any? = nil, raw: Data? = nil, bearer: String? = nil,
              headers: [String: String] = [:], followRedirects: Bool = true) async throws -> Reply {
        var request = URLRequest(url: URL(string: self.baseURL + path)!)
        request.httpMethod = method
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let raw {
            request.httpBody = raw
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await Self.send(request, followRedirects: followRedirects)
    }

    /// Registers and signs in; returns (user id, access token, refresh token).
    func signedInUser(_ email: String, password: String = "correct horse battery staple") async throws -> (id: String, access: String, refresh: String) {
        let registered = try await self.call("POST", "/api/v1/auth/register", json: ["email": email, "password": password])
        guard registered.status == 201 else { throw TestSupportError("register \(email): \(registered.status) \(String(decoding: registered.body, as: UTF8.self))") }
        let signedIn = try await self.call("POST", "/api/v1/auth/signin", json: ["email": email, "password": password])
        guard signedIn.status == 200, let tokens = signedIn.json["tokens"] as? [String: Any] else {
            throw TestSupportError("sign in \(email): \(signedIn.status) \(String(decoding: signedIn.body, as: UTF8.self))")
        }
        return (registered.json["id"] as! String, tokens["access_token"] as! String, tokens["refresh_token"] as! String)
    }

    /// Mails written to the outbox folder so far, as text, waiting up to 5 s for at least `count`.
    func mails(atLeast count: Int) async throws -> [String] {
        let end = ContinuousClock.now + .seconds(5)
        while true {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: self.mailDirectory)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
            if names.count >= count || ContinuousClock.now > end {
                return try names.map { try String(contentsOfFile: self.mailDirectory + "/" + $0, encoding: .utf8) }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func count(_ table: String) async throws -> Int {
        try await self.database.query("SELECT count(*) AS n FROM \(table)").first!.decode("n", as: Int.self)
    }
}

/// Hands redirects back to the test instead of following them.
final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
