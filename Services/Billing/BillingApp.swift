import Curl
import Foundation
import Logging
import RPC
import ServiceLifecycle
import ServiceRuntime

/// Billing: the credit ledger, holds, prices and quotes, packs, purchases, subscriptions, reports.
/// Wired once at start and shared by the handlers and the sweeper.
public struct BillingApp: ServiceApp {
    public static let entry = ServiceCatalog.billing
    public static var schema: URL? { Bundle.module.url(forResource: "SQL", withExtension: nil) }

    let billing: BillingService
    let logger: Logger

    public init(_ context: ServiceContext) async throws {
        guard let database = context.database else { throw ConfigurationError("billing needs its database") }
        let configuration = try BillingConfiguration(context.configuration)
        var stripe: StripeClient?
        if let secret = configuration.stripeSecretKey, let webhookSecret = configuration.stripeWebhookSecret {
            stripe = StripeClient(
                apiBase: configuration.stripeAPIBase, secretKey: secret, webhookSecret: webhookSecret,
                tolerance: configuration.stripeTolerance, curl: CurlClient(threads: 2, maxResponseBytes: 1 << 20))
        }
        let billing = BillingService(
            database: database, configuration: configuration, stripe: stripe, logger: context.logger)
        context.logger.info(
            "billing ready",
            metadata: [
                "payment_provider": "\(configuration.provider.rawValue)",
                "environment": "\(configuration.environment.rawValue)",
            ])
        self.billing = billing
        self.logger = context.logger
    }

    public func register(in router: inout RPCRouter) {
        BillingHandlers(billing: self.billing).register(in: &router)
    }

    public var background: [any Service] { [BillingSweeper(billing: self.billing, logger: self.logger)] }
}
