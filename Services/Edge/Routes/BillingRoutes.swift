import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/billing: balance, history, packs and checkout, quotes, subscription, receipts; the Stripe
/// webhook; and /api/v1/admin/billing: prices, grants, reports.
struct BillingRoutes {
    let billing: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let billing = router.group("api/v1/billing")
        self.addBalance(to: billing)
        self.addAccount(to: billing)
        billing.get("packs", use: self.packs)
        billing.get("tiers", use: self.tiers)
        billing.requiring(.anyScope(["billing:read", "jobs:write"])).post("quote", use: self.quote)
        billing.requiring(.session).post("portal", use: self.portal)
        billing.post("webhooks/stripe", use: self.stripeWebhook)
    }

    /// The balance: one's own, or a team's for any member (TeamRoutes).
    func addBalance(to billing: RouterGroup<EdgeRequestContext>) {
        billing.requiring(.scope("billing:read")).get("balance", use: self.balance)
    }

    /// An account's money, one's own or a team's for its managers (TeamRoutes): history, buying
    /// credits, the subscription and receipts.
    func addAccount(to billing: RouterGroup<EdgeRequestContext>) {
        let reads = billing.requiring(.scope("billing:read"))
        let changes = billing.requiring(.session)
        reads.get("history", use: self.history)
        changes.post("checkout", use: self.checkout)
        reads.get("checkout/:id", use: self.checkoutStatus)
        changes.post("checkout/:id/complete", use: self.completeCheckout)
        reads.get("subscription", use: self.subscription)
        changes.put("subscription", use: self.changeSubscription)
        reads.get("receipts", use: self.receipts)
    }

    @Sendable func balance(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let balance = try await self.billing.unary(
            BillingMethods.getBalance, BillingGetBalanceRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(BalanceJSON(balance), request: request, context: context)
    }

    @Sendable func history(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var call = BillingHistoryRequest()
        call.kind = query["kind"].map(String.init) ?? ""
        call.page = QueryValues.page(request)
        if let after = query["after"] { call.after = try QueryValues.timestamp(String(after), field: "after") }
        if let before = query["before"] { call.before = try QueryValues.timestamp(String(before), field: "before") }
        let page = try await self.billing.unary(
            BillingMethods.history, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(items: page.entries.map(EntryJSON.init), nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    @Sendable func packs(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let packs = try await self.billing.unary(
            BillingMethods.listPacks, BillingListPacksRequest(), options: EdgeCalls.options(context))
        return try JSONAnswer.response(
            PacksJSON(
                items: packs.packs.map(PackJSON.init), creditPriceCents: packs.creditPriceCents,
                paymentProvider: packs.paymentProvider),
            request: request, context: context)
    }

    @Sendable func tiers(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let tiers = try await self.billing.unary(
            BillingMethods.listTiers, BillingListTiersRequest(), options: EdgeCalls.options(context))
        return try JSONAnswer.response(
            Page(items: tiers.tiers.map(TierJSON.init), nextPageToken: nil), request: request, context: context)
    }

    @Sendable func checkout(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: CheckoutBody.self, context: context)
        var call = BillingCheckoutRequest()
        call.packID = body.packID ?? ""
        call.amountCents = body.amountCents ?? 0
        call.successURL = body.successURL ?? ""
        call.cancelURL = body.cancelURL ?? ""
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let checkout = try await self.billing.unary(
            BillingMethods.createCheckout, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(CheckoutJSON(checkout), status: .created, request: request, context: context)
    }

    @Sendable func checkoutStatus(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingGetCheckoutRequest()
        call.checkoutID = try context.parameters.require("id")
        let checkout = try await self.billing.unary(
            BillingMethods.getCheckout, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(CheckoutJSON(checkout), request: request, context: context)
    }

    @Sendable func completeCheckout(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingCompleteLocalCheckoutRequest()
        call.checkoutID = try context.parameters.require("id")
        let checkout = try await self.billing.unary(
            BillingMethods.completeLocalCheckout, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(CheckoutJSON(checkout), request: request, context: context)
    }

    @Sendable func quote(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: QuoteBody.self, context: context)
        var call = BillingQuoteRequest()
        call.lane = body.lane ?? ""
        call.items = try body.items.map { item in
            var line = BillingQuoteItem()
            line.operations = item.operations
            line.count = item.count ?? 1
            if let megapixels = item.megapixels {
                guard megapixels.isFinite, megapixels >= 0, megapixels <= 10_000 else {
                    throw EdgeError(
                        .badRequest, "invalid_megapixels", "megapixels must be 0 to 10000", field: "megapixels")
                }
                line.megapixelsMilli = UInt64((megapixels * 1000).rounded(.up))
            } else if let width = item.width, let height = item.height, width <= 1_000_000, height <= 1_000_000 {
                line.megapixelsMilli = (width * height + 999) / 1000
            }
            return line
        }
        let quote = try await self.billing.unary(
            BillingMethods.quote, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(QuoteJSON(quote), request: request, context: context)
    }

    @Sendable func subscription(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let subscription = try await self.billing.unary(
            BillingMethods.getSubscription, BillingGetSubscriptionRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(SubscriptionJSON(subscription), request: request, context: context)
    }

    @Sendable func changeSubscription(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingChangeSubscriptionRequest()
        let body = try await request.decode(as: SubscriptionBody.self, context: context)
        (call.tierID, call.interval) = (body.tier, body.interval ?? "")
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let subscription = try await self.billing.unary(
            BillingMethods.changeSubscription, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(SubscriptionJSON(subscription), request: request, context: context)
    }

    @Sendable func receipts(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = BillingListReceiptsRequest()
        call.page.pageToken = request.uri.queryParameters["page_token"].map(String.init) ?? ""
        let page = try await self.billing.unary(
            BillingMethods.listReceipts, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(items: page.receipts.map(ReceiptJSON.init), nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    // Stripe calls this without credentials: the Stripe-Signature header (checked by Billing) is the proof.
    @Sendable func stripeWebhook(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = BillingStripeWebhookRequest()
        call.payload = Data(buffer: try await request.body.collect(upTo: 1 << 20))
        call.signatureHeader = request.headers[HTTPField.Name("Stripe-Signature")!] ?? ""
        let answer = try await self.billing.unary(
            BillingMethods.handleStripeWebhook, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(["outcome": answer.outcome], request: request, context: context)
    }

    /// Stripe's customer portal for the caller: `{url}` to send the browser to.
    @Sendable func portal(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let session = try await self.billing.unary(
            BillingMethods.createPortalSession, BillingPortalSessionRequest(),
            options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(["url": session.url], request: request, context: context)
    }

}
