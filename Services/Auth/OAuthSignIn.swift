import Crypto
import Curl
import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime
import Tokens

/// Sign-in with Google or GitHub: the authorization-code flow with PKCE (S256). Start stores a
/// single-use state (as SHA-256) with its code verifier and returns the provider's consent URL;
/// finish uses up the state, exchanges the code through libcurl, reads the provider's identity, and
/// signs in the linked account — linking by verified email, or creating one — exactly as a
/// password sign-in does afterwards.
struct OAuthSignIn: Sendable {
    let providers: [String: OAuthProvider]
    let database: PostgresPool
    let sessions: Sessions
    let http: CurlClient
    let publicURL: String
    static let stateLifetime = 600

    func start(_ providerName: String) async throws -> AuthOAuthStartResponse {
        let provider = try self.provider(providerName)
        let state = OpaqueToken.generate()
        let verifier = OpaqueToken.generate()
        let challenge = Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
        try await self.database.execute(
            """
            INSERT INTO oauth_states (state_hash, provider, verifier, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
            """, [OpaqueToken.digest(state), provider.name, verifier, Self.stateLifetime])
        var components = URLComponents(string: provider.authorizeURL)
        let existing = components?.queryItems ?? []
        components?.queryItems =
            existing + [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: provider.clientID),
                URLQueryItem(name: "redirect_uri", value: self.redirectURI(provider)),
                URLQueryItem(name: "scope", value: provider.scope),
                URLQueryItem(name: "state", value: state), URLQueryItem(name: "code_challenge", value: challenge),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        guard let url = components?.url?.absoluteString else {
            throw failure.internalError("bad authorize URL for \(provider.name)")
        }
        var response = AuthOAuthStartResponse()
        response.authorizeURL = url
        response.state = state
        return response
    }

    func finish(_ request: AuthOAuthFinishRequest) async throws -> AuthSignInResponse {
        let provider = try self.provider(request.provider)
        guard request.state.utf8.count <= 128, request.code.utf8.count <= 2048, !request.code.isEmpty else {
            throw Self.failed("bad callback")
        }
        guard
            let row = try await self.database.query(
                """
                DELETE FROM oauth_states WHERE state_hash = $1 AND provider = $2 AND expires_at > now() RETURNING verifier
                """, [OpaqueToken.digest(request.state), provider.name]
            ).first
        else { throw Self.failed("the sign-in link is unknown, used or expired; start again") }
        let verifier: String = try row.decode("verifier")
        let accessToken = try await self.exchange(request.code, verifier: verifier, provider: provider)
        let identity = try await self.identity(provider, accessToken: accessToken)
        let account = try await self.account(for: identity, provider: provider)
        guard !account.disabled else { throw failure.invalidCredentials }
        try await AccountService.recordSignIn(
            account.id, Validation.printable(request.clientIp, maxLength: 64),
            Validation.printable(request.userAgent, maxLength: 256),
            succeeded: true, in: self.database
        )
        var response = AuthSignInResponse()
        response.account = account.message
        response.tokens = try await self.database.transaction { try await self.sessions.start(for: account, in: $0) }
        return response
    }

    func redirectURI(_ provider: OAuthProvider) -> String {
        "\(self.publicURL)/api/v1/auth/oauth/\(provider.name)/callback"
    }

    private func provider(_ name: String) throws -> OAuthProvider {
        guard let provider = self.providers[name] else {
            throw failure.notFound("sign-in provider '\(name.prefix(20))'")
        }
        return provider
    }

    static func failed(_ message: String) -> Error { failure.error(.unauthenticated, "oauth_failed", message) }

    private func exchange(_ code: String, verifier: String, provider: OAuthProvider) async throws -> String {
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", self.redirectURI(provider)),
            ("client_id", provider.clientID), ("client_secret", provider.clientSecret), ("code_verifier", verifier),
        ]
        .map { "\($0.0)=\(Self.formEscape($0.1))" }.joined(separator: "&")
        let response = try await self.call(
            CurlRequest(
                method: "POST", url: provider.tokenURL,
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                    ("User-Agent", "ImageSwiss"),
                ],
                body: Array(form.utf8)
            ))
        let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        // GitHub answers a refused exchange with 200 and {"error": "bad_verification_code", …}.
        if let refusal = json?["error"] as? String {
            throw Self.failed("\(provider.name) refused the sign-in: \(refusal.prefix(64))")
        }
        guard response.status == 200, let token = json?["access_token"] as? String, !token.isEmpty else {
            throw Self.failed("\(provider.name) refused the sign-in (token exchange answered \(response.status))")
        }
        return token
    }

    private func identity(_ provider: OAuthProvider, accessToken: String) async throws -> OAuthIdentity {
        let headers = [
            ("Authorization", "Bearer \(accessToken)"), ("Accept", "application/json"), ("User-Agent", "ImageSwiss"),
        ]
        let user = try await self.json(CurlRequest(url: provider.userURL, headers: headers), provider)
        switch provider.kind {
        case .google:
            guard let subject = user["sub"] as? String else { throw Self.failed("google sent no user id") }
            let verified = (user["email_verified"] as? Bool) == true || (user["email_verified"] as? String) == "true"
            return OAuthIdentity(
                subject: subject, verifiedEmail: verified ? user["email"] as? String : nil,
                name: user["name"] as? String ?? "")
        case .github:
            guard let id = user["id"] as? Int else { throw Self.failed("github sent no user id") }
            var email: String?
            if let emailsURL = provider.emailsURL {
                let response = try await self.call(CurlRequest(url: emailsURL, headers: headers))
                let emails = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]) ?? []
                email =
                    emails.first { $0["primary"] as? Bool == true && $0["verified"] as? Bool == true }?["email"]
                    as? String
            }
            return OAuthIdentity(
                subject: String(id), verifiedEmail: email,
                name: (user["name"] as? String) ?? (user["login"] as? String) ?? "")
        }
    }

    /// The linked account; else the account with the same verified address (now linked); else a new one.
    private func account(for identity: OAuthIdentity, provider: OAuthProvider) async throws -> AccountRecord {
        try await self.database.transaction { session in
            if let linked = try await session.query(
                "SELECT user_id FROM oauth_identities WHERE provider = $1 AND subject = $2",
                [provider.name, identity.subject]
            ).first,
                let account = try await AccountRecord.find(id: try linked.decode("user_id"), in: session)
            {
                return account
            }
            guard let raw = identity.verifiedEmail, let email = Validation.normalizedEmail(raw) else {
                throw Self.failed("\(provider.name) did not share a verified email address")
            }
            var account = try await AccountRecord.find(email: email, in: session)
            if account == nil {
                let id = UUID()
                let name =
                    (try? Validation.displayName(String(identity.name.prefix(Validation.maxDisplayNameLength)))) ?? ""
                // No password yet: "!" is never an argon2 hash, so password sign-in fails until a reset sets one.
                try await session.execute(
                    """
                    INSERT INTO accounts (id, email, password_hash, display_name, email_verified) VALUES ($1, $2, '!oauth', $3, true)
                    """, [id, email, name])
                account = try await AccountRecord.find(id: id, in: session)
            } else {
                try await session.execute("UPDATE accounts SET email_verified = true WHERE email = $1", [email])
            }
            guard let account else { throw failure.internalError("account vanished") }
            try await session.execute(
                "INSERT INTO oauth_identities (provider, subject, user_id, email) VALUES ($1, $2, $3, $4)",
                [provider.name, identity.subject, account.id, email]
            )
            return account
        }
    }

    private func json(_ request: CurlRequest, _ provider: OAuthProvider) async throws -> [String: Any] {
        let response = try await self.call(request)
        guard response.status == 200,
            let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else {
            throw Self.failed("\(provider.name) did not say who you are (answered \(response.status))")
        }
        return json
    }

    private func call(_ request: CurlRequest) async throws -> CurlResponse {
        do { return try await self.http.send(request) } catch let error as CurlError {
            throw failure.error(
                .unavailable, "provider_unreachable", "the sign-in provider could not be reached: \(error)")
        }
    }

    static func formEscape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
