import Foundation
import Curl
import ServiceRuntime

// Billing: the credit ledger, holds, prices and quotes, packs, purchases, subscriptions, reports.

/// Wired once at start and shared by the handlers and the sweeper.
actor BillingWiring {
    static let shared = BillingWiring()
    private var billing: Task<BillingService, any Error>?

    /// The first caller starts the wiring; every caller, the first included, awaits the same one.
    func billing(_ context: ServiceContext) async throws -> BillingService {
        if self.billing == nil { self.billing = Task { try await Self.wire(context) } }
        return try await self.billing!.value
    }

    private static func wire(_ context: ServiceContext) async throws -> BillingService {
        guard let database = context.database else { throw ConfigurationError("billing needs its database") }
        let configuration = try BillingConfiguration(context.configuration)
        var stripe: StripeClient?
        if let secret = configuration.stripeSecretKey, let webhookSecret = configuration.stripeWebhookSecret {
            stripe = StripeClient(apiBase: configuration.stripeAPIBase, secretKey: secret, webhookSecret: webhookSecret,
                                  tolerance: configuration.stripeTolerance, curl: CurlClient(threads: 2, maxResponseBytes: 1 << 20))
        }
        let billing = BillingService(database: database, configuration: configuration, stripe: stripe, logger: context.logger)
        do {
            try (try await billing.priceRule()).check()
        } catch let violation as PriceRule.Violation {
            throw ConfigurationError("the price rule refuses this catalogue: \(violation)")
        }
        context.logger.info("billing ready", metadata: [
            "payment_provider": "\(configuration.provider.rawValue)", "environment": "\(configuration.environment.rawValue)",
        ])
        return billing
    }
}

await ServiceMain.run(ServiceCatalog.billing, schema: Bundle.module.url(forResource: "SQL", withExtension: nil), extraServices: { context in
    [BillingSweeper(billing: try await BillingWiring.shared.billing(context), logger: context.logger)]
}, registerHandlers: { router, context in
    BillingHandlers(billing: try await BillingWiring.shared.billing(context)).register(in: &router)
})
