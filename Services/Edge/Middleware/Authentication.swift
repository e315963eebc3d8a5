import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC
import Tokens

/// Who is calling, once verified. Passed to internal services in RPC metadata.
struct VerifiedCaller: Sendable {
    enum Credential: Sendable { case accessToken, apiKey, cookie }

    let userID: String
    let role: String
    /// "*" for signed-in sessions; an API key's own scopes otherwise.
    let scopes: [String]
    /// The session (refresh family) behind an access token.
    let session: String?
    let credential: Credential
    /// The API key, when the caller used one.
    var apiKeyID: String? = nil
    /// Acting on a team's account (TeamAccountMiddleware).
    var isTeam = false

    var isAdmin: Bool { self.role == "admin" }

    /// 403 unless the caller may use `scope` (sessions may use every scope).
    func require(scope: String) throws {
        guard self.scopes.contains("*") || self.scopes.contains(scope) else {
            throw EdgeError(.forbidden, "insufficient_scope", "this API key lacks the scope \(scope)")
        }
    }

    /// 403 unless the caller signed in (an API key cannot manage keys, passwords or accounts).
    func requireSession() throws {
        guard self.credential != .apiKey else {
            throw EdgeError(.forbidden, "session_required", "this route needs a signed-in session, not an API key")
        }
    }

    func requireAdmin() throws {
        try self.requireSession()
        guard self.isAdmin else { throw EdgeError(.forbidden, "admin_only", "this route is for administrators") }
    }

    /// The metadata every internal call on this caller's behalf carries.
    func metadata(requestID: String?) -> RPCMetadata {
        var metadata = RPCMetadata([
            RPCMetadata.callerID: self.userID, RPCMetadata.callerRole: self.role,
            RPCMetadata.callerScopes: self.scopes.joined(separator: " "),
        ])
        metadata.requestID = requestID
        if let session { metadata[RPCMetadata.callerSession] = session }
        if self.isTeam { metadata[RPCMetadata.accountKind] = "team" }
        return metadata
    }
}

/// The one authentication step every route goes through:
/// - `Authorization: Bearer <access token>`: verified here with Auth's public keys (no call);
/// - `Authorization: Bearer isk_…` (an API key): checked with Auth over RPC;
/// - the `isw_access` session cookie: verified like a bearer token, and for unsafe methods only
///   with a matching `X-CSRF-Token` header (double-submit of the `isw_csrf` cookie).
/// No credentials leaves the caller empty (routes that need one answer 401); wrong credentials
/// are a 401 at once, never silently anonymous.
struct Authentication: Sendable {
    typealias Context = EdgeRequestContext
    let keys: PublicKeyCache
    let auth: RPCClient
    let verified: VerifiedTokenCache

    /// The request's verified caller, nil without credentials; wrong credentials throw 401.
    func caller(of request: Request, _ context: Context) async throws -> VerifiedCaller? {
        if let authorization = request.headers.value(of: .authorization) {
            guard authorization.hasPrefix("Bearer "), case let token = String(authorization.dropFirst(7)),
                !token.isEmpty
            else {
                throw EdgeError(
                    .unauthorized, "invalid_authorization", "Authorization must be 'Bearer <token or API key>'")
            }
            return token.hasPrefix("isk_")
                ? try await self.verifyApiKey(token, requestID: context.requestID)
                : try await self.verifyAccessToken(token, credential: .accessToken)
        } else if let cookie = request.cookies[SessionCookies.access]?.value, !cookie.isEmpty {
            if ![.get, .head, .options].contains(request.method) { try SessionCookies.requireCSRF(request) }
            return try await self.verifyAccessToken(cookie, credential: .cookie)
        }
        return nil
    }

    private func verifyAccessToken(_ token: String, credential: VerifiedCaller.Credential) async throws
        -> VerifiedCaller
    {
        if let claims = self.verified.claims(for: token) {
            return VerifiedCaller(
                userID: claims.sub, role: claims.role, scopes: ["*"], session: claims.sid, credential: credential)
        }
        var keys = await self.keys.keySet()
        var claims: AccessTokenClaims
        do {
            claims = try AccessToken.verify(token, keys: keys)
        } catch .unknownKey {
            // Perhaps a key rotated since we last looked: fetch once and try again.
            keys = await self.keys.keySet(missing: Self.keyID(of: token))
            do { claims = try AccessToken.verify(token, keys: keys) } catch { throw Self.refusal(error) }
        } catch {
            throw Self.refusal(error)
        }
        self.verified.remember(token, claims)
        return VerifiedCaller(
            userID: claims.sub, role: claims.role, scopes: ["*"], session: claims.sid, credential: credential)
    }

    private func verifyApiKey(_ key: String, requestID: String?) async throws -> VerifiedCaller {
        var request = AuthVerifyApiKeyRequest()
        request.apiKey = key
        let caller = try await self.auth.unary(
            AuthMethods.verifyApiKey, request,
            options: .init(
                timeout: .seconds(5), metadata: RPCMetadata(requestID.map { [RPCMetadata.requestID: $0] } ?? [:]))
        )
        return VerifiedCaller(
            userID: caller.userID, role: caller.role, scopes: caller.scopes, session: nil, credential: .apiKey,
            apiKeyID: caller.apiKeyID.isEmpty ? nil : caller.apiKeyID)
    }

    private static func refusal(_ failure: AccessToken.Failure) -> EdgeError {
        let code = failure == .expired ? "token_expired" : "invalid_token"
        return EdgeError(.unauthorized, code, failure.description)
    }

    private static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".").first, let bytes = Base64URL.decode(header),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}
