import ImageSwissProtos
import RPC

/// The caller's subscription tier, from Billing, for the calls whose limits depend on it (Storage
/// quotas). If Billing cannot answer, the caller gets the free tier's limits: the smallest, so an
/// outage never grants more than was paid for.
struct TierLookup: Sendable {
    let billing: RPCClient

    func options(_ context: EdgeRequestContext, _ caller: VerifiedCaller) async -> RPCCallOptions {
        var options = AuthRoutes.options(context, caller)
        var tierOptions = options
        tierOptions.timeout = .seconds(2)
        let tier =
            (try? await self.billing.unary(BillingMethods.getTier, BillingGetTierRequest(), options: tierOptions))?
            .tierID
        options.metadata[RPCMetadata.callerTier] = tier ?? "free"
        return options
    }
}
