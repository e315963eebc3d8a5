import Hummingbird

/// Serves transformation links this edge answered recently straight from its TransformCache, right
/// inside the access log and before every other middleware and the router: a cached hit is static
/// content (no credentials, no rate limit, its own security headers), and the chain it skips was
/// most of its cost (docs/performance.md, "URL transformations"). A miss goes on to TransformRoutes,
/// which fills the cache.
struct TransformCacheMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let cache: TransformCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method == .get || request.method == .head, request.uri.path.hasPrefix("/t/"),
            let entry = self.cache.entry(
                TransformCache.key(path: request.uri.path, accept: request.headers[.accept] ?? ""))
        else { return try await next(request, context) }
        context.trail.route = TransformRoutes.route
        return TransformRoutes.answer(request, entry)
    }
}
