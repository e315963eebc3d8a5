import Hummingbird

/// Who is calling, and whether they may call now, as one middleware: the credentials verified
/// (Authentication), the rate limits (RateLimits), and each call made with an API key counted for
/// its owner, those answered with an error (4xx, 5xx, refusals by the limits included) among its
/// errors (ApiKeyUsage, GET /api/v1/auth/keys/{id}/usage). They were three middlewares
/// (docs/performance.md, "Edge /me").
struct CallerMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let authentication: Authentication
    let limits: RateLimits
    let usage: ApiKeyUsage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.caller = try await self.authentication.caller(of: request, context)
        let key = context.caller?.apiKeyID
        do {
            try await self.limits.admit(request, context)
            let response = try await next(request, context)
            if let key { self.usage.record(key: key, error: response.status.code >= 400) }
            return response
        } catch {
            if let key { self.usage.record(key: key, error: true) }
            throw error
        }
    }
}
