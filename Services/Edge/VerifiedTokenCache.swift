import Foundation
import NIOConcurrencyHelpers
import Tokens

/// Access tokens this edge has already verified, with their claims, so a client sending the same
/// token on every request pays for the Ed25519 check once. Only successful verifications enter;
/// each hit re-checks the expiry; the cache is bounded (and simply emptied when full).
final class VerifiedTokenCache: Sendable {
    private let entries = NIOLockedValueBox([String: AccessTokenClaims]())
    private let capacity: Int
    private let leeway: TimeInterval

    init(capacity: Int = 10_000, leeway: TimeInterval = 30) {
        self.capacity = capacity
        self.leeway = leeway
    }

    /// The claims of a token verified before and not yet expired.
    func claims(for token: String, now: Date = Date()) -> AccessTokenClaims? {
        self.entries.withLockedValue { entries in
            guard let claims = entries[token] else { return nil }
            guard Double(claims.exp) + self.leeway > now.timeIntervalSince1970 else {
                entries[token] = nil
                return nil
            }
            return claims
        }
    }

    func remember(_ token: String, _ claims: AccessTokenClaims) {
        self.entries.withLockedValue { entries in
            if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
