import Crypto
import Foundation
import Postgres
import Synchronization

/// The tokens of unsubscribe links: `<account>.<kind>.<HMAC-SHA256>` under a key kept in Auth's
/// database (made by the first replica that needs it), so a link works from any replica, for ever,
/// and names only what it stops. A mail client may POST it without signing in (RFC 8058).
final class UnsubscribeLinks: Sendable {
    private let database: PostgresPool
    private let cached = Mutex<[UInt8]?>(nil)

    init(database: PostgresPool) {
        self.database = database
    }

    func token(account: UUID, kind: NotificationKind) async throws -> String {
        let subject = "\(account.lowercasedText).\(kind.rawValue)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(subject.utf8), using: try await self.key())
        return subject + "." + Self.base64URL(Data(mac))
    }

    /// The account and kind a token stands for, or nil when it is not one this platform made.
    func verify(_ token: String) async throws -> (account: UUID, kind: NotificationKind)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 200, parts.count == 3, let account = UUID(text: String(parts[0])),
            let kind = NotificationKind(rawValue: String(parts[1])), let mac = Self.data(base64URL: String(parts[2]))
        else { return nil }
        let subject = Data("\(parts[0]).\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: subject, using: try await self.key()) else {
            return nil
        }
        return (account, kind)
    }

    private func key() async throws -> SymmetricKey {
        if let bytes = self.cached.withLock({ $0 }) { return SymmetricKey(data: bytes) }
        let fresh: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) }
        // Two statements: the SELECT's snapshot then sees a key another replica made meanwhile.
        try await self.database.execute(
            "INSERT INTO unsubscribe_keys (id, key) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [fresh])
        let row = try await self.database.query("SELECT key FROM unsubscribe_keys WHERE id = 1").first
        guard let bytes = try row?.decode("key", as: [UInt8].self) else {
            throw failure.internalError("no unsubscribe key")
        }
        self.cached.withLock { $0 = bytes }
        return SymmetricKey(data: bytes)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
