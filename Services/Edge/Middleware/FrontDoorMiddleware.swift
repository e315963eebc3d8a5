import HTTPTypes
import Hummingbird
import RPC

/// The edge's outer layers as one middleware, in this order: the access log and HTTP metrics
/// (AccessLog), transformation links answered from the TransformCache, the client's address
/// (ClientAddress), the request id (RequestID), `Idempotent-Replayed` (IdempotencyReplay), the
/// security headers (SecurityHeaders) and every error as EdgeError's JSON. They were seven
/// middlewares, and the chain cost more than their work (docs/performance.md, "Edge /me"); each
/// rule stays in its own file.
struct FrontDoorMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let accessLog: AccessLog
    let transforms: TransformCache
    let addresses: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        if let hit = self.cachedTransformation(request) {
            self.accessLog.record(
                request, context, status: hit.status.code, bytes: hit.body.contentLength, route: TransformRoutes.route,
                started: started)
            return hit
        }
        var context = context
        if !self.addresses.trusted.isEmpty {
            context.clientAddress = self.addresses.resolve(
                peer: context.peerAddress, forwarded: request.headers[values: ClientAddress.forwarded],
                forwardedFor: request.headers[values: ClientAddress.forwardedFor])
        }
        if let supplied = RequestID.supplied(by: request) {
            context.logger[metadataKey: RequestID.metadataKey] = "\(supplied)"
        }
        let id = context.requestID ?? ""
        var response: Response
        do {
            response = try await IdempotencyReplay.marking(request) { try await next(request, context) }
        } catch {
            // Rendered here, where the context knows the id: the error's JSON names it too.
            response = try EdgeError.translating(error, logger: context.logger).response(
                from: request, context: context)
        }
        SecurityHeaders.apply(&response.headers)
        response.headers[RequestID.header] = id
        self.accessLog.record(
            request, context, status: response.status.code, bytes: response.body.contentLength, requestID: id,
            started: started)
        return response
    }

    /// A transformation link this edge answered recently, straight from the TransformCache: a
    /// cached hit is static content (no credentials, no rate limit, its own security headers). A
    /// miss goes on to TransformRoutes, which fills the cache.
    private func cachedTransformation(_ request: Request) -> Response? {
        guard request.method == .get || request.method == .head, request.uri.path.hasPrefix("/t/"),
            let entry = self.transforms.entry(
                TransformCache.key(path: request.uri.path, accept: request.headers[.accept] ?? ""))
        else { return nil }
        return TransformRoutes.answer(request, entry)
    }
}
