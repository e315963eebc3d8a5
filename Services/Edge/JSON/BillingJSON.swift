import Foundation
import ImageSwissProtos

// The JSON shapes of /api/v1/billing and /api/v1/admin/billing. Credits and cents are integers.

struct BalanceJSON: Encodable {
    let available, held, total, spent_today, daily_cap, expiring_credits: Int64
    let tier: String
    let next_expiry: String?

    init(_ b: BillingBalance) {
        (self.available, self.held, self.total, self.spent_today, self.daily_cap) = (
            b.available, b.held, b.total, b.spentToday, b.dailyCap
        )
        self.expiring_credits = b.expiringCredits
        self.tier = b.tier
        self.next_expiry = b.hasNextExpiry ? rfc3339(b.nextExpiry) : nil
    }
}

struct EntryJSON: Encodable {
    let id, amount, balance_after: Int64
    let kind, operation, reference: String
    let created_at: String?

    init(_ e: BillingEntry) {
        (self.id, self.amount, self.balance_after) = (e.entryID, e.amount, e.balanceAfter)
        (self.kind, self.operation, self.reference) = (e.kind, e.operation, e.reference)
        self.created_at = rfc3339(e.createdAt)
    }
}

struct PackJSON: Encodable {
    let id, name, currency: String
    let price_cents, credits: Int64

    init(_ p: BillingPack) {
        (self.id, self.name, self.currency, self.price_cents, self.credits) = (
            p.packID, p.name, p.currency, p.priceCents, p.credits
        )
    }
}

struct PacksJSON: Encodable {
    let items: [PackJSON]
    /// The base price of a credit: what custom amounts buy.
    let credit_price_cents: Int64
    /// local (development: payments take no money) or stripe.
    let payment_provider: String
}

struct CheckoutBody: Decodable {
    var pack_id: String?
    var amount_cents: Int64?
    var success_url: String?
    var cancel_url: String?
}

struct CheckoutJSON: Encodable {
    let id, provider, status, currency, payment_url: String
    let amount_cents, credits: Int64
    let receipt_id: String?

    init(_ c: BillingCheckout) {
        (self.id, self.provider, self.status, self.currency, self.payment_url) = (
            c.checkoutID, c.provider, c.status, c.currency, c.paymentURL
        )
        (self.amount_cents, self.credits) = (c.amountCents, c.credits)
        self.receipt_id = c.receiptID.isEmpty ? nil : c.receiptID
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
        let unit_credits, credits: Int64
    }
    let total_credits: Int64
    let price_list_version: UInt32
    let lane: String
    let lines: [Line]

    init(_ q: BillingPriceQuote) {
        (self.total_credits, self.price_list_version, self.lane) = (q.totalCredits, q.priceListVersion, q.lane)
        self.lines = q.lines.map {
            Line(operations: $0.operations, count: $0.count, unit_credits: $0.unitCredits, credits: $0.credits)
        }
    }
}

struct TierJSON: Encodable {
    let id, name: String
    let price_cents, annual_price_cents, monthly_credits, daily_cap: Int64
    let priority, carry_over, for_sale: Bool
    let max_output_pixels: UInt32

    init(_ t: BillingTier) {
        (self.id, self.name, self.price_cents, self.monthly_credits, self.daily_cap) = (
            t.tierID, t.name, t.priceCents, t.monthlyCredits, t.dailyCap
        )
        (self.priority, self.max_output_pixels) = (t.priority, t.maxOutputPixels)
        (self.annual_price_cents, self.carry_over, self.for_sale) = (t.annualPriceCents, t.carryOver, t.forSale)
    }
}

struct SubscriptionJSON: Encodable {
    let tier: TierJSON
    let interval: String
    let period_start, period_end: String?
    let next_tier, next_interval: String?
    /// Stripe: pay here; the tier changes when the payment is confirmed.
    let checkout_url: String?
    let past_due: Bool

    init(_ s: BillingSubscription) {
        self.tier = TierJSON(s.tier)
        self.interval = s.interval
        (self.period_start, self.period_end) = (rfc3339(s.periodStart), rfc3339(s.periodEnd))
        self.next_tier = s.nextTier.isEmpty ? nil : s.nextTier
        self.next_interval = s.nextInterval.isEmpty ? nil : s.nextInterval
        self.checkout_url = s.checkoutURL.isEmpty ? nil : s.checkoutURL
        self.past_due = s.pastDue
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
        let cents, credits, micros_per_credit, discount_basis_points: Int64
    }

    let version: UInt32
    let currency: String
    let credit_price_cents: Int64
    let packs: [PackJSON]
    let tiers: [TierJSON]
    let prices: [Price]
    let created_by, created_at: String?

    init(_ c: BillingCatalogue, admin: Bool) {
        (self.version, self.currency, self.credit_price_cents) = (c.version, c.currency, c.creditPriceCents)
        self.packs = c.packs.map(PackJSON.init)
        self.tiers = c.tiers.filter { admin || $0.forSale }.map(TierJSON.init)
        let shown = Set(self.tiers.map(\.id))
        self.prices = c.prices.filter { price in
            !price.item.hasPrefix("tier ") || shown.contains(where: { price.item.hasPrefix("tier \($0),") })
        }.map {
            Price(
                item: $0.item, cents: $0.cents, credits: $0.credits, micros_per_credit: $0.microsPerCredit,
                discount_basis_points: $0.discountBasisPoints)
        }
        (self.created_by, self.created_at) = admin ? (c.createdBy, rfc3339(c.createdAt)) : (nil, nil)
    }
}

/// PUT /api/v1/admin/billing/catalogue: the whole catalogue. Tiers are listed from Free upwards.
struct CatalogueBody: Decodable {
    struct Pack: Decodable {
        let id, name: String
        let price_cents, credits: Int64
    }
    struct Tier: Decodable {
        let id, name: String
        let price_cents, monthly_credits, daily_cap: Int64
        let annual_price_cents: Int64?
        let priority, carry_over, for_sale: Bool?
        let max_output_pixels: UInt32
    }

    let credit_price_cents: Int64
    let packs: [Pack]
    let tiers: [Tier]

    var call: BillingSetCatalogueRequest {
        var call = BillingSetCatalogueRequest()
        call.creditPriceCents = self.credit_price_cents
        call.packs = self.packs.map { pack in
            var item = BillingPack()
            (item.packID, item.name, item.priceCents, item.credits) = (
                pack.id, pack.name, pack.price_cents, pack.credits
            )
            return item
        }
        call.tiers = self.tiers.map { tier in
            var item = BillingTier()
            (item.tierID, item.name, item.priceCents, item.monthlyCredits) = (
                tier.id, tier.name, tier.price_cents, tier.monthly_credits
            )
            (item.dailyCap, item.maxOutputPixels, item.annualPriceCents) = (
                tier.daily_cap, tier.max_output_pixels, tier.annual_price_cents ?? 0
            )
            (item.priority, item.carryOver, item.forSale) = (
                tier.priority ?? false, tier.carry_over ?? true, tier.for_sale ?? true
            )
            return item
        }
        return call
    }
}

struct ReceiptJSON: Encodable {
    let id, number, currency, description, provider: String
    let amount_cents, credits: Int64
    let created_at: String?

    init(_ r: BillingReceipt) {
        (self.id, self.number, self.currency, self.description, self.provider) = (
            r.receiptID, r.number, r.currency, r.description_p, r.provider
        )
        (self.amount_cents, self.credits) = (r.amountCents, r.credits)
        self.created_at = rfc3339(r.createdAt)
    }
}

struct PriceJSON: Codable {
    let operation: String
    let credits: Int64
    var per_megapixel: Int64?
    var included_megapixels: UInt32?
}

struct PriceListJSON: Encodable {
    let version, fast_lane_percent: UInt32
    let prices: [PriceJSON]
    let created_by: String
    let created_at: String?

    init(_ l: BillingPriceList) {
        (self.version, self.fast_lane_percent, self.created_by, self.created_at) = (
            l.version, l.fastLanePercent, l.createdBy, rfc3339(l.createdAt)
        )
        self.prices = l.prices.map {
            PriceJSON(
                operation: $0.operation, credits: $0.credits, per_megapixel: $0.perMegapixel,
                included_megapixels: $0.includedMegapixels)
        }
    }
}

struct PriceListBody: Decodable {
    let prices: [PriceJSON]
    var fast_lane_percent: UInt32?
}

struct GrantBody: Decodable {
    let account_id: String
    let amount: Int64
    var source: String?
    var expires_in_seconds: UInt64?
    var reference: String?
}

struct ReportJSON: Encodable {
    struct Day: Encodable {
        let day: String
        let amount_cents, purchases, credits_sold: Int64
    }
    struct Operation: Encodable {
        let operation: String
        let credits_spent, spends: Int64
    }
    struct Account: Encodable {
        let account_id: String
        let credits_spent, amount_cents: Int64
    }
    let revenue: [Day]
    let credits_issued: [String: Int64]
    let spent_by_operation: [Operation]
    let top_accounts: [Account]
    let mrr_cents, paying_subscribers, active_accounts, arpu_cents: Int64
    let tier_mix: [String: Int64]
    let churned_subscribers, churn_basis_points: Int64

    init(_ r: BillingReport) {
        (self.churned_subscribers, self.churn_basis_points) = (r.churnedSubscribers, r.churnBasisPoints)
        (self.mrr_cents, self.paying_subscribers) = (r.mrrCents, r.payingSubscribers)
        (self.active_accounts, self.arpu_cents, self.tier_mix) = (r.activeAccounts, r.arpuCents, r.tierMix)
        self.revenue = r.revenue.map {
            Day(day: $0.day, amount_cents: $0.amountCents, purchases: $0.purchases, credits_sold: $0.creditsSold)
        }
        self.credits_issued = r.creditsIssued
        self.spent_by_operation = r.spentByOperation.map {
            Operation(operation: $0.operation, credits_spent: $0.creditsSpent, spends: $0.spends)
        }
        self.top_accounts = r.topAccounts.map {
            Account(account_id: $0.accountID, credits_spent: $0.creditsSpent, amount_cents: $0.amountCents)
        }
    }
}

/// The caller's credits spent per day and operation (GET /api/v1/billing/usage).
/// Usage per UTC day and operation (credits from Billing, jobs and files from Jobs) and API calls
/// per day (Auth), with totals; as CSV, one line per day and operation and one per day of API calls.
struct ActivityJSON: Encodable {
    struct Line: Encodable {
        let day, operation: String
        var credits_spent: Int64 = 0
        var charges: Int64 = 0
        var jobs: Int64 = 0
        var files_processed: Int64 = 0
    }
    struct Calls: Encodable {
        let day: String
        let calls, errors: UInt64
    }

    let days: UInt32
    let lines: [Line]
    let api_calls: [Calls]
    let total_credits, total_charges, total_jobs, total_files_processed: Int64
    let total_api_calls: UInt64
    /// The parts whose service could not answer (`jobs`, `api_calls`), absent when complete.
    let unavailable: [String]?

    init(credits: BillingUsage, jobs: JobsUsage, calls: AuthApiKeyUsageResponse, unavailable: [String] = []) {
        self.unavailable = unavailable.isEmpty ? nil : unavailable
        var lines: [String: Line] = [:]
        for line in credits.lines {
            lines[line.day + " " + line.operation, default: Line(day: line.day, operation: line.operation)]
                .credits_spent = line.creditsSpent
            lines[line.day + " " + line.operation]!.charges = line.charges
        }
        for line in jobs.lines {
            let key = line.day + " " + line.tool
            lines[key, default: Line(day: line.day, operation: line.tool)].jobs = line.jobs
            lines[key]!.files_processed = line.filesProcessed
        }
        self.days = credits.days
        self.lines = lines.values.sorted { ($0.day, $0.operation) < ($1.day, $1.operation) }
        self.api_calls = calls.days.map { Calls(day: $0.day, calls: $0.calls, errors: $0.errors) }
        (self.total_credits, self.total_charges) = (credits.totalCredits, credits.totalCharges)
        self.total_jobs = self.lines.reduce(0) { $0 + $1.jobs }
        self.total_files_processed = self.lines.reduce(0) { $0 + $1.files_processed }
        self.total_api_calls = self.api_calls.reduce(0) { $0 + $1.calls }
    }

    /// For spreadsheets: API calls are lines of the operation `api_calls`.
    var csv: String {
        (["day,operation,credits_spent,charges,jobs,files_processed,api_calls"]
            + self.lines.map {
                "\($0.day),\($0.operation),\($0.credits_spent),\($0.charges),\($0.jobs),\($0.files_processed),0"
            }
            + self.api_calls.map { "\($0.day),api_calls,0,0,0,0,\($0.calls)" })
            .joined(separator: "\r\n") + "\r\n"
    }
}

struct InvoiceJSON: Encodable {
    let id, number, receipt_id, description, currency, tax_name: String
    let credits, total_cents, net_cents, tax_cents: Int64
    let tax_basis_points: UInt32
    let created_at: String?
    /// Where the PDF is.
    let pdf_url: String
    let credit_notes: [CreditNoteJSON]

    /// `base`: /api/v1/billing, or a team's /api/v1/teams/{team}/billing.
    init(_ i: BillingInvoice, base: String = "/api/v1/billing") {
        (self.id, self.number, self.receipt_id, self.description) = (
            i.invoiceID, i.number, i.receiptID, i.description_p
        )
        (self.currency, self.tax_name, self.tax_basis_points) = (i.currency, i.taxName, i.taxBasisPoints)
        (self.credits, self.total_cents, self.net_cents, self.tax_cents) = (
            i.credits, i.totalCents, i.netCents, i.taxCents
        )
        self.created_at = rfc3339(i.createdAt)
        self.pdf_url = "\(base)/invoices/\(i.invoiceID)/pdf"
        self.credit_notes = i.creditNotes.map { CreditNoteJSON($0, base: base) }
    }
}

struct CreditNoteJSON: Encodable {
    let id, number, invoice_id, invoice_number, currency, reason, provider: String
    let total_cents, net_cents, tax_cents, credits_removed: Int64
    let provider_refund_id, created_at: String?
    let pdf_url: String

    init(_ c: BillingCreditNote, base: String = "/api/v1/billing") {
        (self.id, self.number, self.invoice_id, self.invoice_number) = (
            c.creditNoteID, c.number, c.invoiceID, c.invoiceNumber
        )
        (self.currency, self.reason, self.provider) = (c.currency, c.reason, c.provider)
        (self.total_cents, self.net_cents, self.tax_cents, self.credits_removed) = (
            c.totalCents, c.netCents, c.taxCents, c.creditsRemoved
        )
        self.provider_refund_id = c.providerRefundID.isEmpty ? nil : c.providerRefundID
        self.created_at = rfc3339(c.createdAt)
        self.pdf_url = "\(base)/credit-notes/\(c.creditNoteID)/pdf"
    }
}

struct RefundBody: Decodable {
    var amount_cents: Int64?
    var reason: String?
}

/// The buyer's details on invoices; `country` (ISO 3166 alpha-2) picks the tax rate.
struct ProfileJSON: Codable {
    let name, address, country, tax_id: String

    init(_ p: BillingProfile) {
        (self.name, self.address, self.country, self.tax_id) = (p.name, p.address, p.country, p.taxID)
    }
}

struct TaxRatesJSON: Codable {
    struct Rate: Codable {
        let country, name: String
        /// 1900: 19 %.
        let basis_points: UInt32
    }

    let rates: [Rate]

    init(_ r: BillingTaxRates) {
        self.rates = r.rates.map { Rate(country: $0.country, name: $0.name, basis_points: $0.basisPoints) }
    }
}
