import Foundation
import Logging
import Postgres
import ServiceRuntime

/// Everything Billing's operations share. The operations live in extensions, one file per concern:
/// Holds, Pricing, Purchases, Subscriptions, Reports.
struct BillingService: Sendable {
    let database: PostgresPool
    let ledger: Ledger
    let configuration: BillingConfiguration
    let idempotency: IdempotentCalls
    let stripe: StripeClient?
    let logger: Logger

    init(database: PostgresPool, configuration: BillingConfiguration, stripe: StripeClient?, logger: Logger) {
        self.database = database
        self.ledger = Ledger(configuration: configuration)
        self.configuration = configuration
        self.idempotency = IdempotentCalls(database: database, domain: "billing")
        self.stripe = stripe
        self.logger = logger
    }

    /// Amounts are whole credits, positive, and at most BILLING_MAX_AMOUNT per call.
    func checkAmount(_ amount: Int64, field: String = "amount") throws {
        guard amount > 0 else {
            throw failure.invalid(field, "\(field) must be a positive whole number of credits")
        }
        guard amount <= self.configuration.maxAmount else {
            throw failure.invalid(field, "\(field) is at most \(self.configuration.maxAmount)")
        }
    }

    func requireAdmin(_ caller: RPCCaller) throws {
        guard caller.role == "admin" else { throw failure.adminOnly }
    }
}
