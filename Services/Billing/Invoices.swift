import Foundation
import ImageSwissProtos
import PDF
import Postgres
import RPC
import ServiceRuntime

/// Receipts and invoices. Every payment records both in its own transaction; the invoice takes the
/// next number of one counter row there, so numbers run without gaps. Amounts are tax-inclusive:
/// the buyer's country (their billing profile) picks an admin-set rate, or Stripe's computed tax is
/// used when Stripe supplies it. The PDF is made when asked for, from the stored invoice.
extension BillingService {
    /// A country as invoices and tax rates name it: ISO 3166 alpha-2, upper case.
    static let countryPattern = "^[A-Z]{2}$"
    /// The most a tax rate may be: 100 %.
    static let maxTaxBasisPoints: UInt32 = 10_000

    /// A payment's receipt and invoice, in the caller's transaction (which holds the account's lock).
    func recordPayment(
        _ session: PostgresSession, account: String, cents: Int64, currency: String, credits: Int64,
        description: String, provider: String, checkout: UUID? = nil, providerTaxCents: Int64? = nil,
        providerPaymentID: String? = nil, renewal: Bool = false
    ) async throws {
        let receipt = UUID()
        try await session.execute(
            """
            INSERT INTO receipts (id, account_id, checkout_id, amount_cents, currency, credits, description, provider,
                                  provider_payment_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, [receipt, account, checkout, cents, currency, credits, description, provider, providerPaymentID])
        let number: Int64 = try await session.query(
            "UPDATE invoice_counter SET last_number = last_number + 1 RETURNING last_number", []
        ).first!.decode("last_number")
        let profile = try await self.profile(session, account)
        let rate = try await session.query(
            "SELECT name, basis_points FROM tax_rates WHERE country = $1", [profile.country]
        ).first
        let basisPoints: Int = try rate?.decode("basis_points") ?? 0
        let tax = providerTaxCents ?? Self.includedTax(cents, basisPoints: Int64(basisPoints))
        let seller: [String: String] = [
            "name": self.configuration.seller.name, "address": self.configuration.seller.address,
            "tax_id": self.configuration.seller.taxID,
        ]
        let buyer: [String: String] = [
            "account_id": account, "name": profile.name, "address": profile.address, "country": profile.country,
            "tax_id": profile.taxID,
        ]
        let invoice = UUID()
        try await session.execute(
            """
            INSERT INTO invoices (id, number, receipt_id, account_id, seller, buyer, description, credits, currency,
                                  total_cents, net_cents, tax_cents, tax_name, tax_basis_points)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13, $14)
            """,
            [
                invoice, number, receipt, account, try Self.json(seller), try Self.json(buyer), description, credits,
                currency, cents, cents - tax, tax,
                providerTaxCents != nil ? "Tax (Stripe)" : (try rate?.decode("name", as: String.self) ?? "Tax"),
                providerTaxCents != nil ? 0 : basisPoints,
            ])
        // The owner is told, with the invoice (Jobs reads the event feed).
        var detail: [String: String] = [
            "invoice_id": invoice.lowercasedText, "number": Self.invoiceNumber(number), "total_cents": "\(cents)",
            "currency": currency, "credits": "\(credits)", "description": description,
        ]
        if renewal { detail["renewal"] = "true" }
        try await session.execute(
            "INSERT INTO events (account_id, kind, balance, detail) VALUES ($1, 'receipt', 0, $2::jsonb)",
            [account, try Self.json(detail)])
    }

    /// An invoice's number as printed: INV-000042.
    static func invoiceNumber(_ number: Int64) -> String { String(format: "INV-%06lld", number) }

    /// The tax inside a tax-inclusive amount, rounded to the nearest cent (halves up).
    static func includedTax(_ cents: Int64, basisPoints: Int64) -> Int64 {
        let net = (cents * 10_000 + (10_000 + basisPoints) / 2) / (10_000 + basisPoints)
        return cents - net
    }

    private static func json(_ object: [String: String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static let invoiceColumns = """
        id, number, receipt_id, description, credits, currency, total_cents, net_cents, tax_cents, tax_name,
        tax_basis_points, seller::text AS seller, buyer::text AS buyer, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
        """

    static func invoice(_ row: PostgresRow) throws -> BillingInvoice {
        var invoice = BillingInvoice()
        invoice.invoiceID = (try row.decode("id", as: UUID.self)).uuidString.lowercased()
        invoice.number = Self.invoiceNumber(try row.decode("number", as: Int64.self))
        invoice.receiptID = (try row.decode("receipt_id", as: UUID.self)).uuidString.lowercased()
        invoice.description_p = try row.decode("description")
        invoice.credits = try row.decode("credits")
        invoice.currency = try row.decode("currency")
        invoice.totalCents = try row.decode("total_cents")
        invoice.netCents = try row.decode("net_cents")
        invoice.taxCents = try row.decode("tax_cents")
        invoice.taxName = try row.decode("tax_name")
        invoice.taxBasisPoints = UInt32(try row.decode("tax_basis_points", as: Int.self))
        invoice.createdAt = .micros(try row.decode("created_us"))
        return invoice
    }

    func invoices(_ caller: RPCCaller, _ request: BillingListInvoicesRequest) async throws
        -> BillingListInvoicesResponse
    {
        let page = try await self.numberedPage("invoices", columns: Self.invoiceColumns, of: caller.id, request.page)
        var response = BillingListInvoicesResponse()
        response.invoices = try page.rows.map(Self.invoice)
        let notes = try await Self.creditNotes(
            self.database, where: "c.account_id = $1 AND c.invoice_id = ANY ($2::uuid[])",
            [caller.id, PostgresTextArray.literal(response.invoices.map(\.invoiceID))])
        for index in response.invoices.indices {
            response.invoices[index].creditNotes = notes.filter { $0.invoiceID == response.invoices[index].invoiceID }
        }
        response.page.nextPageToken = page.next
        return response
    }

    /// The invoice as a PDF, for its owner only.
    func invoicePDF(_ caller: RPCCaller, _ id: String) async throws -> BillingInvoicePDF {
        let invoiceID = try failure.parseID(id, "invoice")
        guard
            let row = try await self.database.query(
                "SELECT \(Self.invoiceColumns) FROM invoices WHERE id = $1 AND account_id = $2", [invoiceID, caller.id]
            ).first
        else { throw failure.notFound("invoice") }
        let invoice = try Self.invoice(row)
        let parties = try Self.parties(row)
        var answer = BillingInvoicePDF()
        answer.number = invoice.number
        answer.pdf = Data(try InvoiceDocument(invoice: invoice, seller: parties.seller, buyer: parties.buyer).render())
        return answer
    }

    /// The seller and the buyer as an invoice row keeps them (`seller`, `buyer` as JSON text).
    static func parties(_ row: PostgresRow) throws -> (seller: [String: String], buyer: [String: String]) {
        let parsed = try ["seller", "buyer"].map { column in
            (try? JSONSerialization.jsonObject(with: Data(try row.decode(column, as: String.self).utf8)))
                as? [String: String] ?? [:]
        }
        return (parsed[0], parsed[1])
    }

    func profile(_ caller: RPCCaller) async throws -> BillingProfile {
        try await self.profile(self.database, caller.id)
    }

    private func profile(_ session: some PostgresQuerying, _ account: String) async throws -> BillingProfile {
        var profile = BillingProfile()
        if let row = try await session.query(
            "SELECT name, address, country, tax_id FROM billing_profiles WHERE account_id = $1", [account]
        ).first {
            (profile.name, profile.address) = (try row.decode("name"), try row.decode("address"))
            (profile.country, profile.taxID) = (try row.decode("country"), try row.decode("tax_id"))
        }
        return profile
    }

    func setProfile(_ caller: RPCCaller, _ request: BillingProfile) async throws -> BillingProfile {
        let country = request.country.uppercased()
        guard country.isEmpty || country.range(of: Self.countryPattern, options: .regularExpression) != nil else {
            throw failure.invalid("country", "a country is its two-letter ISO 3166 code")
        }
        guard request.name.count <= 200, request.address.count <= 500, request.taxID.count <= 50 else {
            throw failure.invalid("profile", "name up to 200 characters, address 500, tax id 50")
        }
        try await self.database.transaction { session in
            try await self.ledger.lockAccount(session, caller.id, kind: caller.accountKind)
            try await session.execute(
                """
                INSERT INTO billing_profiles (account_id, name, address, country, tax_id) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (account_id) DO UPDATE SET name = $2, address = $3, country = $4, tax_id = $5
                """, [caller.id, request.name, request.address, country, request.taxID])
        }
        return try await self.profile(caller)
    }

    func taxRates() async throws -> BillingTaxRates {
        var rates = BillingTaxRates()
        rates.rates = try await self.database.query(
            "SELECT country, name, basis_points FROM tax_rates ORDER BY country"
        )
        .map { row in
            var rate = BillingTaxRate()
            (rate.country, rate.name) = (try row.decode("country"), try row.decode("name"))
            rate.basisPoints = UInt32(try row.decode("basis_points", as: Int.self))
            return rate
        }
        return rates
    }

    /// Admin: the tax rates, replaced whole. Invoices already made keep theirs.
    func setTaxRates(_ caller: RPCCaller, _ request: BillingSetTaxRatesRequest) async throws -> BillingTaxRates {
        try self.requireAdmin(caller)
        for rate in request.rates {
            guard rate.country.range(of: Self.countryPattern, options: .regularExpression) != nil,
                !rate.name.isEmpty, rate.name.count <= 40, rate.basisPoints <= Self.maxTaxBasisPoints
            else {
                throw failure.invalid(
                    "rates",
                    "each rate has a two-letter upper-case country, a name of 1 to 40 characters and 0 to 10000 basis points"
                )
            }
        }
        guard Set(request.rates.map(\.country)).count == request.rates.count else {
            throw failure.invalid("rates", "a country is listed twice")
        }
        _ = try await self.idempotency.run(
            caller: caller.id, method: "SetTaxRates", key: request.idempotencyKey, request: request
        ) { session in
            try await session.execute("DELETE FROM tax_rates", [])
            for rate in request.rates {
                try await session.execute(
                    "INSERT INTO tax_rates (country, name, basis_points) VALUES ($1, $2, $3)",
                    [rate.country, rate.name, Int(rate.basisPoints)])
            }
            return BillingTaxRates()
        }
        return try await self.taxRates()
    }
}
