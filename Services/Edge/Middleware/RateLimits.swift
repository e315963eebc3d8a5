import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Rate limits by GCRA (the generic cell rate algorithm: a token bucket kept as one timestamp per
/// key): per signed-in user (EDGE_RATE_LIMIT_USER_PER_S, burst EDGE_RATE_LIMIT_USER_BURST), per
/// client address for everyone (EDGE_RATE_LIMIT_IP_PER_S, burst EDGE_RATE_LIMIT_IP_BURST), and per
/// API key by its owner's tier (KeyRateLimits). Over the limit: 429 `rate_limited` with
/// Retry-After. Health and metrics are not limited.
struct RateLimits: Sendable {
    typealias Context = EdgeRequestContext
    let users: RateLimiter
    let addresses: RateLimiter
    let keys: KeyRateLimits

    /// Returns when the request may go on; throws 429 otherwise.
    func admit(_ request: Request, _ context: Context) async throws {
        let path = request.uri.path
        guard path.hasPrefix("/api/") || path.hasPrefix("/d/") else { return }
        let now = Date().timeIntervalSince1970
        var wait =
            self.addresses.admit(context.clientAddress, now: now)
            ?? context.caller.flatMap({ self.users.admit($0.userID, now: now) })
        // Only API keys have a rate of their own (and may need their tier looked up).
        if wait == nil, let caller = context.caller, let key = caller.apiKeyID {
            wait = await self.keys.admit(key: key, caller, context)
        }
        if let wait {
            let seconds = max(1, Int(wait.rounded(.up)))
            throw EdgeError(
                .tooManyRequests, "rate_limited", "too many requests; retry in \(seconds) s",
                headers: [.retryAfter: "\(seconds)"])
        }
    }
}

/// One GCRA limiter: `rate` requests a second on average, `burst` at once.
final class RateLimiter: Sendable {
    private let interval: Double
    private let tolerance: Double
    private let theoretical = Mutex<[String: Double]>([:])

    init(rate: Double, burst: Int) {
        self.interval = 1 / max(rate, 0.001)
        self.tolerance = self.interval * Double(max(burst, 1) - 1)
    }

    /// nil when admitted; otherwise the seconds until a request of `key` would be.
    func admit(_ key: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        self.theoretical.withLock { table in
            if table.count > 100_000 { table = table.filter { $0.value > now } }
            let arrival = max(table[key] ?? now, now)
            if arrival - now > self.tolerance { return arrival - now - self.tolerance }
            table[key] = arrival + self.interval
            return nil
        }
    }
}
