import HTTPTypes
import Hummingbird
import RPC

/// `Idempotent-Replayed: true` on the answer to a change sent with an `Idempotency-Key` that the
/// services answered from the key's record instead of doing it again (the IETF draft's header):
/// every service marks such a replay in its answer's RPC trailers (RPCTrailers), and this collects
/// the trailers of the calls the route makes.
enum IdempotencyReplay {
    static let header = HTTPField.Name("Idempotent-Replayed")!

    /// `answer`'s response, marked when a call it made was a replay.
    static func marking(_ request: Request, _ answer: () async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head, request.headers[Idempotency.header] != nil
        else { return try await answer() }
        let trailers = RPCTrailers()
        var response = try await RPCTrailers.$collected.withValue(trailers) { try await answer() }
        if trailers[RPCTrailers.idempotentReplayed] == "true" { response.headers[Self.header] = "true" }
        return response
    }
}
