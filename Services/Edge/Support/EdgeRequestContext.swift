import Foundation
import Hummingbird
import NIOCore

/// The per-request context of every edge route: Hummingbird's core storage, the peer's address,
/// and the caller CallerMiddleware verified (Authentication) (nil when the request carried no credentials).
public struct EdgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    var caller: VerifiedCaller? {
        didSet { self.trail.callerID = self.caller?.userID }
    }
    /// The TCP peer: the client, or a proxy in front of the edge.
    let peerAddress: String
    /// The client (FrontDoorMiddleware, by ClientAddress): the peer unless the peer is a trusted proxy.
    var clientAddress: String
    /// Shared with the access log, which runs outside CallerMiddleware (it learns the caller).
    let trail = RequestTrail()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress ?? ""
        self.clientAddress = self.peerAddress
    }

    /// JSON bodies larger than this are refused with 413 before they are read whole (EdgeSettings).
    public var maxUploadSize: Int { EdgeSettings.current.withLock(\.maxJSONBodyBytes) }

    /// The verified caller, or 401.
    func requireCaller() throws -> VerifiedCaller {
        guard let caller else {
            throw EdgeError(.unauthorized, "unauthenticated", "sign in or send a bearer token or API key")
        }
        return caller
    }
}
