import NIOCore
import SwiftProtobuf

/// The handlers a server serves, by method path. A call to a path not registered gets UNIMPLEMENTED.
public struct RPCRouter: Sendable {
    enum Handler: Sendable {
        case unary(@Sendable (ByteBuffer, RPCServerContext) async throws -> [UInt8])
        case serverStreaming(@Sendable (ByteBuffer, RPCServerContext, RawStreamWriter) async throws -> Void)
    }

    private(set) var handlers: [String: Handler] = [:]

    public init() {}

    /// Registers a unary handler: one request in, one response out.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ body: @escaping @Sendable (Request, RPCServerContext) async throws -> Response
    ) {
        precondition(method.kind == .unary, "\(method.path) is not unary")
        self.handlers[method.path] = .unary { payload, context in
            let request = try ProtobufCoding.decodeRequest(Request.self, from: payload)
            return try ProtobufCoding.encode(try await body(request, context))
        }
    }

    /// Registers a server-streaming handler: one request in, any number of responses out.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        streaming body:
            @escaping @Sendable (Request, RPCServerContext, RPCResponseStreamWriter<Response>) async throws -> Void
    ) {
        precondition(method.kind == .serverStreaming, "\(method.path) is not server-streaming")
        self.handlers[method.path] = .serverStreaming { payload, context, raw in
            let request = try ProtobufCoding.decodeRequest(Request.self, from: payload)
            try await body(request, context, RPCResponseStreamWriter(raw: raw))
        }
    }

    /// Every registered method path, sorted.
    public var methods: [String] { self.handlers.keys.sorted() }

    func handler(for path: String) -> Handler? { self.handlers[path] }
}

extension ProtobufCoding {
    /// A request that does not parse is the client's fault: INVALID_ARGUMENT, not INTERNAL.
    static func decodeRequest<M: SwiftProtobuf.Message>(_ type: M.Type, from buffer: ByteBuffer) throws(RPCError) -> M {
        do {
            return try decode(type, from: buffer)
        } catch {
            throw RPCError(.invalidArgument, "request is not a valid \(M.protoMessageName)")
        }
    }
}
