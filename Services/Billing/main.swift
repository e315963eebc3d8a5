import Curl
import ServiceRuntime

// Billing: the credit ledger, holds, prices and quotes, packs, purchases, subscriptions, reports.

/// Wired once at start and shared by the handlers and the sweeper.
actor BillingWiring {
    static let shared = BillingWiring()
    private var billing: BillingService?

    func billing(_ context: ServiceContext) throws -> BillingService {
        if let billing { return billing }
        guard let database = context.database else { throw ConfigurationError("billing needs its database") }
        let configuration = try BillingConfiguration(context.configuration)
        var stripe: StripeClient?
        if let secret = configuration.stripeSecretKey, let webhookSecret = configuration.stripeWebhookSecret {
            stripe = StripeClient(apiBase: configuration.stripeAPIBase, secretKey: secret, webhookSecret: webhookSecret,
                                  tolerance: configuration.stripeTolerance, curl: CurlClient(threads: 2, maxResponseBytes: 1 << 20))
        }
        let billing = BillingService(database: database, configuration: configuration, stripe: stripe, logger: context.logger)
        context.logger.info("billing ready", metadata: ["payment_provider": "\(configuration.provider.rawValue)"])
        self.billing = billing
        return billing
    }
}

await ServiceMain.run(ServiceCatalog.billing, migrations: BillingSchema.migrations, extraServices: { context in
    [BillingSweeper(billing: try await BillingWiring.shared.billing(context), logger: context.logger)]
}, registerHandlers: { router, context in
    BillingHandlers(billing: try await BillingWiring.shared.billing(context)).register(in: &router)
})
