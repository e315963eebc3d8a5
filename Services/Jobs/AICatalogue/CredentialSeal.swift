import Crypto
import Foundation
import ServiceRuntime

/// Provider credentials at rest: AES-256-GCM with the key JOBS_PROVIDER_SECRET_KEY (32 bytes,
/// base64), so a copy of the database alone does not hand out the operator's provider accounts.
/// Without the key, credentials cannot be stored (the admin is told) and stored ones stay sealed.
struct CredentialSeal: Sendable {
    /// The key's bytes (SymmetricKey is not Sendable); a key is made from them per use.
    private let keyBytes: [UInt8]?
    private var key: SymmetricKey? { self.keyBytes.map { SymmetricKey(data: $0) } }

    init(_ configuration: ServiceConfiguration) throws {
        guard let text = configuration.string("PROVIDER_SECRET_KEY") else {
            self.keyBytes = nil
            return
        }
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw ConfigurationError("JOBS_PROVIDER_SECRET_KEY is 32 bytes in base64 (openssl rand -base64 32)")
        }
        self.keyBytes = Array(bytes)
    }

    /// nonce ‖ ciphertext ‖ tag.
    func seal(_ credential: String) throws -> [UInt8] {
        guard let key else {
            throw failure.error(
                .failedPrecondition, "provider_secret_key_missing",
                "set JOBS_PROVIDER_SECRET_KEY before storing provider credentials")
        }
        return Array(try AES.GCM.seal(Data(credential.utf8), using: key).combined!)
    }

    /// The credential, or nil when it cannot be opened here (no key, or another key sealed it).
    func open(_ sealed: [UInt8]) -> String? {
        guard let key, let box = try? AES.GCM.SealedBox(combined: Data(sealed)),
            let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    /// What admins see of a credential: its last four characters.
    static func hint(_ credential: String) -> String { "…" + String(credential.suffix(4)) }
}
