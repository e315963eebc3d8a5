import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/auth: registration, sign-in, sessions, email verification, password reset, API keys.
struct AuthRoutes {
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let group = router.group("api/v1/auth")
        group.post("register") { request, context -> Response in
            let body = try await request.decode(as: RegisterBody.self, context: context)
            var call = AuthRegisterRequest()
            call.email = body.email
            call.password = body.password
            call.displayName = body.display_name ?? ""
            call.locale = body.locale ?? ""
            call.idempotencyKey = request.headers[Self.idempotencyKey] ?? ""
            let account = try await self.auth.unary(AuthMethods.register, call, options: Self.options(context))
            return try Self.json(AccountJSON(account), status: .created, request: request, context: context)
        }
        group.post("signin") { request, context -> Response in
            let body = try await request.decode(as: SignInBody.self, context: context)
            var call = AuthSignInRequest()
            call.email = body.email
            call.password = body.password
            call.clientIp = context.clientAddress
            call.userAgent = request.headers[.userAgent] ?? ""
            let result = try await self.auth.unary(AuthMethods.signIn, call, options: Self.options(context))
            let cookie = body.session == "cookie"
            var response = try Self.json(
                SignInJSON(account: AccountJSON(result.account), tokens: cookie ? nil : TokensJSON(result.tokens)),
                request: request, context: context)
            if cookie { SessionCookies.set(result.tokens, on: &response) }
            return response
        }
        group.post("refresh") { request, context -> Response in
            let (token, fromCookie) = try await Self.refreshToken(request, context)
            var call = AuthRefreshRequest()
            call.refreshToken = token
            guard !call.refreshToken.isEmpty else {
                throw EdgeError(.unauthorized, "invalid_refresh_token", "no refresh token")
            }
            call.clientIp = context.clientAddress
            let pair = try await self.auth.unary(AuthMethods.refresh, call, options: Self.options(context))
            if fromCookie {
                var response = try Self.json(OK(), request: request, context: context)
                SessionCookies.set(pair, on: &response)
                return response
            }
            return try Self.json(TokensJSON(pair), request: request, context: context)
        }
        group.post("signout") { request, context -> Response in
            var call = AuthSignOutRequest()
            call.refreshToken = try await Self.refreshToken(request, context).token
            if !call.refreshToken.isEmpty {
                _ = try await self.auth.unary(AuthMethods.signOut, call, options: Self.options(context))
            }
            var response = try Self.json(OK(), request: request, context: context)
            SessionCookies.clear(on: &response)
            return response
        }
        group.post("verify-email/request") { request, context -> Response in
            var call = AuthEmailRequest()
            call.email = try await request.decode(as: EmailBody.self, context: context).email
            _ = try await self.auth.unary(AuthMethods.requestEmailVerification, call, options: Self.options(context))
            return try Self.json(OK(), status: .accepted, request: request, context: context)
        }
        group.post("verify-email") { request, context -> Response in
            var call = AuthConfirmEmailRequest()
            call.token = try await request.decode(as: TokenBody.self, context: context).token
            _ = try await self.auth.unary(AuthMethods.confirmEmail, call, options: Self.options(context))
            return try Self.json(OK(), request: request, context: context)
        }
        group.post("password/forgot") { request, context -> Response in
            var call = AuthEmailRequest()
            call.email = try await request.decode(as: EmailBody.self, context: context).email
            _ = try await self.auth.unary(AuthMethods.requestPasswordReset, call, options: Self.options(context))
            return try Self.json(OK(), status: .accepted, request: request, context: context)
        }
        group.post("password/reset") { request, context -> Response in
            let body = try await request.decode(as: ResetBody.self, context: context)
            var call = AuthResetPasswordRequest()
            call.token = body.token
            call.newPassword = body.new_password
            _ = try await self.auth.unary(AuthMethods.resetPassword, call, options: Self.options(context))
            return try Self.json(OK(), request: request, context: context)
        }

        // API keys: managed only from a signed-in session.
        group.get("keys") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            let keys = try await self.auth.unary(
                AuthMethods.listApiKeys, AuthListApiKeysRequest(), options: Self.options(context, caller))
            return try Self.json(
                Page(items: keys.keys.map { ApiKeyJSON($0) }, next_page_token: nil), request: request, context: context)
        }
        group.post("keys") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            let body = try await request.decode(as: ApiKeyBody.self, context: context)
            var call = AuthCreateApiKeyRequest()
            call.name = body.name
            call.scopes = body.scopes ?? []
            call.expiresInDays = body.expires_in_days ?? 0
            call.idempotencyKey = request.headers[Self.idempotencyKey] ?? ""
            let created = try await self.auth.unary(
                AuthMethods.createApiKey, call, options: Self.options(context, caller))
            // A replay's Idempotent-Replayed header: IdempotencyReplayMiddleware.
            return try Self.json(
                ApiKeyJSON(created.key, secret: created.secret, replayed: created.replayed), status: .created,
                request: request, context: context)
        }
        group.get("keys/:id/usage") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            var call = AuthGetApiKeyUsageRequest()
            call.keyID = context.parameters.get("id") ?? ""
            if let days = request.uri.queryParameters["days"] {
                guard let number = UInt32(days), number >= 1 else {
                    throw EdgeError(.badRequest, "invalid_argument", "days is a whole number from 1", field: "days")
                }
                call.days = number
            }
            let usage = try await self.auth.unary(
                AuthMethods.getApiKeyUsage, call, options: Self.options(context, caller))
            return try Self.json(
                ApiKeyUsageJSON(
                    days: usage.days.map { .init(day: $0.day, calls: $0.calls, errors: $0.errors) },
                    calls: usage.days.reduce(0) { $0 + $1.calls }, errors: usage.days.reduce(0) { $0 + $1.errors }),
                request: request, context: context)
        }
        group.delete("keys/:id") { request, context -> Response in
            let caller = try context.requireCaller()
            try caller.requireSession()
            var call = AuthRevokeApiKeyRequest()
            call.keyID = context.parameters.get("id") ?? ""
            _ = try await self.auth.unary(AuthMethods.revokeApiKey, call, options: Self.options(context, caller))
            return try Self.json(OK(), request: request, context: context)
        }
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    /// Call options: a deadline, the request id, and the caller when there is one.
    static func options(_ context: EdgeRequestContext, _ caller: VerifiedCaller? = nil) -> RPCCallOptions {
        let metadata =
            caller?.metadata(requestID: context.requestID)
            ?? RPCMetadata(context.requestID.map { [RPCMetadata.requestID: $0] } ?? [:])
        return RPCCallOptions(timeout: .seconds(10), metadata: metadata)
    }

    /// The edge itself, as a service, acting on `account`'s things for something the caller may do
    /// with them but does not own (signing a preset preview's link, dropping a leaving member's shares).
    static func asService(for account: String, context: EdgeRequestContext) -> RPCCallOptions {
        var metadata = RPCMetadata([
            RPCMetadata.callerID: account.lowercased(), RPCMetadata.callerRole: "service",
            RPCMetadata.callerScopes: "*",
        ])
        metadata.requestID = context.requestID
        return RPCCallOptions(timeout: .seconds(10), metadata: metadata)
    }

    static func json(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, request: Request, context: EdgeRequestContext
    ) throws -> Response {
        Self.jsonResponse(try Self.encode(value), status: status)
    }

    static func encode(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: try encoder.encode(value))
    }

    static func jsonResponse(_ body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: body))
    }

    /// The refresh token of a refresh or sign-out: from the JSON body (scripts), or else from the
    /// `isw_refresh` cookie (browsers) — which, being a change by cookie, needs the CSRF header.
    static func refreshToken(_ request: Request, _ context: EdgeRequestContext) async throws -> (
        token: String, fromCookie: Bool
    ) {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        if buffer.readableBytes > 0,
            let token = try JSONDecoder().decode(RefreshBody.self, from: Data(buffer: buffer)).refresh_token
        {
            return (token, false)
        }
        try SessionCookies.requireCSRF(request)
        return (request.cookies[SessionCookies.refresh]?.value ?? "", true)
    }
}
