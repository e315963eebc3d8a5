import Hummingbird
import ImageSwissProtos
import RPC

/// The sales catalogue: GET /api/v1/billing/catalogue (public: what is on sale, for the landing and
/// billing pages) and GET/PUT /api/v1/admin/billing/catalogue (every tier, who changed it, and each
/// item's price per credit beside the base price). Billing enforces the price rule on every PUT.
struct CatalogueRoutes {
    let billing: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.get("api/v1/billing/catalogue", use: self.onSale)
        router.requiring(.admin).get("api/v1/admin/billing/catalogue", use: self.current)
        router.requiring(.admin).put("api/v1/admin/billing/catalogue", use: self.replace)
    }

    @Sendable func onSale(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let catalogue = try await self.billing.unary(
            BillingMethods.getCatalogue, BillingGetCatalogueRequest(), options: EdgeCalls.options(context))
        return try JSONAnswer.response(CatalogueJSON(catalogue, admin: false), request: request, context: context)
    }

    @Sendable func current(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let catalogue = try await self.billing.unary(
            BillingMethods.getCatalogue, BillingGetCatalogueRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(CatalogueJSON(catalogue, admin: true), request: request, context: context)
    }

    @Sendable func replace(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = try await request.decode(as: CatalogueBody.self, context: context).call
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let catalogue = try await self.billing.unary(
            BillingMethods.setCatalogue, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(CatalogueJSON(catalogue, admin: true), request: request, context: context)
    }
}
