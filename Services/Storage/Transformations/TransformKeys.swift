import Crypto
import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import Tokens

/// An owner's keys for transformation links: `itk_` and 43 base64url characters, shown once. A
/// link is signed with HMAC-SHA256 keyed by the secret's text over the path after the signature;
/// every key of the owner verifies, so rotating is: create a key, sign new links with it, delete
/// the old one when its links may stop working.
enum TransformSignature {
    static func sign(_ path: String, secret: String) -> String {
        Base64URL.encode(
            Array(HMAC<SHA256>.authenticationCode(for: Array(path.utf8), using: SymmetricKey(data: Array(secret.utf8))))
        )
    }

    /// Whether `signature` is `path`'s under one of `secrets` (each compared in constant time).
    static func verify(_ signature: String, path: String, secrets: [String]) -> Bool {
        guard let code = Base64URL.decode(signature), code.count == 32 else { return false }
        return secrets.contains { secret in
            HMAC<SHA256>.isValidAuthenticationCode(
                code, authenticating: Array(path.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        }
    }

    static func newSecret() -> String {
        "itk_" + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }
}

extension BlobStore {
    func createTransformKey(_ caller: RPCCaller, _ request: StorageCreateTransformKeyRequest) async throws
        -> StorageTransformKey
    {
        let key = request.idempotencyKey.isEmpty ? nil : request.idempotencyKey
        guard (key?.utf8.count ?? 0) <= 200 else { throw failure.invalid("idempotency_key", "at most 200 bytes") }
        return try await self.database.transaction { session in
            _ = try await session.query(StorageStatements.lock, ["transform-keys:\(caller.id)"])
            if let key,
                let row = try await session.query(
                    "SELECT \(Self.keyColumns) FROM transform_keys WHERE owner_id = $1 AND idempotency_key = $2",
                    [caller.id, key]
                ).first
            {
                return try Self.transformKey(row, revealing: true)
            }
            let count = try await session.query(
                "SELECT count(*) AS n FROM transform_keys WHERE owner_id = $1", [caller.id]
            ).first!.decode("n", as: Int.self)
            guard count < self.configuration.maxTransformKeys else {
                throw failure.error(
                    .resourceExhausted, "too_many_keys",
                    "an account has at most \(self.configuration.maxTransformKeys) transformation keys; delete one first"
                )
            }
            let row = try await session.query(
                """
                INSERT INTO transform_keys (id, owner_id, secret, idempotency_key) VALUES ($1, $2, $3, $4)
                RETURNING \(Self.keyColumns)
                """, [UUID(), caller.id, TransformSignature.newSecret(), key]
            ).first!
            return try Self.transformKey(row, revealing: true)
        }
    }

    func listTransformKeys(_ caller: RPCCaller) async throws -> StorageListTransformKeysResponse {
        var response = StorageListTransformKeysResponse()
        response.keys = try await self.database.query(
            "SELECT \(Self.keyColumns) FROM transform_keys WHERE owner_id = $1 ORDER BY created_at DESC, id",
            [caller.id]
        ).map { try Self.transformKey($0, revealing: false) }
        return response
    }

    func deleteTransformKey(_ caller: RPCCaller, _ keyID: String) async throws {
        let deleted = try await self.database.execute(
            "DELETE FROM transform_keys WHERE id = $1 AND owner_id = $2",
            [try failure.parseID(keyID, "key"), caller.id])
        guard deleted == 1 else { throw failure.notFound("key") }
    }

    /// The key that signs the owner's new links (the newest), secret included; nil when none.
    func newestTransformKey(of owner: String) async throws -> StorageTransformKey? {
        try await self.database.query(
            "SELECT \(Self.keyColumns) FROM transform_keys WHERE owner_id = $1 ORDER BY created_at DESC, id LIMIT 1",
            [owner]
        ).first.map { try Self.transformKey($0, revealing: true) }
    }

    private static let keyColumns = "id, secret, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us"

    private static func transformKey(_ row: PostgresRow, revealing: Bool) throws -> StorageTransformKey {
        let secret: String = try row.decode("secret")
        var key = StorageTransformKey()
        key.keyID = try row.decode("id", as: UUID.self).lowercasedText
        if revealing { key.secret = secret }
        key.secretHint = "…" + String(secret.suffix(4))
        key.createdAt = .micros(try row.decode("created_us"))
        return key
    }
}
