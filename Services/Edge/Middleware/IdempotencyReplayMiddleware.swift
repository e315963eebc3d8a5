import HTTPTypes
import Hummingbird
import RPC

/// `Idempotent-Replayed: true` on the answer to a change sent with an `Idempotency-Key` that the
/// services answered from the key's record instead of doing it again (the IETF draft's header):
/// every service marks such a replay in its answer's RPC trailers (RPCTrailers), and this collects
/// the trailers of the calls the route makes.
struct IdempotencyReplayMiddleware<Context: RequestContext>: RouterMiddleware {
    /// On an answer that repeats an earlier one for the same key (the IETF idempotency draft's header).
    static var header: HTTPField.Name { HTTPField.Name("Idempotent-Replayed")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method != .get, request.method != .head, request.headers[Idempotency.header] != nil
        else { return try await next(request, context) }
        let trailers = RPCTrailers()
        var response = try await RPCTrailers.$collected.withValue(trailers) { try await next(request, context) }
        if trailers[RPCTrailers.idempotentReplayed] == "true" { response.headers[Self.header] = "true" }
        return response
    }
}
