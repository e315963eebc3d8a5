import SwiftProtobuf

/// How many messages each side sends.
public enum RPCKind: Sendable {
    case unary
    case serverStreaming
}

/// A method descriptor: its full name, its message types and whether it may be retried.
///
/// Services declare one constant per call, e.g.
/// `static let check = RPCMethod<HealthCheckRequest, HealthCheckResponse>("imageswiss.health.v1.Health/Check", idempotent: true)`.
public struct RPCMethod<Request: SwiftProtobuf.Message & Sendable, Response: SwiftProtobuf.Message & Sendable>: Sendable
{
    /// "/package.Service/Method", the string sent in CallHeaders.method.
    public let path: String
    public let kind: RPCKind
    /// Only idempotent calls are retried after a failure that may have reached the server.
    public let idempotent: Bool

    public init(_ fullName: String, kind: RPCKind = .unary, idempotent: Bool) {
        self.path = fullName.hasPrefix("/") ? fullName : "/" + fullName
        self.kind = kind
        self.idempotent = idempotent
    }
}
