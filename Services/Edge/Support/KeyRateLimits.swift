import ServiceRuntime

/// An API key's own rate, by its owner's tier ("API rate limiting per tier"): the free tier gets
/// EDGE_RATE_LIMIT_KEY_PER_S (burst EDGE_RATE_LIMIT_KEY_BURST), a paid tier
/// EDGE_RATE_LIMIT_KEY_PAID_PER_S (burst EDGE_RATE_LIMIT_KEY_PAID_BURST). The tier comes from
/// Billing and is kept a minute per account; when Billing cannot say, the free tier's rate applies.
struct KeyRateLimits: Sendable {
    let free: RateLimiter
    let paid: RateLimiter
    let tiers: TierLookup
    let cache = ExpiringCache<String>(capacity: 10_000)
    static let tierLifetime: Duration = .seconds(60)

    /// nil when admitted; otherwise the seconds until the next request of `key`, the caller's
    /// API key, would be.
    func admit(key: String, _ caller: VerifiedCaller, _ context: EdgeRequestContext) async -> Double? {
        let limiter = await self.tier(of: caller, context) == "free" ? self.free : self.paid
        return limiter.admit(key)
    }

    private func tier(of caller: VerifiedCaller, _ context: EdgeRequestContext) async -> String {
        if let tier = self.cache.value(for: caller.userID) { return tier }
        // An outage's "free" is not kept: the next request asks Billing again.
        guard let tier = await self.tiers.tier(context, caller) else { return "free" }
        self.cache.store(tier, for: caller.userID, until: .now + Self.tierLifetime)
        return tier
    }
}
