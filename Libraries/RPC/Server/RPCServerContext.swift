import Logging
import NIOCore
import SwiftProtobuf

/// What a handler knows about the call it serves.
public struct RPCServerContext: Sendable {
    /// "/package.Service/Method".
    public let method: String
    public let metadata: RPCMetadata
    /// When the client stops waiting. The server cancels the handler's task at this instant.
    public let deadline: NIODeadline
    /// Carries `request-id` and `method` as metadata.
    public var logger: Logger
    public let remoteAddress: String

    public init(method: String, metadata: RPCMetadata, deadline: NIODeadline, logger: Logger, remoteAddress: String) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.logger = logger
        self.remoteAddress = remoteAddress
    }
}

/// Sends the messages of a server-streaming call. `send` returns once the message is written to the
/// socket, so a slow client slows the handler down instead of filling memory.
public struct RPCResponseStreamWriter<Response: SwiftProtobufMessage>: Sendable {
    let raw: RawStreamWriter

    public func send(_ message: Response) async throws {
        try await self.raw.send(try ProtobufCoding.encode(message))
    }
}

public typealias SwiftProtobufMessage = SwiftProtobuf.Message & Sendable

/// The type-erased form of `RPCResponseStreamWriter`.
struct RawStreamWriter: Sendable {
    let send: @Sendable ([UInt8]) async throws -> Void
}
