import Crypto
import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime
import Tokens

/// Signed download links: HMAC-SHA256 over the blob id, the expiry and the disposition, with a key
/// only Storage holds. Anyone with the link may download that one blob until it expires.
struct DownloadSigner: Sendable {
    /// The key's bytes (SymmetricKey itself is not Sendable).
    let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: self.secret) }

    /// STORAGE_URL_SIGNING_KEY when set; otherwise one random key kept in Storage's database, so
    /// links survive restarts and every replica signs alike.
    static func load(_ configured: [UInt8]?, database: PostgresPool) async throws -> DownloadSigner {
        if let configured { return DownloadSigner(secret: configured) }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        try await database.execute(
            "INSERT INTO signing_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [fresh])
        let stored = try await database.query("SELECT secret FROM signing_secret WHERE id = 1").first!.decode(
            "secret", as: [UInt8].self)
        return DownloadSigner(secret: stored)
    }

    func sign(blobID: String, expiresUnix: Int64, disposition: String) -> StorageSignedAccess {
        var access = StorageSignedAccess()
        access.blobID = blobID
        access.expiresUnix = expiresUnix
        access.disposition = disposition
        access.signature = Base64URL.encode(
            Array(HMAC<SHA256>.authenticationCode(for: Self.message(access), using: self.key)))
        return access
    }

    /// Refuses a link that is expired or whose signature does not match (compared in constant time).
    func verify(_ access: StorageSignedAccess, now: Date = Date()) throws {
        guard let signature = Base64URL.decode(access.signature),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Self.message(access), using: self.key)
        else { throw failure.error(.permissionDenied, "invalid_signature", "this download link is not valid") }
        guard Double(access.expiresUnix) > now.timeIntervalSince1970 else {
            throw failure.error(.permissionDenied, "link_expired", "this download link has expired")
        }
    }

    private static func message(_ access: StorageSignedAccess) -> [UInt8] {
        Array("v1\n\(access.blobID.lowercased())\n\(access.expiresUnix)\n\(access.disposition)".utf8)
    }
}
