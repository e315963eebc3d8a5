import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime
import Tokens

/// Desktop → phone hand-offs. The desktop asks for one and shows its link as a QR code; the phone
/// opens the link once and gets an API key that may only upload (files:write), expiring with the
/// hand-off, so photos taken on the phone land in the desktop's account. A used or expired link
/// opens nothing. Only the token's digest is stored.
struct Handoffs: Sendable {
    let database: PostgresPool
    let idempotency: IdempotentCalls
    let lifetime: Duration
    let publicURL: String

    /// Hand-offs one account may have open at once.
    static let maxOpenPerUser = 5
    static let scopes: Set<String> = ["files:write"]
    static let keyName = "Phone hand-off"

    func create(for user: UUID, _ request: AuthCreateHandoffRequest) async throws -> AuthHandoff {
        try await self.idempotency.run(
            caller: user.uuidString, method: "CreateHandoff", key: request.idempotencyKey, request: request,
            stored: Self.withoutLink
        ) { session in
            let open =
                try await session.query(
                    "SELECT count(*) AS n FROM handoffs WHERE user_id = $1 AND expires_at > now()", [user]
                ).first?.decode("n", as: Int.self) ?? 0
            guard open < Self.maxOpenPerUser else {
                throw failure.error(
                    .resourceExhausted, "too_many_handoffs",
                    "at most \(Self.maxOpenPerUser) phone hand-offs open at once; wait for one to end")
            }
            let token = OpaqueToken.generate()
            guard
                let row = try await session.query(
                    """
                    INSERT INTO handoffs (id, user_id, token_hash, expires_at)
                    VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING \(Self.columns)
                    """, [UUID(), user, OpaqueToken.digest(token), Int(self.lifetime.components.seconds)]
                ).first
            else { throw failure.error(.internal, "handoff_not_stored", "the hand-off was not stored") }
            var handoff = try Self.message(row)
            handoff.link = "\(self.publicURL)/#/handoff?token=\(token)"
            return handoff
        }
    }

    /// A replay of a creation: the hand-off without its link, which is shown once.
    @Sendable static func withoutLink(_ handoff: AuthHandoff) -> AuthHandoff {
        var stored = handoff
        stored.link = ""
        return stored
    }

    /// One of the caller's hand-offs: when it ends and whether the phone has opened it.
    func get(_ id: String, for user: UUID) async throws -> AuthHandoff {
        guard let id = UUID(uuidString: id),
            let row = try await self.database.query(
                "SELECT \(Self.columns) FROM handoffs WHERE id = $1 AND user_id = $2", [id, user]
            ).first
        else { throw failure.notFound("hand-off") }
        return try Self.message(row)
    }

    /// The phone opens the link: once, before it expires, for an account that can still sign in.
    func redeem(_ request: AuthRedeemHandoffRequest) async throws -> AuthRedeemHandoffResponse {
        guard !request.token.isEmpty, request.token.utf8.count <= 128 else { throw Self.unavailable }
        return try await self.database.transaction { session in
            guard
                let row = try await session.query(
                    """
                    UPDATE handoffs h SET redeemed_at = now() FROM accounts a
                    WHERE h.token_hash = $1 AND h.redeemed_at IS NULL AND h.expires_at > now()
                      AND a.id = h.user_id AND NOT a.disabled
                    RETURNING h.id, h.user_id, (extract(epoch FROM h.expires_at - now()) * 1000000)::bigint AS left_us,
                              (extract(epoch FROM h.expires_at) * 1000000)::bigint AS expires_us
                    """, [OpaqueToken.digest(request.token)]
                ).first
            else { throw Self.unavailable }
            let id: UUID = try row.decode("id")
            let (keyID, secret) = try await ApiKeys.insert(
                user: try row.decode("user_id"), name: Self.keyName, scopes: Self.scopes,
                lifetime: .microseconds(max(1_000_000, try row.decode("left_us", as: Int64.self))), in: session)
            try await session.execute("UPDATE handoffs SET api_key_id = $2 WHERE id = $1", [id, keyID])
            var response = AuthRedeemHandoffResponse()
            response.handoffID = id.lowercasedText
            response.apiKey = secret
            response.expiresAt = .micros(try row.decode("expires_us"))
            return response
        }
    }

    static let unavailable = failure.error(
        .notFound, "handoff_unavailable",
        "this link was opened already or has expired: show a new code on the computer")

    static let columns = """
        id, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM expires_at) * 1000000)::bigint AS expires_us,
        (extract(epoch FROM redeemed_at) * 1000000)::bigint AS redeemed_us
        """

    static func message(_ row: PostgresRow) throws -> AuthHandoff {
        var handoff = AuthHandoff()
        handoff.handoffID = (try row.decode("id", as: UUID.self)).lowercasedText
        handoff.createdAt = .micros(try row.decode("created_us"))
        handoff.expiresAt = .micros(try row.decode("expires_us"))
        if let redeemed: Int64 = try row.decodeIfPresent("redeemed_us") { handoff.redeemedAt = .micros(redeemed) }
        return handoff
    }
}
