import Foundation
import Hummingbird
import ImageSwissProtos
import RPC

/// /api/v1/auth/oauth: sign-in with Google or GitHub for browsers.
/// `start` redirects to the provider and binds the flow's state to this browser in a short-lived
/// cookie (SameSite=Lax: the provider's redirect back is a cross-site navigation); `callback`
/// accepts the code only with a state matching that cookie — another site cannot finish a sign-in
/// it started into the victim's browser — then sets the session cookies and goes to the web app.
/// A callback that fails goes to the app's sign-in page with the error's code (`oauth_error`),
/// never its text: a crafted link can then only show one of the app's own messages.
struct OAuthRoutes {
    let auth: RPCClient
    static let stateCookie = "isw_oauth"
    static let cookiePath = "/api/v1/auth/oauth"

    func add(to router: Router<EdgeRequestContext>) {
        let group = router.group("api/v1/auth/oauth")
        group.get("providers", use: self.providers)
        group.get(":provider/start", use: self.start)
        group.get(":provider/callback", use: self.callback)
    }

    @Sendable func providers(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let list = try await self.auth.unary(
            AuthMethods.listOAuthProviders, AuthListOAuthProvidersRequest(), options: EdgeCalls.options(context))
        return try JSONAnswer.response(["providers": list.providers], request: request, context: context)
    }

    @Sendable func start(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        var call = AuthOAuthStartRequest()
        call.provider = context.parameters.get("provider") ?? ""
        let started = try await self.auth.unary(AuthMethods.oauthStart, call, options: EdgeCalls.options(context))
        var response = Response(
            status: .found, headers: [.location: started.authorizeURL, .cacheControl: "no-store"])
        response.setCookie(
            Cookie(
                name: Self.stateCookie, value: started.state, maxAge: 600, path: Self.cookiePath,
                secure: SessionCookies.secure, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func callback(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        do {
            return try await self.finish(request, context: context)
        } catch {
            // The page gets the code; the operator's log gets the provider's own words.
            context.logger.warning("oauth sign-in failed", metadata: ["error": "\(error)"])
            let code =
                switch error {
                case let error as EdgeError: error.code
                case let error as RPCError: EdgeError(error).code
                default: "internal"
                }
            var response = Response(
                status: .found, headers: [.location: "/#/signin?oauth_error=\(code)", .cacheControl: "no-store"])
            response.setCookie(Self.expiredStateCookie)
            return response
        }
    }

    static var expiredStateCookie: Cookie {
        Cookie(
            name: stateCookie, value: "", maxAge: 0, path: cookiePath, secure: SessionCookies.secure, httpOnly: true,
            sameSite: .lax)
    }

    private func finish(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        if let denied = query["error"] {
            throw EdgeError(
                .unauthorized, "oauth_failed", "the provider did not sign you in (\(denied.prefix(64)))")
        }
        guard let state = query["state"].map(String.init), let expected = request.cookies[Self.stateCookie]?.value,
            !expected.isEmpty, SessionCookies.constantTimeEqual(state, expected)
        else {
            throw EdgeError(
                .badRequest, "oauth_state_mismatch", "this sign-in was not started in this browser; start again")
        }
        var call = AuthOAuthFinishRequest()
        call.provider = context.parameters.get("provider") ?? ""
        call.code = query["code"].map(String.init) ?? ""
        call.state = state
        call.clientIp = context.clientAddress
        call.userAgent = request.headers[.userAgent] ?? ""
        let result = try await self.auth.unary(AuthMethods.oauthFinish, call, options: EdgeCalls.options(context))
        var response = Response(status: .found, headers: [.location: "/", .cacheControl: "no-store"])
        SessionCookies.set(result.tokens, on: &response)
        response.setCookie(Self.expiredStateCookie)
        return response
    }
}
