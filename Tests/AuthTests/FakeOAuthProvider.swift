import Crypto
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import TestSupport
import Tokens

/// A local server that speaks Google's and GitHub's OAuth endpoints (authorize, token exchange
/// with PKCE S256, userinfo, /user, /user/emails), for the sign-in tests. Users are chosen by an
/// extra `as` parameter on the authorize URL, standing in for the person clicking "allow". A refused
/// token exchange is answered as each provider does: Google 400 `invalid_grant`, GitHub 200 `{"error"}`.
final class FakeOAuthProvider: Sendable {
    struct User: Sendable {
        let subject: String
        let email: String
        let verified: Bool
        let name: String
    }

    private struct Grant: Sendable {
        let user: User
        let challenge: String
        let redirectURI: String
    }

    static let clientID = "imageswiss-test-client"
    static let clientSecret = "imageswiss-test-secret"
    let users: [String: User]
    private let grants = NIOLockedValueBox([String: Grant]())
    private let tokens = NIOLockedValueBox([String: User]())
    let port: Int
    private let task: Task<Void, Error>

    init(port: Int, users: [String: User]) async throws {
        self.port = port
        self.users = users
        let grants = self.grants
        let tokens = self.tokens
        let router = Router()
        // One route per flavour: Hummingbird's trie does not backtrack from /google/userinfo to /:flavour/….
        for flavour in ["google", "github"] {
            router.get("/\(flavour)/authorize") { request, _ -> Response in
                let query = request.uri.queryParameters
                guard query["client_id"].map(String.init) == Self.clientID, query["code_challenge_method"] == "S256",
                    let challenge = query["code_challenge"].map(String.init),
                    let redirect = query["redirect_uri"].map(String.init),
                    let state = query["state"].map(String.init), let user = query["as"].flatMap({ users[String($0)] })
                else { return Response(status: .badRequest) }
                let code = OpaqueToken.generate()
                grants.withLockedValue { $0[code] = Grant(user: user, challenge: challenge, redirectURI: redirect) }
                let location = "\(redirect)?code=\(code)&state=\(state)"
                return Response(status: .found, headers: [.location: location])
            }
            router.post("/\(flavour)/token") { request, context -> Response in
                let body = String(buffer: try await request.body.collect(upTo: 65536))
                var form: [String: String] = [:]
                for pair in body.split(separator: "&") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map {
                        String($0).removingPercentEncoding ?? String($0)
                    }
                    if parts.count == 2 { form[parts[0]] = parts[1] }
                }
                let grant = grants.withLockedValue { grants in form["code"].flatMap { grants.removeValue(forKey: $0) } }
                guard form["client_id"] == Self.clientID, form["client_secret"] == Self.clientSecret,
                    form["grant_type"] == "authorization_code",
                    let grant, form["redirect_uri"] == grant.redirectURI, let verifier = form["code_verifier"],
                    Base64URL.encode(SHA256.hash(data: Array(verifier.utf8))) == grant.challenge
                else {
                    // Google answers 400 invalid_grant; GitHub answers 200 with the error in the body.
                    if flavour == "github" {
                        return Self.json([
                            "error": "bad_verification_code",
                            "error_description": "The code passed is incorrect or expired.",
                        ])
                    }
                    return Response(
                        status: .badRequest, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"error":"invalid_grant"}"#)))
                }
                let token = OpaqueToken.generate()
                tokens.withLockedValue { $0[token] = grant.user }
                return Self.json(["access_token": token, "token_type": "bearer"])
            }
        }
        router.get("/google/userinfo") { request, _ -> Response in
            guard let user = Self.bearer(request, tokens) else { return Response(status: .unauthorized) }
            return Self.json([
                "sub": user.subject, "email": user.email, "email_verified": user.verified, "name": user.name,
            ])
        }
        router.get("/github/user") { request, _ -> Response in
            guard let user = Self.bearer(request, tokens) else { return Response(status: .unauthorized) }
            return Self.json(["id": Int(user.subject)!, "login": user.name.lowercased(), "name": user.name])
        }
        router.get("/github/user/emails") { request, _ -> Response in
            guard let user = Self.bearer(request, tokens) else { return Response(status: .unauthorized) }
            let emails: [[String: Any]] = [
                ["email": "old-\(user.email)", "primary": false, "verified": true],
                ["email": user.email, "primary": true, "verified": user.verified],
            ]
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: emails))))
        }
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    func stop() { self.task.cancel() }

    /// The environment that points Auth at this server.
    func environment() -> [String: String] {
        var environment: [String: String] = [:]
        for flavour in ["google", "github"] {
            let prefix = "AUTH_OAUTH_\(flavour.uppercased())_"
            environment[prefix + "CLIENT_ID"] = Self.clientID
            environment[prefix + "CLIENT_SECRET"] = Self.clientSecret
            environment[prefix + "AUTHORIZE_URL"] = "http://127.0.0.1:\(self.port)/\(flavour)/authorize"
            environment[prefix + "TOKEN_URL"] = "http://127.0.0.1:\(self.port)/\(flavour)/token"
        }
        environment["AUTH_OAUTH_GOOGLE_USER_URL"] = "http://127.0.0.1:\(self.port)/google/userinfo"
        environment["AUTH_OAUTH_GITHUB_USER_URL"] = "http://127.0.0.1:\(self.port)/github/user"
        environment["AUTH_OAUTH_GITHUB_EMAILS_URL"] = "http://127.0.0.1:\(self.port)/github/user/emails"
        return environment
    }

    private static func bearer(_ request: Request, _ tokens: NIOLockedValueBox<[String: User]>) -> User? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return tokens.withLockedValue { $0[String(header.dropFirst(7))] }
    }

    private static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
