import ImageSwissProtos
import RPC

/// The caller's subscription tier, from Billing, for the calls whose limits depend on it (Storage
/// quotas). If Billing cannot answer, the caller gets the free tier's limits: the smallest, so an
/// outage never grants more than was paid for.
struct TierLookup: Sendable {
    let billing: RPCClient

    func options(_ context: EdgeRequestContext, _ caller: VerifiedCaller) async -> RPCCallOptions {
        var options = EdgeCalls.options(context, caller)
        options.metadata[RPCMetadata.callerTier] = await self.tier(context, caller) ?? "free"
        return options
    }

    /// The caller's tier id, or nil when Billing cannot say within 2 s (callers then apply "free").
    func tier(_ context: EdgeRequestContext, _ caller: VerifiedCaller) async -> String? {
        var options = EdgeCalls.options(context, caller)
        options.timeout = .seconds(2)
        return (try? await self.billing.unary(BillingMethods.getTier, BillingGetTierRequest(), options: options))?
            .tierID
    }
}
