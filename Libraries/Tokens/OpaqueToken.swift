import Crypto

/// Random bearer secrets (refresh tokens, API keys, email links) and their stored form.
/// Only the SHA-256 of a secret is ever stored: 256 random bits need no slow hash, and a leaked
/// table yields nothing usable.
public enum OpaqueToken {
    /// `prefix` + 32 bytes from the system CSPRNG (getrandom), base64url.
    public static func generate(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Base64URL.encode(bytes)
    }

    /// The stored form of a secret.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
