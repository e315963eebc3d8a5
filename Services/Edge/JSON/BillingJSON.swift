import Foundation
import ImageSwissProtos

// The JSON shapes of /api/v1/billing and /api/v1/admin/billing. Credits and cents are integers.

struct BalanceJSON: Encodable {
    let available, held, total, spentToday, dailyCap, expiringCredits: Int64
    let tier: String
    let nextExpiry: String?

    init(_ b: BillingBalance) {
        (self.available, self.held, self.total, self.spentToday, self.dailyCap) = (
            b.available, b.held, b.total, b.spentToday, b.dailyCap
        )
        self.expiringCredits = b.expiringCredits
        self.tier = b.tier
        self.nextExpiry = b.hasNextExpiry ? rfc3339(b.nextExpiry) : nil
    }

    enum CodingKeys: String, CodingKey {
        case available, held, total, tier
        case spentToday = "spent_today"
        case dailyCap = "daily_cap"
        case expiringCredits = "expiring_credits"
        case nextExpiry = "next_expiry"
    }
}

struct EntryJSON: Encodable {
    let id, amount, balanceAfter: Int64
    let kind, operation, reference: String
    let createdAt: String?

    init(_ e: BillingEntry) {
        (self.id, self.amount, self.balanceAfter) = (e.entryID, e.amount, e.balanceAfter)
        (self.kind, self.operation, self.reference) = (e.kind, e.operation, e.reference)
        self.createdAt = rfc3339(e.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, amount, kind, operation, reference
        case balanceAfter = "balance_after"
        case createdAt = "created_at"
    }
}

struct PackJSON: Encodable {
    let id, name, currency: String
    let priceCents, credits: Int64

    init(_ p: BillingPack) {
        (self.id, self.name, self.currency, self.priceCents, self.credits) = (
            p.packID, p.name, p.currency, p.priceCents, p.credits
        )
    }

    enum CodingKeys: String, CodingKey {
        case id, name, currency, credits
        case priceCents = "price_cents"
    }
}

struct PacksJSON: Encodable {
    let items: [PackJSON]
    /// The base price of a credit: what custom amounts buy.
    let creditPriceCents: Int64
    /// local (development: payments take no money) or stripe.
    let paymentProvider: String

    enum CodingKeys: String, CodingKey {
        case items
        case creditPriceCents = "credit_price_cents"
        case paymentProvider = "payment_provider"
    }
}

struct CheckoutBody: Decodable {
    var packID: String?
    var amountCents: Int64?
    var successURL: String?
    var cancelURL: String?

    enum CodingKeys: String, CodingKey {
        case packID = "pack_id"
        case amountCents = "amount_cents"
        case successURL = "success_url"
        case cancelURL = "cancel_url"
    }
}

struct CheckoutJSON: Encodable {
    let id, provider, status, currency, paymentURL: String
    let amountCents, credits: Int64
    let receiptID: String?

    init(_ c: BillingCheckout) {
        (self.id, self.provider, self.status, self.currency, self.paymentURL) = (
            c.checkoutID, c.provider, c.status, c.currency, c.paymentURL
        )
        (self.amountCents, self.credits) = (c.amountCents, c.credits)
        self.receiptID = c.receiptID.isEmpty ? nil : c.receiptID
    }

    enum CodingKeys: String, CodingKey {
        case id, provider, status, currency, credits
        case paymentURL = "payment_url"
        case amountCents = "amount_cents"
        case receiptID = "receipt_id"
    }
}

struct QuoteBody: Decodable {
    struct Item: Decodable {
        let operations: [String]
        var count: UInt32?
        /// Megapixels of each image (e.g. 2.7); or width and height.
        var megapixels: Double?
        var width: UInt64?
        var height: UInt64?
    }
    let items: [Item]
    var lane: String?
}

struct QuoteJSON: Encodable {
    struct Line: Encodable {
        let operations: String
        let count: UInt32
        let unitCredits, credits: Int64

        enum CodingKeys: String, CodingKey {
            case operations, count, credits
            case unitCredits = "unit_credits"
        }
    }
    let totalCredits: Int64
    let priceListVersion: UInt32
    let lane: String
    let lines: [Line]

    init(_ q: BillingPriceQuote) {
        (self.totalCredits, self.priceListVersion, self.lane) = (q.totalCredits, q.priceListVersion, q.lane)
        self.lines = q.lines.map {
            Line(operations: $0.operations, count: $0.count, unitCredits: $0.unitCredits, credits: $0.credits)
        }
    }

    enum CodingKeys: String, CodingKey {
        case lane, lines
        case totalCredits = "total_credits"
        case priceListVersion = "price_list_version"
    }
}

struct TierJSON: Encodable {
    let id, name: String
    let priceCents, annualPriceCents, monthlyCredits, dailyCap: Int64
    let priority, carryOver, forSale: Bool
    let maxOutputPixels: UInt32

    init(_ t: BillingTier) {
        (self.id, self.name, self.priceCents, self.monthlyCredits, self.dailyCap) = (
            t.tierID, t.name, t.priceCents, t.monthlyCredits, t.dailyCap
        )
        (self.priority, self.maxOutputPixels) = (t.priority, t.maxOutputPixels)
        (self.annualPriceCents, self.carryOver, self.forSale) = (t.annualPriceCents, t.carryOver, t.forSale)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, priority
        case priceCents = "price_cents"
        case annualPriceCents = "annual_price_cents"
        case monthlyCredits = "monthly_credits"
        case dailyCap = "daily_cap"
        case carryOver = "carry_over"
        case forSale = "for_sale"
        case maxOutputPixels = "max_output_pixels"
    }
}

struct SubscriptionJSON: Encodable {
    let tier: TierJSON
    let interval: String
    let periodStart, periodEnd: String?
    let nextTier, nextInterval: String?
    /// Stripe: pay here; the tier changes when the payment is confirmed.
    let checkoutURL: String?
    let pastDue: Bool

    init(_ s: BillingSubscription) {
        self.tier = TierJSON(s.tier)
        self.interval = s.interval
        (self.periodStart, self.periodEnd) = (rfc3339(s.periodStart), rfc3339(s.periodEnd))
        self.nextTier = s.nextTier.isEmpty ? nil : s.nextTier
        self.nextInterval = s.nextInterval.isEmpty ? nil : s.nextInterval
        self.checkoutURL = s.checkoutURL.isEmpty ? nil : s.checkoutURL
        self.pastDue = s.pastDue
    }

    enum CodingKeys: String, CodingKey {
        case tier, interval
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case nextTier = "next_tier"
        case nextInterval = "next_interval"
        case checkoutURL = "checkout_url"
        case pastDue = "past_due"
    }
}

struct SubscriptionBody: Decodable {
    let tier: String
    /// month (the default) or year.
    let interval: String?
}

/// The sales catalogue. The public form shows what is on sale; the admin form every tier, who made
/// the version and when.
struct CatalogueJSON: Encodable {
    struct Price: Encodable {
        let item: String
        let cents, credits, microsPerCredit, discountBasisPoints: Int64

        enum CodingKeys: String, CodingKey {
            case item, cents, credits
            case microsPerCredit = "micros_per_credit"
            case discountBasisPoints = "discount_basis_points"
        }
    }

    let version: UInt32
    let currency: String
    let creditPriceCents: Int64
    let packs: [PackJSON]
    let tiers: [TierJSON]
    let prices: [Price]
    let createdBy, createdAt: String?

    init(_ c: BillingCatalogue, admin: Bool) {
        (self.version, self.currency, self.creditPriceCents) = (c.version, c.currency, c.creditPriceCents)
        self.packs = c.packs.map(PackJSON.init)
        self.tiers = c.tiers.filter { admin || $0.forSale }.map(TierJSON.init)
        let shown = Set(self.tiers.map(\.id))
        self.prices = c.prices.filter { price in
            !price.item.hasPrefix("tier ") || shown.contains(where: { price.item.hasPrefix("tier \($0),") })
        }.map {
            Price(
                item: $0.item, cents: $0.cents, credits: $0.credits, microsPerCredit: $0.microsPerCredit,
                discountBasisPoints: $0.discountBasisPoints)
        }
        (self.createdBy, self.createdAt) = admin ? (c.createdBy, rfc3339(c.createdAt)) : (nil, nil)
    }

    enum CodingKeys: String, CodingKey {
        case version, currency, packs, tiers, prices
        case creditPriceCents = "credit_price_cents"
        case createdBy = "created_by"
        case createdAt = "created_at"
    }
}

/// PUT /api/v1/admin/billing/catalogue: the whole catalogue. Tiers are listed from Free upwards.
struct CatalogueBody: Decodable {
    struct Pack: Decodable {
        let id, name: String
        let priceCents, credits: Int64

        enum CodingKeys: String, CodingKey {
            case id, name, credits
            case priceCents = "price_cents"
        }
    }
    struct Tier: Decodable {
        let id, name: String
        let priceCents, monthlyCredits, dailyCap: Int64
        let annualPriceCents: Int64?
        let priority, carryOver, forSale: Bool?
        let maxOutputPixels: UInt32

        enum CodingKeys: String, CodingKey {
            case id, name, priority
            case priceCents = "price_cents"
            case monthlyCredits = "monthly_credits"
            case dailyCap = "daily_cap"
            case annualPriceCents = "annual_price_cents"
            case carryOver = "carry_over"
            case forSale = "for_sale"
            case maxOutputPixels = "max_output_pixels"
        }
    }

    let creditPriceCents: Int64
    let packs: [Pack]
    let tiers: [Tier]

    var call: BillingSetCatalogueRequest {
        var call = BillingSetCatalogueRequest()
        call.creditPriceCents = self.creditPriceCents
        call.packs = self.packs.map { pack in
            var item = BillingPack()
            (item.packID, item.name, item.priceCents, item.credits) = (
                pack.id, pack.name, pack.priceCents, pack.credits
            )
            return item
        }
        call.tiers = self.tiers.map { tier in
            var item = BillingTier()
            (item.tierID, item.name, item.priceCents, item.monthlyCredits) = (
                tier.id, tier.name, tier.priceCents, tier.monthlyCredits
            )
            (item.dailyCap, item.maxOutputPixels, item.annualPriceCents) = (
                tier.dailyCap, tier.maxOutputPixels, tier.annualPriceCents ?? 0
            )
            (item.priority, item.carryOver, item.forSale) = (
                tier.priority ?? false, tier.carryOver ?? true, tier.forSale ?? true
            )
            return item
        }
        return call
    }

    enum CodingKeys: String, CodingKey {
        case packs, tiers
        case creditPriceCents = "credit_price_cents"
    }
}

struct ReceiptJSON: Encodable {
    let id, number, currency, description, provider: String
    let amountCents, credits: Int64
    let createdAt: String?

    init(_ r: BillingReceipt) {
        (self.id, self.number, self.currency, self.description, self.provider) = (
            r.receiptID, r.number, r.currency, r.description_p, r.provider
        )
        (self.amountCents, self.credits) = (r.amountCents, r.credits)
        self.createdAt = rfc3339(r.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, number, currency, description, provider, credits
        case amountCents = "amount_cents"
        case createdAt = "created_at"
    }
}

struct PriceJSON: Codable {
    let operation: String
    let credits: Int64
    var perMegapixel: Int64?
    var includedMegapixels: UInt32?

    enum CodingKeys: String, CodingKey {
        case operation, credits
        case perMegapixel = "per_megapixel"
        case includedMegapixels = "included_megapixels"
    }
}

struct PriceListJSON: Encodable {
    let version, fastLanePercent: UInt32
    let prices: [PriceJSON]
    let createdBy: String
    let createdAt: String?

    init(_ l: BillingPriceList) {
        (self.version, self.fastLanePercent, self.createdBy, self.createdAt) = (
            l.version, l.fastLanePercent, l.createdBy, rfc3339(l.createdAt)
        )
        self.prices = l.prices.map {
            PriceJSON(
                operation: $0.operation, credits: $0.credits, perMegapixel: $0.perMegapixel,
                includedMegapixels: $0.includedMegapixels)
        }
    }

    enum CodingKeys: String, CodingKey {
        case version, prices
        case fastLanePercent = "fast_lane_percent"
        case createdBy = "created_by"
        case createdAt = "created_at"
    }
}

struct PriceListBody: Decodable {
    let prices: [PriceJSON]
    var fastLanePercent: UInt32?

    enum CodingKeys: String, CodingKey {
        case prices
        case fastLanePercent = "fast_lane_percent"
    }
}

struct GrantBody: Decodable {
    let accountID: String
    let amount: Int64
    var source: String?
    var expiresInSeconds: UInt64?
    var reference: String?

    enum CodingKeys: String, CodingKey {
        case amount, source, reference
        case accountID = "account_id"
        case expiresInSeconds = "expires_in_seconds"
    }
}

struct ReportJSON: Encodable {
    struct Day: Encodable {
        let day: String
        let amountCents, purchases, creditsSold: Int64

        enum CodingKeys: String, CodingKey {
            case day, purchases
            case amountCents = "amount_cents"
            case creditsSold = "credits_sold"
        }
    }
    struct Operation: Encodable {
        let operation: String
        let creditsSpent, spends: Int64

        enum CodingKeys: String, CodingKey {
            case operation, spends
            case creditsSpent = "credits_spent"
        }
    }
    struct Account: Encodable {
        let accountID: String
        let creditsSpent, amountCents: Int64

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id"
            case creditsSpent = "credits_spent"
            case amountCents = "amount_cents"
        }
    }
    let revenue: [Day]
    let creditsIssued: [String: Int64]
    let spentByOperation: [Operation]
    let topAccounts: [Account]
    let mrrCents, payingSubscribers, activeAccounts, arpuCents: Int64
    let tierMix: [String: Int64]
    let churnedSubscribers, churnBasisPoints: Int64

    init(_ r: BillingReport) {
        (self.churnedSubscribers, self.churnBasisPoints) = (r.churnedSubscribers, r.churnBasisPoints)
        (self.mrrCents, self.payingSubscribers) = (r.mrrCents, r.payingSubscribers)
        (self.activeAccounts, self.arpuCents, self.tierMix) = (r.activeAccounts, r.arpuCents, r.tierMix)
        self.revenue = r.revenue.map {
            Day(day: $0.day, amountCents: $0.amountCents, purchases: $0.purchases, creditsSold: $0.creditsSold)
        }
        self.creditsIssued = r.creditsIssued
        self.spentByOperation = r.spentByOperation.map {
            Operation(operation: $0.operation, creditsSpent: $0.creditsSpent, spends: $0.spends)
        }
        self.topAccounts = r.topAccounts.map {
            Account(accountID: $0.accountID, creditsSpent: $0.creditsSpent, amountCents: $0.amountCents)
        }
    }

    enum CodingKeys: String, CodingKey {
        case revenue
        case creditsIssued = "credits_issued"
        case spentByOperation = "spent_by_operation"
        case topAccounts = "top_accounts"
        case mrrCents = "mrr_cents"
        case payingSubscribers = "paying_subscribers"
        case activeAccounts = "active_accounts"
        case arpuCents = "arpu_cents"
        case tierMix = "tier_mix"
        case churnedSubscribers = "churned_subscribers"
        case churnBasisPoints = "churn_basis_points"
    }
}

/// The caller's credits spent per day and operation (GET /api/v1/billing/usage).
/// Usage per UTC day and operation (credits from Billing, jobs and files from Jobs) and API calls
/// per day (Auth), with totals; as CSV, one line per day and operation and one per day of API calls.
struct ActivityJSON: Encodable {
    struct Line: Encodable {
        let day, operation: String
        var creditsSpent: Int64 = 0
        var charges: Int64 = 0
        var jobs: Int64 = 0
        var filesProcessed: Int64 = 0

        enum CodingKeys: String, CodingKey {
            case day, operation, charges, jobs
            case creditsSpent = "credits_spent"
            case filesProcessed = "files_processed"
        }
    }
    struct Calls: Encodable {
        let day: String
        let calls, errors: UInt64
    }

    let days: UInt32
    let lines: [Line]
    let apiCalls: [Calls]
    let totalCredits, totalCharges, totalJobs, totalFilesProcessed: Int64
    let totalApiCalls: UInt64
    /// The parts whose service could not answer (`jobs`, `api_calls`), absent when complete.
    let unavailable: [String]?

    init(credits: BillingUsage, jobs: JobsUsage, calls: AuthApiKeyUsageResponse, unavailable: [String] = []) {
        self.unavailable = unavailable.isEmpty ? nil : unavailable
        var lines: [String: Line] = [:]
        for line in credits.lines {
            lines[line.day + " " + line.operation, default: Line(day: line.day, operation: line.operation)]
                .creditsSpent = line.creditsSpent
            lines[line.day + " " + line.operation]!.charges = line.charges
        }
        for line in jobs.lines {
            let key = line.day + " " + line.tool
            lines[key, default: Line(day: line.day, operation: line.tool)].jobs = line.jobs
            lines[key]!.filesProcessed = line.filesProcessed
        }
        self.days = credits.days
        self.lines = lines.values.sorted { ($0.day, $0.operation) < ($1.day, $1.operation) }
        self.apiCalls = calls.days.map { Calls(day: $0.day, calls: $0.calls, errors: $0.errors) }
        (self.totalCredits, self.totalCharges) = (credits.totalCredits, credits.totalCharges)
        self.totalJobs = self.lines.reduce(0) { $0 + $1.jobs }
        self.totalFilesProcessed = self.lines.reduce(0) { $0 + $1.filesProcessed }
        self.totalApiCalls = self.apiCalls.reduce(0) { $0 + $1.calls }
    }

    /// For spreadsheets: API calls are lines of the operation `api_calls`.
    var csv: String {
        (["day,operation,credits_spent,charges,jobs,files_processed,api_calls"]
            + self.lines.map {
                "\($0.day),\($0.operation),\($0.creditsSpent),\($0.charges),\($0.jobs),\($0.filesProcessed),0"
            }
            + self.apiCalls.map { "\($0.day),api_calls,0,0,0,0,\($0.calls)" })
            .joined(separator: "\r\n") + "\r\n"
    }

    enum CodingKeys: String, CodingKey {
        case days, lines, unavailable
        case apiCalls = "api_calls"
        case totalCredits = "total_credits"
        case totalCharges = "total_charges"
        case totalJobs = "total_jobs"
        case totalFilesProcessed = "total_files_processed"
        case totalApiCalls = "total_api_calls"
    }
}

struct InvoiceJSON: Encodable {
    let id, number, receiptID, description, currency, taxName: String
    let credits, totalCents, netCents, taxCents: Int64
    let taxBasisPoints: UInt32
    let createdAt: String?
    /// Where the PDF is.
    let pdfURL: String
    let creditNotes: [CreditNoteJSON]

    /// `base`: /api/v1/billing, or a team's /api/v1/teams/{team}/billing.
    init(_ i: BillingInvoice, base: String = "/api/v1/billing") {
        (self.id, self.number, self.receiptID, self.description) = (
            i.invoiceID, i.number, i.receiptID, i.description_p
        )
        (self.currency, self.taxName, self.taxBasisPoints) = (i.currency, i.taxName, i.taxBasisPoints)
        (self.credits, self.totalCents, self.netCents, self.taxCents) = (
            i.credits, i.totalCents, i.netCents, i.taxCents
        )
        self.createdAt = rfc3339(i.createdAt)
        self.pdfURL = "\(base)/invoices/\(i.invoiceID)/pdf"
        self.creditNotes = i.creditNotes.map { CreditNoteJSON($0, base: base) }
    }

    enum CodingKeys: String, CodingKey {
        case id, number, description, currency, credits
        case receiptID = "receipt_id"
        case taxName = "tax_name"
        case totalCents = "total_cents"
        case netCents = "net_cents"
        case taxCents = "tax_cents"
        case taxBasisPoints = "tax_basis_points"
        case createdAt = "created_at"
        case pdfURL = "pdf_url"
        case creditNotes = "credit_notes"
    }
}

struct CreditNoteJSON: Encodable {
    let id, number, invoiceID, invoiceNumber, currency, reason, provider: String
    let totalCents, netCents, taxCents, creditsRemoved: Int64
    let providerRefundID, createdAt: String?
    let pdfURL: String

    init(_ c: BillingCreditNote, base: String = "/api/v1/billing") {
        (self.id, self.number, self.invoiceID, self.invoiceNumber) = (
            c.creditNoteID, c.number, c.invoiceID, c.invoiceNumber
        )
        (self.currency, self.reason, self.provider) = (c.currency, c.reason, c.provider)
        (self.totalCents, self.netCents, self.taxCents, self.creditsRemoved) = (
            c.totalCents, c.netCents, c.taxCents, c.creditsRemoved
        )
        self.providerRefundID = c.providerRefundID.isEmpty ? nil : c.providerRefundID
        self.createdAt = rfc3339(c.createdAt)
        self.pdfURL = "\(base)/credit-notes/\(c.creditNoteID)/pdf"
    }

    enum CodingKeys: String, CodingKey {
        case id, number, currency, reason, provider
        case invoiceID = "invoice_id"
        case invoiceNumber = "invoice_number"
        case totalCents = "total_cents"
        case netCents = "net_cents"
        case taxCents = "tax_cents"
        case creditsRemoved = "credits_removed"
        case providerRefundID = "provider_refund_id"
        case createdAt = "created_at"
        case pdfURL = "pdf_url"
    }
}

struct RefundBody: Decodable {
    var amountCents: Int64?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case reason
        case amountCents = "amount_cents"
    }
}

/// The buyer's details on invoices; `country` (ISO 3166 alpha-2) picks the tax rate.
struct ProfileJSON: Codable {
    let name, address, country, taxID: String

    init(_ p: BillingProfile) {
        (self.name, self.address, self.country, self.taxID) = (p.name, p.address, p.country, p.taxID)
    }

    enum CodingKeys: String, CodingKey {
        case name, address, country
        case taxID = "tax_id"
    }
}

struct TaxRatesJSON: Codable {
    struct Rate: Codable {
        let country, name: String
        /// 1900: 19 %.
        let basisPoints: UInt32

        enum CodingKeys: String, CodingKey {
            case country, name
            case basisPoints = "basis_points"
        }
    }

    let rates: [Rate]

    init(_ r: BillingTaxRates) {
        self.rates = r.rates.map { Rate(country: $0.country, name: $0.name, basisPoints: $0.basisPoints) }
    }
}
