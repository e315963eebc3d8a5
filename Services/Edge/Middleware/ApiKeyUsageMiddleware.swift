import Hummingbird

/// Counts every call made with an API key, and those answered with an error (4xx, 5xx), for the
/// key's owner (GET /api/v1/auth/keys/{id}/usage).
struct ApiKeyUsageMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let usage: ApiKeyUsage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let key = context.caller?.apiKeyID else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            self.usage.record(key: key, error: response.status.code >= 400)
            return response
        } catch {
            self.usage.record(key: key, error: true)
            throw error
        }
    }
}
