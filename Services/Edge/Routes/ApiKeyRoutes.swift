import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/auth/keys: API keys — made with scopes and an optional expiry (the secret shown once),
/// listed, their usage per day, revoked. Managed only from a signed-in session.
struct ApiKeyRoutes {
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let keys = router.group("api/v1/auth/keys").requiring(.session)
        keys.get(use: self.listKeys)
        keys.post(use: self.createKey)
        keys.get(":id/usage", use: self.keyUsage)
        keys.delete(":id", use: self.revokeKey)
    }
    @Sendable func listKeys(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let keys = try await self.auth.unary(
            AuthMethods.listApiKeys, AuthListApiKeysRequest(), options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            Page(items: keys.keys.map { ApiKeyJSON($0) }, nextPageToken: nil), request: request, context: context)
    }

    @Sendable func createKey(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await request.decode(as: ApiKeyBody.self, context: context)
        var call = AuthCreateApiKeyRequest()
        call.name = body.name
        call.scopes = body.scopes ?? []
        call.expiresInDays = body.expiresInDays ?? 0
        call.idempotencyKey = Idempotency.key(request)
        let created = try await self.auth.unary(
            AuthMethods.createApiKey, call, options: EdgeCalls.options(context, caller))
        // A replay's Idempotent-Replayed header: IdempotencyReplay.
        return try JSONAnswer.response(
            ApiKeyJSON(created.key, secret: created.secret, replayed: created.replayed), status: .created,
            request: request, context: context)
    }

    @Sendable func keyUsage(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthGetApiKeyUsageRequest()
        call.keyID = context.parameters.get("id") ?? ""
        if let days = request.uri.queryParameters["days"] {
            guard let number = UInt32(days), number >= 1 else {
                throw EdgeError(.badRequest, "invalid_argument", "days is a whole number from 1", field: "days")
            }
            call.days = number
        }
        let usage = try await self.auth.unary(
            AuthMethods.getApiKeyUsage, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(
            ApiKeyUsageJSON(
                days: usage.days.map { .init(day: $0.day, calls: $0.calls, errors: $0.errors) },
                calls: usage.days.reduce(0) { $0 + $1.calls }, errors: usage.days.reduce(0) { $0 + $1.errors }),
            request: request, context: context)
    }

    @Sendable func revokeKey(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var call = AuthRevokeApiKeyRequest()
        call.keyID = context.parameters.get("id") ?? ""
        _ = try await self.auth.unary(AuthMethods.revokeApiKey, call, options: EdgeCalls.options(context, caller))
        return try JSONAnswer.response(OK(), request: request, context: context)
    }
}
