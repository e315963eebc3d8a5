import Foundation
import ServiceRuntime
import Tokens

/// Access tokens this edge has already verified, with their claims, so a client sending the same
/// token on every request pays for the Ed25519 check once. Only successful verifications enter;
/// an entry expires with its token (plus the verifier's leeway); the cache is bounded.
final class VerifiedTokenCache: Sendable {
    private let cache: ExpiringCache<AccessTokenClaims>
    private let leeway: TimeInterval
    private let enabled: Bool

    /// EDGE_VERIFIED_TOKENS (10000; 0 verifies every request's token, as for a client that never
    /// sends the same token twice — the benchmark's fresh-token case).
    init(capacity: Int = 10_000, leeway: TimeInterval = 30) {
        self.cache = ExpiringCache(capacity: max(1, capacity))
        self.leeway = leeway
        self.enabled = capacity > 0
    }

    /// The claims of a token verified before and not yet expired.
    func claims(for token: String) -> AccessTokenClaims? { self.enabled ? self.cache.value(for: token) : nil }

    func remember(_ token: String, _ claims: AccessTokenClaims) {
        guard self.enabled else { return }
        // The token's wall-clock expiry as a point on the monotonic clock the cache runs on.
        let remaining = Double(claims.exp) + self.leeway - Date().timeIntervalSince1970
        guard remaining > 0 else { return }
        self.cache.store(claims, for: token, until: .now + .milliseconds(Int64(remaining * 1000)))
    }
}
