import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/webhooks over Jobs: endpoints, their secrets (Standard Webhooks), the delivery log, a
/// test event and redelivery. Changing an endpoint needs a session; reading needs `jobs:read`.
struct WebhookRoutes {
    let jobs: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let webhooks = router.group("api/v1/webhooks")
        webhooks.requiring(.session).post(use: self.create)
        webhooks.requiring(.scope("jobs:read")).get(use: self.list)
        webhooks.requiring(.session).delete(":id", use: self.delete)
        webhooks.requiring(.session).post(":id/rotate-secret", use: self.rotateSecret)
        webhooks.requiring(.scope("jobs:write")).post(":id/test", use: self.sendTest)
        webhooks.requiring(.scope("jobs:read")).get(":id/deliveries", use: self.deliveries)
        webhooks.requiring(.scope("jobs:write")).post(":id/deliveries/:delivery_id/redeliver", use: self.redeliver)
    }

    @Sendable func create(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: WebhookBody.self, context: context)
        var call = JobsCreateWebhookRequest()
        call.url = body.url
        call.events = body.events ?? []
        call.idempotencyKey = Idempotency.keyOrFresh(request)
        let webhook = try await self.jobs.unary(
            JobsMethods.createWebhook, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(WebhookJSON(webhook), status: .created, request: request, context: context)
    }

    @Sendable func list(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let list = try await self.jobs.unary(
            JobsMethods.listWebhooks, JobsListWebhooksRequest(), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: list.webhooks.map(WebhookJSON.init), nextPageToken: nil), request: request, context: context)
    }

    @Sendable func delete(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        _ = try await self.jobs.unary(
            JobsMethods.deleteWebhook, try Self.webhook(context), options: EdgeCalls.jobOptions(context, caller))
        return Response(status: .noContent)
    }

    /// A new secret, shown once; the previous one signs beside it until `previous_secret_expires_at`.
    @Sendable func rotateSecret(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let webhook = try await self.jobs.unary(
            JobsMethods.rotateWebhookSecret, try Self.webhook(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(WebhookJSON(webhook), request: request, context: context)
    }

    @Sendable func sendTest(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let delivery = try await self.jobs.unary(
            JobsMethods.testWebhook, try Self.webhook(context), options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(DeliveryJSON(delivery), status: .accepted, request: request, context: context)
    }

    @Sendable func deliveries(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = JobsListDeliveriesRequest()
        call.webhookID = try context.parameters.require("id")
        call.page = QueryValues.page(request)
        let page = try await self.jobs.unary(
            JobsMethods.listDeliveries, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(
            Page(items: page.deliveries.map(DeliveryJSON.init), nextPageToken: QueryValues.nextToken(page.page)),
            request: request, context: context)
    }

    @Sendable func redeliver(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = JobsRedeliverRequest()
        call.webhookID = try context.parameters.require("id")
        // Not a number is not one of the caller's deliveries: the same 404 as an unknown one.
        guard let id = context.parameters.get("delivery_id").flatMap(Int64.init) else {
            throw EdgeError(.notFound, "not_found", "delivery not found")
        }
        call.deliveryID = id
        let delivery = try await self.jobs.unary(
            JobsMethods.redeliver, call, options: EdgeCalls.jobOptions(context, caller))
        return try JSONAnswer.response(DeliveryJSON(delivery), status: .accepted, request: request, context: context)
    }

    static func webhook(_ context: EdgeRequestContext) throws -> JobsWebhookRequest {
        var call = JobsWebhookRequest()
        call.webhookID = try context.parameters.require("id")
        return call
    }
}
