import HTTPTypes
import Hummingbird

/// Sets the request's client address (ClientAddress) before anything that limits or records by it.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    static let forwarded = HTTPField.Name("Forwarded")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    let resolver: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard !self.resolver.trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.clientAddress = self.resolver.resolve(
            peer: context.peerAddress, forwarded: request.headers[values: Self.forwarded],
            forwardedFor: request.headers[values: Self.forwardedFor])
        return try await next(request, context)
    }
}
