import Crypto
import Foundation
import Postgres
import Tokens

/// The Ed25519 keys that sign access tokens, kept in Auth's database so every Auth replica signs
/// with the same newest key. Rotation adds a key and gives the old one a retirement time one token
/// lifetime away: tokens it signed stay verifiable until they expire, and the edge learns the new
/// key the first time it sees its id.
actor SigningKeys {
    struct Published: Sendable {
        let keyID: String
        let publicKey: [UInt8]
        /// Seconds since 1970; nil while the key is the one signing.
        let retiresAt: Int64?
    }

    private let database: PostgresPool
    private let tokenLifetime: Duration
    private var current: (keyID: String, key: Curve25519.Signing.PrivateKey, loadedAt: ContinuousClock.Instant)?
    /// How long a replica trusts its cached signing key before looking for a newer one.
    private let reloadInterval: Duration = .seconds(10)

    init(database: PostgresPool, tokenLifetime: Duration) {
        self.database = database
        self.tokenLifetime = tokenLifetime
    }

    /// Makes sure a signing key exists (the first start of a fresh database).
    func ensureKey() async throws {
        let live = try await self.database.query("SELECT 1 FROM signing_keys WHERE retires_at IS NULL LIMIT 1")
        if live.isEmpty { _ = try await self.rotate() }
    }

    /// Signs an access token with the newest key (the private key never leaves this actor).
    func sign(_ claims: AccessTokenClaims) async throws -> String {
        let signing = try await self.signingKey()
        return try AccessToken.sign(claims, key: signing.key, keyID: signing.keyID)
    }

    /// The key to sign with now, and its id.
    private func signingKey() async throws -> (keyID: String, key: Curve25519.Signing.PrivateKey) {
        if let current, ContinuousClock.now - current.loadedAt < self.reloadInterval {
            return (current.keyID, current.key)
        }
        guard
            let row = try await self.database.query(
                "SELECT key_id, private_key FROM signing_keys WHERE retires_at IS NULL ORDER BY created_at DESC LIMIT 1"
            ).first
        else {
            try await self.ensureKey()
            return try await self.signingKey()
        }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: try row.decode("private_key", as: [UInt8].self))
        let keyID = try row.decode("key_id", as: String.self)
        self.current = (keyID, key, ContinuousClock.now)
        return (keyID, key)
    }

    /// Every key whose tokens may still be valid.
    func published() async throws -> [Published] {
        try await self.database.query(
            """
            SELECT key_id, public_key, (extract(epoch FROM retires_at))::bigint AS retires
            FROM signing_keys WHERE retires_at IS NULL OR retires_at > now() ORDER BY created_at
            """
        ).map {
            Published(
                keyID: try $0.decode("key_id"), publicKey: try $0.decode("public_key"),
                retiresAt: try $0.decodeIfPresent("retires"))
        }
    }

    /// A new signing key; the previous one retires after one access-token lifetime (plus a minute of slack).
    func rotate() async throws -> Published {
        let key = Curve25519.Signing.PrivateKey()
        let keyID = "k" + OpaqueToken.generate().prefix(12)
        let retireAfter = self.tokenLifetime.seconds + 60
        try await self.database.transaction { session in
            try await session.execute(
                "UPDATE signing_keys SET retires_at = now() + make_interval(secs => $1) WHERE retires_at IS NULL",
                [Int(retireAfter)]
            )
            try await session.execute(
                "INSERT INTO signing_keys (key_id, private_key, public_key) VALUES ($1, $2, $3)",
                [keyID, Array(key.rawRepresentation), Array(key.publicKey.rawRepresentation)]
            )
        }
        self.current = (keyID, key, ContinuousClock.now)
        return Published(keyID: keyID, publicKey: Array(key.publicKey.rawRepresentation), retiresAt: nil)
    }
}
