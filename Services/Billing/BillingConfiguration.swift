import Foundation
import ServiceRuntime

/// Billing's settings (BILLING_* environment variables; docs/configuration.md lists them all).
struct BillingConfiguration: Sendable {
    enum Provider: String, Sendable { case local, stripe }
    /// Development allows the local payment provider, which completes checkouts without taking money.
    enum Environment: String, Sendable { case development, production }

    /// Unresolved holds are released automatically after this.
    var holdLifetime: Duration
    /// A low_balance event when an account's credits fall below this.
    var lowBalanceThreshold: Int64
    /// The largest amount one call may move.
    var maxAmount: Int64
    /// The most items one PlaceHolds or SettleHolds call may carry.
    var maxBatch: Int
    var minCustomCents: Int64
    var maxCustomCents: Int64
    var currency: String
    var provider: Provider
    var environment: Environment
    var stripeAPIBase: String
    var stripeSecretKey: String?
    var stripeWebhookSecret: String?
    var stripeTolerance: Duration
    /// Where the web app lives: default success/cancel pages and the local provider's payment page.
    var publicURL: String
    /// One billing cycle (monthly grants, renewals).
    var period: Duration
    /// How long a Stripe subscription whose renewal failed keeps its tier before it returns to Free.
    var dunningGrace: Duration
    /// Who sells: printed on every invoice.
    var seller: (name: String, address: String, taxID: String)
    var sweepInterval: Duration

    init(_ configuration: ServiceConfiguration) throws {
        self.holdLifetime = .seconds(try configuration.int("HOLD_TTL_S", default: 3600))
        self.lowBalanceThreshold = Int64(try configuration.int("LOW_BALANCE_THRESHOLD", default: 5))
        self.maxAmount = Int64(try configuration.int("MAX_AMOUNT", default: 1_000_000))
        self.maxBatch = try configuration.int("MAX_BATCH", default: 200)
        // A setting that no longer acts must not be silently ignored.
        guard configuration.string("CREDITS_PER_DOLLAR") == nil else {
            throw ConfigurationError(
                """
                BILLING_CREDITS_PER_DOLLAR is gone: the base price of a credit is part of the sales catalogue \
                (PUT /api/v1/admin/billing/catalogue). Remove the setting.
                """)
        }
        self.minCustomCents = Int64(try configuration.int("MIN_CUSTOM_CENTS", default: 100))
        self.maxCustomCents = Int64(try configuration.int("MAX_CUSTOM_CENTS", default: 100_000))
        self.currency = configuration.string("CURRENCY", default: "usd")
        guard let provider = Provider(rawValue: configuration.string("PAYMENT_PROVIDER", default: "local")) else {
            throw ConfigurationError("BILLING_PAYMENT_PROVIDER must be local or stripe")
        }
        self.provider = provider
        guard let environment = Environment(rawValue: configuration.string("ENVIRONMENT", default: "production")) else {
            throw ConfigurationError("BILLING_ENVIRONMENT must be development or production")
        }
        self.environment = environment
        if provider == .local && environment == .production {
            throw ConfigurationError(
                """
                BILLING_PAYMENT_PROVIDER=local completes checkouts without taking any money: it runs only with \
                BILLING_ENVIRONMENT=development. In production set BILLING_PAYMENT_PROVIDER=stripe.
                """)
        }
        self.stripeAPIBase = configuration.string("STRIPE_API_BASE", default: "https://api.stripe.com")
        self.stripeSecretKey = configuration.string("STRIPE_SECRET_KEY")
        self.stripeWebhookSecret = configuration.string("STRIPE_WEBHOOK_SECRET")
        self.stripeTolerance = .seconds(try configuration.int("STRIPE_WEBHOOK_TOLERANCE_S", default: 300))
        if provider == .stripe && (self.stripeSecretKey == nil || self.stripeWebhookSecret == nil) {
            throw ConfigurationError(
                "BILLING_PAYMENT_PROVIDER=stripe needs BILLING_STRIPE_SECRET_KEY and BILLING_STRIPE_WEBHOOK_SECRET")
        }
        self.publicURL = configuration.string("PUBLIC_URL", default: "http://127.0.0.1:8080")
        self.period = .seconds(try configuration.int("PERIOD_S", default: 30 * 86_400))
        self.dunningGrace = .seconds(try configuration.int("DUNNING_GRACE_S", default: 7 * 86_400))
        self.seller = (
            configuration.string("SELLER_NAME", default: "ImageSwiss"),
            configuration.string("SELLER_ADDRESS", default: "").replacingOccurrences(of: "\\n", with: "\n"),
            configuration.string("SELLER_TAX_ID", default: "")
        )
        self.sweepInterval = try configuration.milliseconds("SWEEP_INTERVAL_MS", default: .seconds(30))
    }
}
