import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP answer, as tests look at it.
public struct HTTPReply: Sendable {
    public let status: Int
    public let body: Data
    /// Header names lowercased.
    public let headers: [String: String]

    public init(status: Int, body: Data, headers: [String: String]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: self.body) as? [String: Any]) ?? [:] }
    public var text: String { String(decoding: self.body, as: UTF8.self) }
    public var errorCode: String? { (self.json["error"] as? [String: Any])?["code"] as? String }
    /// Set-Cookie values by cookie name.
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for part in (self.headers["set-cookie"] ?? "").components(separatedBy: ", ") {
            let pair = part.split(separator: ";").first.map(String.init) ?? ""
            if let equals = pair.firstIndex(of: "=") {
                cookies[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
        }
        return cookies
    }
    public var setCookieHeader: String { self.headers["set-cookie"] ?? "" }
}

/// HTTP to a test stack's edge: no cookies kept, redirects optional, JSON helpers.
public struct HTTPTestClient: Sendable {
    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    /// The edge's port.
    public var port: Int { URL(string: self.baseURL)?.port ?? 80 }

    private static func makeSession(followRedirects: Bool) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.timeoutIntervalForRequest = 60
        // Every request reaches the server: tests check what it answers, not a cached copy.
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(
            configuration: configuration, delegate: followRedirects ? nil : NoRedirects(), delegateQueue: nil)
    }
    private static let session = makeSession(followRedirects: true)
    private static let noRedirectSession = makeSession(followRedirects: false)

    /// A GET anywhere (a fake provider…), redirects not followed.
    public static func get(_ url: String) async throws -> HTTPReply {
        try await Self.send(URLRequest(url: URL(string: url)!), followRedirects: false)
    }

    public static func send(_ request: URLRequest, followRedirects: Bool) async throws -> HTTPReply {
        let (data, response) = try await (followRedirects ? Self.session : Self.noRedirectSession).data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
        return HTTPReply(status: http.statusCode, body: data, headers: headers)
    }

    /// One request; `json` is serialised, `raw` sent as is (as JSON unless headers say otherwise).
    public func call(
        _ method: String, _ path: String, json: Any? = nil, raw: Data? = nil, bearer: String? = nil,
        headers: [String: String] = [:], followRedirects: Bool = true, timeout: TimeInterval? = nil
    ) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: self.baseURL + path)!)
        request.httpMethod = method
        if let timeout { request.timeoutInterval = timeout }
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

    /// Uploads `bytes` as one file (POST /api/v1/files); answers its id.
    public func upload(_ bytes: [UInt8], name: String, token: String) async throws -> String {
        let reply = try await self.call(
            "POST", "/api/v1/files", raw: Data(bytes), bearer: token,
            headers: ["Content-Type": "application/octet-stream", "X-File-Name": name])
        guard reply.status == 201, let id = reply.json["id"] as? String else {
            throw TestSupportError("upload: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// Submits a batch of `inputs` × `steps` and waits until it succeeded; answers its id (throws when
    /// it ends otherwise or takes longer than `timeout`).
    public func succeededBatch(
        _ inputs: [String], steps: [[String: Any]], token: String, timeout: Duration = .seconds(60)
    ) async throws -> String {
        let batch = try await self.call(
            "POST", "/api/v1/batches", json: ["input_file_ids": inputs, "steps": steps], bearer: token)
        guard let id = batch.json["id"] as? String else { throw TestSupportError("batch: \(batch.text)") }
        let end = ContinuousClock.now + timeout
        while true {
            let status = try await self.call("GET", "/api/v1/batches/\(id)", bearer: token).json["status"] as? String
            if status == "succeeded" { return id }
            guard ["queued", "running"].contains(status ?? ""), ContinuousClock.now < end else {
                throw TestSupportError("batch \(id) ended \(status ?? "?") or took too long")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Registers and signs in; returns (user id, access token, refresh token).
    public func signedInUser(_ email: String, password: String = "correct horse battery staple") async throws -> (
        id: String, access: String, refresh: String
    ) {
        let registered = try await self.call(
            "POST", "/api/v1/auth/register", json: ["email": email, "password": password])
        guard registered.status == 201 else {
            throw TestSupportError("register \(email): \(registered.status) \(registered.text)")
        }
        let signedIn = try await self.call("POST", "/api/v1/auth/signin", json: ["email": email, "password": password])
        guard signedIn.status == 200, let tokens = signedIn.json["tokens"] as? [String: Any] else {
            throw TestSupportError("sign in \(email): \(signedIn.status) \(signedIn.text)")
        }
        return (registered.json["id"] as! String, tokens["access_token"] as! String, tokens["refresh_token"] as! String)
    }
}

/// Hands redirects back to the test instead of following them.
final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
