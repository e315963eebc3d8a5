import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/auth: registration, sign-in, sessions, email verification, password reset. API keys:
/// ApiKeyRoutes.
struct AuthRoutes {
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        let group = router.group("api/v1/auth")
        group.post("register", use: self.register)
        group.post("signin", use: self.signIn)
        group.post("refresh", use: self.refresh)
        group.post("signout", use: self.signOut)
        group.post("verify-email/request", use: self.requestEmailVerification)
        group.post("verify-email", use: self.confirmEmail)
        group.post("password/forgot", use: self.forgotPassword)
        group.post("password/reset", use: self.resetPassword)
    }

    @Sendable func register(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try await request.decode(as: RegisterBody.self, context: context)
        var call = AuthRegisterRequest()
        call.email = body.email
        call.password = body.password
        call.displayName = body.displayName ?? ""
        call.locale = body.locale ?? ""
        call.idempotencyKey = Idempotency.key(request)
        let account = try await self.auth.unary(AuthMethods.register, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(AccountJSON(account), status: .created, request: request, context: context)
    }

    @Sendable func signIn(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try await request.decode(as: SignInBody.self, context: context)
        var call = AuthSignInRequest()
        call.email = body.email
        call.password = body.password
        call.clientIp = context.clientAddress
        call.userAgent = request.headers[.userAgent] ?? ""
        let result = try await self.auth.unary(AuthMethods.signIn, call, options: EdgeCalls.options(context))
        let cookie = body.session == "cookie"
        var response = try JSONAnswer.response(
            SignInJSON(account: AccountJSON(result.account), tokens: cookie ? nil : TokensJSON(result.tokens)),
            request: request, context: context)
        if cookie { SessionCookies.set(result.tokens, on: &response) }
        return response
    }

    @Sendable func refresh(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let (token, fromCookie) = try await Self.refreshToken(request, context)
        var call = AuthRefreshRequest()
        call.refreshToken = token
        guard !call.refreshToken.isEmpty else {
            throw EdgeError(.unauthorized, "invalid_refresh_token", "no refresh token")
        }
        call.clientIp = context.clientAddress
        let pair = try await self.auth.unary(AuthMethods.refresh, call, options: EdgeCalls.options(context))
        if fromCookie {
            var response = try JSONAnswer.response(OK(), request: request, context: context)
            SessionCookies.set(pair, on: &response)
            return response
        }
        return try JSONAnswer.response(TokensJSON(pair), request: request, context: context)
    }

    @Sendable func signOut(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthSignOutRequest()
        call.refreshToken = try await Self.refreshToken(request, context).token
        if !call.refreshToken.isEmpty {
            _ = try await self.auth.unary(AuthMethods.signOut, call, options: EdgeCalls.options(context))
        }
        var response = try JSONAnswer.response(OK(), request: request, context: context)
        SessionCookies.clear(on: &response)
        return response
    }

    @Sendable func requestEmailVerification(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthEmailRequest()
        call.email = try await request.decode(as: EmailBody.self, context: context).email
        _ = try await self.auth.unary(AuthMethods.requestEmailVerification, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(OK(), status: .accepted, request: request, context: context)
    }

    @Sendable func confirmEmail(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthConfirmEmailRequest()
        call.token = try await request.decode(as: TokenBody.self, context: context).token
        _ = try await self.auth.unary(AuthMethods.confirmEmail, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(OK(), request: request, context: context)
    }

    @Sendable func forgotPassword(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthEmailRequest()
        call.email = try await request.decode(as: EmailBody.self, context: context).email
        _ = try await self.auth.unary(AuthMethods.requestPasswordReset, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(OK(), status: .accepted, request: request, context: context)
    }

    @Sendable func resetPassword(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let body = try await request.decode(as: ResetBody.self, context: context)
        var call = AuthResetPasswordRequest()
        call.token = body.token
        call.newPassword = body.newPassword
        _ = try await self.auth.unary(AuthMethods.resetPassword, call, options: EdgeCalls.options(context))
        return try JSONAnswer.response(OK(), request: request, context: context)
    }

    /// The refresh token of a refresh or sign-out: from the JSON body (scripts), or else from the
    /// `isw_refresh` cookie (browsers) — which, being a change by cookie, needs the CSRF header.
    static func refreshToken(_ request: Request, _ context: EdgeRequestContext) async throws -> (
        token: String, fromCookie: Bool
    ) {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        if buffer.readableBytes > 0,
            let token = try JSONDecoder().decode(RefreshBody.self, from: Data(buffer: buffer)).refreshToken
        {
            return (token, false)
        }
        try SessionCookies.requireCSRF(request)
        return (request.cookies[SessionCookies.refresh]?.value ?? "", true)
    }
}
