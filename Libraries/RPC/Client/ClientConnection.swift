import NIOConcurrencyHelpers
import NIOCore

/// One established, handshaken connection to one endpoint. Many calls share it at once.
final class ClientConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ClientConnectionHandler>
    private let usable: NIOLockedValueBox<Bool>
    /// The server's max frame size: requests larger than this are refused before sending.
    let serverMaxFrameSize: Int

    init(channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>, usable: NIOLockedValueBox<Bool>, serverMaxFrameSize: Int) {
        self.channel = channel
        self.handler = handler
        self.usable = usable
        self.serverMaxFrameSize = serverMaxFrameSize
    }

    /// False once the server sent GOAWAY or the connection closed.
    var isUsable: Bool { self.usable.withLockedValue { $0 } && self.channel.isActive }

    func unary(path: String, payload: ByteBuffer, metadata: RPCMetadata, deadline: NIODeadline) async throws -> ByteBuffer {
        try self.checkSize(payload)
        let token = CallToken()
        let handler = self.handler
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                handler.eventLoop.execute {
                    handler.value.start(path: path, metadata: metadata, payload: payload, deadline: deadline, token: token, sink: .unary(continuation))
                }
            }
        } onCancel: {
            token.cancel()
            handler.eventLoop.execute { handler.value.cancel(token: token) }
        }
    }

    func serverStreaming(path: String, payload: ByteBuffer, metadata: RPCMetadata, deadline: NIODeadline) throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        try self.checkSize(payload)
        let token = CallToken()
        let handler = self.handler
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                token.cancel()
                handler.eventLoop.execute { handler.value.cancel(token: token) }
            }
        }
        handler.eventLoop.execute {
            handler.value.start(path: path, metadata: metadata, payload: payload, deadline: deadline, token: token, sink: .stream(continuation))
        }
        return stream
    }

    func ping() async throws {
        let promise = self.channel.eventLoop.makePromise(of: Void.self)
        let handler = self.handler
        handler.eventLoop.execute { handler.value.ping(promise) }
        try await promise.futureResult.get()
    }

    func close() async {
        try? await self.channel.close()
    }

    private func checkSize(_ payload: ByteBuffer) throws {
        guard payload.readableBytes <= self.serverMaxFrameSize else {
            throw RPCError(.resourceExhausted, "request of \(payload.readableBytes) bytes exceeds the server's max frame size \(self.serverMaxFrameSize)")
        }
    }
}
