import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/admin/billing: the price list, credit grants and the revenue report. Admin sessions only.
/// (The sales catalogue: CatalogueRoutes; tax rates and refunds: InvoiceRoutes.)
struct AdminBillingRoutes {
    let billing: RPCClient
    func add(to router: Router<EdgeRequestContext>) {
        let admin = router.group("api/v1/admin/billing").requiring(.admin)
        admin.get("prices", use: self.listPrices)
        admin.put("prices", use: self.setPrices)
        admin.post("grants", use: self.grant)
        admin.get("report", use: self.report)
    }

    @Sendable func listPrices(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let list = try await self.billing.unary(
            BillingMethods.getPriceList, BillingGetPriceListRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(PriceListJSON(list), request: request, context: context)
    }

    @Sendable func setPrices(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: PriceListBody.self, context: context)
        var call = BillingSetPriceListRequest()
        call.prices = body.prices.map { price in
            var entry = BillingPriceEntry()
            entry.operation = price.operation
            entry.credits = price.credits
            entry.perMegapixel = price.perMegapixel ?? 0
            entry.includedMegapixels = price.includedMegapixels ?? 0
            return entry
        }
        call.fastLanePercent = body.fastLanePercent ?? 0
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let list = try await self.billing.unary(
            BillingMethods.setPriceList, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(PriceListJSON(list), request: request, context: context)
    }

    @Sendable func grant(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: GrantBody.self, context: context)
        var call = BillingGrantRequest()
        call.accountID = body.accountID
        call.amount = body.amount
        call.source = body.source ?? "promotional"
        call.expiresInSeconds = body.expiresInSeconds ?? 0
        call.reference = body.reference ?? ""
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let entry = try await self.billing.unary(
            BillingMethods.grant, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(EntryJSON(entry), status: .created, request: request, context: context)
    }

    @Sendable func report(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var call = BillingReportRequest()
        if let from = query["from"] { call.from = try QueryValues.timestamp(String(from), field: "from") }
        if let to = query["to"] { call.to = try QueryValues.timestamp(String(to), field: "to") }
        call.limit = query["limit"].flatMap { UInt32($0) } ?? 0
        let report = try await self.billing.unary(
            BillingMethods.getReport, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(ReportJSON(report), request: request, context: context)
    }
}
