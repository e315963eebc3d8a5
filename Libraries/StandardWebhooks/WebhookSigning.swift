import Crypto
import Foundation

/// Standard Webhooks signatures (the specification receivers' libraries verify): the secret is
/// "whsec_" + base64 of the key; each delivery carries `webhook-id`, `webhook-timestamp` and
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, several signatures
/// separated by spaces while a rotated secret still signs.
public enum WebhookSigning {
    public static let prefix = "whsec_"

    /// A new secret: 24 random bytes.
    public static func newSecret() -> String {
        prefix + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// The key a secret stands for. Secrets made before the standard were base64url without padding;
    /// both alphabets decode here.
    public static func key(of secret: String) -> Data? {
        var text = secret.hasPrefix(prefix) ? String(secret.dropFirst(prefix.count)) : secret
        text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: text)
    }

    public static func signature(key: Data, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: Data("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1," + Data(mac.finalize()).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret still in force, newest first.
    public static func header(secrets: [String], id: String, timestamp: Int64, body: [UInt8]) -> String {
        secrets.compactMap(key(of:)).map { signature(key: $0, id: id, timestamp: timestamp, body: body) }.joined(
            separator: " ")
    }

    /// The scheme of before the standard, still sent as `ImageSwiss-Signature` for receivers written
    /// against it: hex HMAC-SHA256 keyed by the secret's text. Deprecated; see docs/api.md.
    public static func legacySignature(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        mac.update(data: Data("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1=" + Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }
}

extension WebhookSigning {
    /// A receiver's check: one of the space-separated `v1,` signatures is the secret's, and the
    /// timestamp is within `tolerance` of `now`.
    public static func verify(
        secret: String, id: String, timestamp: String, signatures: String, body: [UInt8], now: Date = Date(),
        tolerance: TimeInterval = 300
    ) -> Bool {
        guard let seconds = Int64(timestamp), abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance,
            let key = key(of: secret)
        else { return false }
        let expected = Array(signature(key: key, id: id, timestamp: seconds, body: body).utf8)
        return signatures.split(separator: " ").contains { candidate in
            let given = Array(candidate.utf8)
            // Constant time over equal lengths: a timing difference tells nothing about the secret.
            return given.count == expected.count && zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
