import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// Invoices and what goes on them — the caller's invoices and each as a PDF, their billing profile
/// (name, address, country — which picks the tax rate — and tax id), and the admins' tax rates.
struct InvoiceRoutes {
    let billing: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        self.addAccount(to: router.group("api/v1/billing"))
        let admin = router.group("api/v1/admin/billing").requiring(.admin)
        admin.post("invoices/:id/refund", use: self.refund)
        admin.get("tax-rates", use: self.taxRates)
        admin.put("tax-rates", use: self.setTaxRates)
    }

    /// An account's invoices, credit notes and billing profile: one's own, or a team's for its
    /// managers (TeamRoutes).
    func addAccount(to billing: RouterGroup<EdgeRequestContext>) {
        let reads = billing.requiring(.scope("billing:read"))
        reads.get("invoices", use: self.list)
        reads.get("invoices/:id/pdf", use: self.pdf)
        reads.get("credit-notes/:id/pdf", use: self.creditNotePDF)
        reads.get("profile", use: self.profile)
        billing.requiring(.session).put("profile", use: self.setProfile)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingListInvoicesRequest()
        call.page.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
        let page = try await self.billing.unary(
            BillingMethods.listInvoices, call, options: EdgeCalls.options(context, caller))
        // A team's invoices link to the team's PDFs.
        let base = String(request.uri.path.dropLast("/invoices".count))
        return try JSONAnswer.response(
            Page(
                items: page.invoices.map { InvoiceJSON($0, base: base) },
                nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    @Sendable func pdf(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingGetInvoicePDFRequest()
        call.invoiceID = try context.parameters.require("id")
        return Self.pdfResponse(
            try await self.billing.unary(
                BillingMethods.getInvoicePDF, call, options: EdgeCalls.options(context, caller)))
    }

    @Sendable func creditNotePDF(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingGetCreditNotePDFRequest()
        call.creditNoteID = try context.parameters.require("id")
        return Self.pdfResponse(
            try await self.billing.unary(
                BillingMethods.getCreditNotePDF, call, options: EdgeCalls.options(context, caller)))
    }

    /// Admin: refunds (part of) an invoice; answers its credit note.
    @Sendable func refund(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: RefundBody.self, context: context)
        var call = BillingRefundInvoiceRequest()
        call.invoiceID = try context.parameters.require("id")
        call.amountCents = body.amountCents ?? 0
        call.reason = body.reason ?? ""
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let note = try await self.billing.unary(
            BillingMethods.refundInvoice, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(CreditNoteJSON(note), status: .created, request: request, context: context)
    }

    static func pdfResponse(_ document: BillingInvoicePDF) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf", .cacheControl: "private, no-store",
                .contentDisposition: "attachment; filename=\"\(document.number).pdf\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: document.pdf)))
    }

    @Sendable func profile(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let profile = try await self.billing.unary(
            BillingMethods.getProfile, BillingGetProfileRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(ProfileJSON(profile), request: request, context: context)
    }

    @Sendable func setProfile(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: ProfileJSON.self, context: context)
        var call = BillingProfile()
        (call.name, call.address, call.country, call.taxID) = (body.name, body.address, body.country, body.taxID)
        let profile = try await self.billing.unary(
            BillingMethods.setProfile, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(ProfileJSON(profile), request: request, context: context)
    }

    @Sendable func taxRates(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let rates = try await self.billing.unary(
            BillingMethods.getTaxRates, BillingGetTaxRatesRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TaxRatesJSON(rates), request: request, context: context)
    }

    @Sendable func setTaxRates(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: TaxRatesJSON.self, context: context)
        var call = BillingSetTaxRatesRequest()
        call.rates = body.rates.map { rate in
            var item = BillingTaxRate()
            (item.country, item.name, item.basisPoints) = (rate.country, rate.name, rate.basisPoints)
            return item
        }
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let rates = try await self.billing.unary(
            BillingMethods.setTaxRates, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(TaxRatesJSON(rates), request: request, context: context)
    }
}
