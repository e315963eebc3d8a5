import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime
import Tokens

/// API keys for scripts: `isk_<8 visible characters>_<secret>`. Shown once at creation; stored as
/// SHA-256 with the visible prefix, so a list can show which key is which. Usable wherever a
/// bearer token is, limited to the key's scopes.
struct ApiKeys: Sendable {
    let database: PostgresPool
    let idempotency: IdempotentCalls

    /// What a key may be allowed to do. Keys never manage keys, accounts or other users.
    static let scopes: Set<String> = [
        "profile:read", "files:read", "files:write", "jobs:read", "jobs:write", "billing:read",
    ]
    static let maxKeysPerUser = 50
    /// The longest expiry a key may be given, and the most days of usage one answer holds.
    static let maxExpiryDays: UInt32 = 3650
    static let maxUsageDays: UInt32 = 90

    func create(for caller: UUID, _ request: AuthCreateApiKeyRequest) async throws -> AuthCreateApiKeyResponse {
        let name = try Validation.displayName(request.name)
        guard !name.isEmpty else { throw failure.invalid("name", "a key needs a name") }
        guard request.expiresInDays <= Self.maxExpiryDays else {
            throw failure.invalid("expires_in_days", "0 (never) to \(Self.maxExpiryDays) days")
        }
        let requested = request.scopes.isEmpty ? Self.scopes : Set(request.scopes)
        guard requested.isSubset(of: Self.scopes) else {
            throw failure.invalid(
                "scopes",
                "unknown scope(s) \(requested.subtracting(Self.scopes).sorted()); allowed: \(Self.scopes.sorted())")
        }
        return try await self.idempotency.run(
            caller: caller.uuidString, method: "CreateApiKey", key: request.idempotencyKey, request: request,
            stored: Self.withoutSecret
        ) { session in
            let count =
                try await session.query(
                    """
                    SELECT count(*) AS n FROM api_keys
                    WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
                    """, [caller]
                )
                .first?.decode("n", as: Int.self) ?? 0
            guard count < Self.maxKeysPerUser else {
                throw failure.error(
                    .resourceExhausted, "too_many_keys", "at most \(Self.maxKeysPerUser) live API keys per account")
            }
            let lifetime = request.expiresInDays > 0 ? Duration.seconds(Int64(request.expiresInDays) * 86_400) : nil
            let (id, secret) = try await Self.insert(
                user: caller, name: name, scopes: requested, lifetime: lifetime, in: session)
            var response = AuthCreateApiKeyResponse()
            response.key = try await Self.find(id, owner: caller, in: session)
            response.secret = secret
            return response
        }
    }

    /// A new key's row; answers its id and its secret (only its digest is stored). Also how a phone
    /// hand-off gets its upload-only key (Handoffs.swift).
    static func insert(
        user: UUID, name: String, scopes: Set<String>, lifetime: Duration?, in session: PostgresSession
    ) async throws -> (UUID, String) {
        let visible = String(OpaqueToken.generate().filter { $0.isLetter || $0.isNumber }.prefix(8))
        let prefix = "isk_\(visible)"
        let secret = "\(prefix)_\(OpaqueToken.generate())"
        let id = UUID()
        try await session.execute(
            """
            INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, scopes, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6::text[], CASE WHEN $7 > 0 THEN now() + make_interval(secs => $7) END)
            """,
            [
                id, user, name, prefix, OpaqueToken.digest(secret), PostgresTextArray.literal(scopes.sorted()),
                Int(lifetime?.components.seconds ?? 0),
            ])
        return (id, secret)
    }

    /// What a replay of a creation gets: the key without its secret, which is shown once and never
    /// stored, and `replayed` saying so.
    @Sendable static func withoutSecret(_ response: AuthCreateApiKeyResponse) -> AuthCreateApiKeyResponse {
        var stored = response
        stored.secret = ""
        stored.replayed = true
        return stored
    }

    func list(for caller: UUID) async throws -> AuthListApiKeysResponse {
        var response = AuthListApiKeysResponse()
        response.keys = try await self.database.query("\(Self.select) WHERE user_id = $1 ORDER BY created_at", [caller])
            .map(Self.message)
        return response
    }

    /// Revokes one of the caller's keys. Someone else's key id is "not found", like an unknown one.
    func revoke(_ keyID: String, for caller: UUID) async throws {
        guard let id = UUID(uuidString: keyID) else { throw failure.notFound("API key") }
        let changed = try await self.database.execute(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND user_id = $2", [id, caller]
        )
        guard changed == 1 else { throw failure.notFound("API key") }
    }

    /// The caller a key stands for, or UNAUTHENTICATED for an unknown, revoked, expired or disabled one.
    func verify(_ secret: String) async throws -> CommonCaller {
        guard secret.hasPrefix("isk_"), secret.utf8.count <= 128,
            let row = try await self.database.query(
                """
                SELECT k.id, k.user_id, k.scopes::text AS scopes, a.role, a.disabled,
                       k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute' AS stale
                FROM api_keys k JOIN accounts a ON a.id = k.user_id
                WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
                """, [OpaqueToken.digest(secret)]
            ).first, !(try row.decode("disabled", as: Bool.self))
        else {
            throw failure.error(.unauthenticated, "invalid_api_key", "the API key is unknown, revoked or expired")
        }
        if try row.decode("stale", as: Bool.self) {
            // last_used_at to the minute: one write per key per minute, not one per request.
            try await self.database.execute(
                "UPDATE api_keys SET last_used_at = now() WHERE id = $1", [try row.decode("id", as: UUID.self)])
        }
        var caller = CommonCaller()
        caller.userID = (try row.decode("user_id", as: UUID.self)).uuidString.lowercased()
        caller.role = try row.decode("role")
        caller.scopes = PostgresTextArray.plainElements(try row.decode("scopes"))
        caller.apiKeyID = (try row.decode("id", as: UUID.self)).lowercasedText
        return caller
    }

    /// One of the caller's keys (or, with an empty id, all of them together), day by day: calls and
    /// errors over the last `days` UTC days.
    func usage(of keyID: String, for caller: UUID, days: UInt32) async throws -> AuthApiKeyUsageResponse {
        guard days <= Self.maxUsageDays else { throw failure.invalid("days", "1 to \(Self.maxUsageDays)") }
        var parameters = PostgresParameters([caller, Int(days == 0 ? 30 : days)])
        var key = ""
        if !keyID.isEmpty {
            guard let id = UUID(uuidString: keyID),
                try await !self.database.query("SELECT 1 FROM api_keys WHERE id = $1 AND user_id = $2", [id, caller])
                    .isEmpty
            else { throw failure.notFound("API key") }
            key = "AND k.id = \(parameters.bind(id))"
        }
        var response = AuthApiKeyUsageResponse()
        response.days = try await self.database.query(
            """
            SELECT to_char(u.day, 'YYYY-MM-DD') AS day, sum(u.calls)::bigint AS calls, sum(u.errors)::bigint AS errors
            FROM api_key_usage u JOIN api_keys k ON k.id = u.key_id
            WHERE k.user_id = $1 \(key) AND u.day > (now() AT TIME ZONE 'UTC')::date - $2::integer
            GROUP BY u.day ORDER BY u.day
            """, parameters.values
        ).map { row in
            var day = AuthApiKeyUsage()
            day.keyID = keyID.lowercased()
            day.day = try row.decode("day")
            day.calls = UInt64(try row.decode("calls", as: Int64.self))
            day.errors = UInt64(try row.decode("errors", as: Int64.self))
            return day
        }
        return response
    }

    /// The edge's counts, added in one statement (a key deleted meanwhile is skipped).
    func record(_ usage: [AuthApiKeyUsage]) async throws {
        let valid = usage.filter { UUID(uuidString: $0.keyID) != nil && Self.isDay($0.day) }
        guard !valid.isEmpty else { return }
        try await self.database.execute(
            """
            INSERT INTO api_key_usage (key_id, day, calls, errors)
            SELECT u.key_id, u.day, u.calls, u.errors
            FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[]) AS u(key_id, day, calls, errors)
            JOIN api_keys k ON k.id = u.key_id
            ON CONFLICT (key_id, day) DO UPDATE
            SET calls = api_key_usage.calls + excluded.calls, errors = api_key_usage.errors + excluded.errors
            """,
            [
                "{" + valid.map { $0.keyID.lowercased() }.joined(separator: ",") + "}",
                "{" + valid.map(\.day).joined(separator: ",") + "}",
                "{" + valid.map { "\($0.calls)" }.joined(separator: ",") + "}",
                "{" + valid.map { "\($0.errors)" }.joined(separator: ",") + "}",
            ])
    }

    private static func isDay(_ text: String) -> Bool {
        text.utf8.count == 10
            && text.enumerated().allSatisfy { index, character in
                index == 4 || index == 7 ? character == "-" : character.isASCII && character.isNumber
            }
    }

    private static let select = """
        SELECT id, name, prefix, scopes::text AS scopes, revoked_at IS NOT NULL AS revoked,
               (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros,
               coalesce((extract(epoch FROM last_used_at) * 1000000)::bigint, 0) AS used_micros,
               coalesce((extract(epoch FROM expires_at) * 1000000)::bigint, 0) AS expires_micros,
               coalesce(expires_at <= now(), false) AS expired
        FROM api_keys
        """

    private static func find(_ id: UUID, owner: UUID, in session: PostgresSession) async throws -> AuthApiKey {
        guard let row = try await session.query("\(Self.select) WHERE id = $1 AND user_id = $2", [id, owner]).first
        else {
            throw failure.notFound("API key")
        }
        return try Self.message(row)
    }

    private static func message(_ row: PostgresRow) throws -> AuthApiKey {
        var key = AuthApiKey()
        key.keyID = (try row.decode("id", as: UUID.self)).uuidString.lowercased()
        key.name = try row.decode("name")
        key.prefix = try row.decode("prefix")
        key.scopes = PostgresTextArray.plainElements(try row.decode("scopes"))
        key.createdAt = .micros(try row.decode("created_micros"))
        let used: Int64 = try row.decode("used_micros")
        if used > 0 { key.lastUsedAt = .micros(used) }
        key.revoked = try row.decode("revoked")
        let expires: Int64 = try row.decode("expires_micros")
        if expires > 0 { key.expiresAt = .micros(expires) }
        key.expired = try row.decode("expired")
        return key
    }
}
