import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import Tokens

/// Sign-in sessions: an access token (a signed JWT the edge verifies alone) and a refresh token
/// (opaque, stored as SHA-256) per session. Each session is a refresh-token family: every refresh
/// uses up the presented token and issues the next; a used token presented again means it was
/// copied, so the whole family is revoked.
struct Sessions: Sendable {
    let database: PostgresPool
    let keys: SigningKeys
    let configuration: AuthConfiguration

    /// Starts a new session for `account`.
    func start(for account: AccountRecord, in session: PostgresSession) async throws -> AuthTokenPair {
        try await self.issue(userID: account.id, role: account.role, family: UUID(), in: session)
    }

    /// Trades a refresh token for a new pair. Reuse of a used token revokes the family.
    func refresh(_ token: String) async throws -> AuthTokenPair {
        enum Outcome: Sendable {
            case issued(AuthTokenPair)
            case reused, invalid
        }
        let digest = OpaqueToken.digest(token)
        let outcome: Outcome = try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    """
                    SELECT family_id, user_id, expires_at > now() AS live, used_at IS NOT NULL AS used
                    FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE
                    """, [digest]
                ).first
            else { return .invalid }
            let family: UUID = try row.decode("family_id")
            let userID: UUID = try row.decode("user_id")
            let revoked = try await session.query("SELECT 1 FROM revoked_families WHERE family_id = $1", [family])
            guard revoked.isEmpty else { return .invalid }
            if try row.decode("used", as: Bool.self) {
                try await Self.revoke(family: family, userID: userID, reason: "refresh token reused", in: session)
                return .reused  // committed: the revocation must stick
            }
            guard try row.decode("live", as: Bool.self),
                let account = try await AccountRecord.find(id: userID, in: session), !account.disabled
            else { return .invalid }
            try await session.execute("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", [digest])
            return .issued(try await self.issue(userID: userID, role: account.role, family: family, in: session))
        }
        guard case .issued(let pair) = outcome else { throw failure.invalidRefreshToken }
        return pair
    }

    /// Ends the session the refresh token belongs to. Unknown tokens end nothing and are not an error.
    func signOut(_ token: String) async throws {
        try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    "SELECT family_id, user_id FROM refresh_tokens WHERE token_hash = $1", [OpaqueToken.digest(token)]
                ).first
            else { return }
            try await Self.revoke(
                family: try row.decode("family_id"), userID: try row.decode("user_id"), reason: "signed out",
                in: session)
        }
    }

    /// Revokes every session of a user, but `keeping` (the caller's own session, on a password change).
    static func revokeAll(of userID: UUID, keeping: UUID? = nil, reason: String, in session: PostgresSession)
        async throws
    {
        try await session.execute(
            """
            INSERT INTO revoked_families (family_id, user_id, reason)
            SELECT DISTINCT family_id, user_id, $2 FROM refresh_tokens
            WHERE user_id = $1 AND family_id IS DISTINCT FROM $3
            ON CONFLICT (family_id) DO NOTHING
            """, [userID, reason, keeping])
    }

    private static func revoke(family: UUID, userID: UUID, reason: String, in session: PostgresSession) async throws {
        try await session.execute(
            "INSERT INTO revoked_families (family_id, user_id, reason) VALUES ($1, $2, $3) ON CONFLICT (family_id) DO NOTHING",
            [family, userID, reason]
        )
    }

    private func issue(userID: UUID, role: String, family: UUID, in session: PostgresSession) async throws
        -> AuthTokenPair
    {
        let now = Int64(Date().timeIntervalSince1970)
        let refreshToken = OpaqueToken.generate(prefix: "isr_")
        let refreshExpires = now + self.configuration.refreshTokenTTL.seconds
        try await session.execute(
            """
            INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, to_timestamp($4))
            """, [OpaqueToken.digest(refreshToken), family, userID, Int(refreshExpires)])
        let accessExpires = now + self.configuration.accessTokenTTL.seconds
        let claims = AccessTokenClaims(
            sub: userID.uuidString.lowercased(), role: role, sid: family.uuidString.lowercased(), iat: now,
            exp: accessExpires)
        var pair = AuthTokenPair()
        pair.accessToken = try await self.keys.sign(claims)
        pair.refreshToken = refreshToken
        pair.accessExpiresAt = .seconds(accessExpires)
        pair.refreshExpiresAt = .seconds(refreshExpires)
        return pair
    }
}
