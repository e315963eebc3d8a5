import NIOConcurrencyHelpers
import NIOCore

/// One established, handshaken connection to one endpoint. Many calls share it at once.
final class ClientConnection: Sendable {
    let channel: any Channel
    private let handler: NIOLoopBound<ClientConnectionHandler>
    private let usable: NIOLockedValueBox<Bool>
    /// The server's max frame size: requests larger than this are refused before sending.
    let serverMaxFrameSize: Int
    /// When the connection stops taking new calls (RPCClientConfiguration.maxConnectionAge, ±10 %).
    private let retiresAt: NIODeadline?

    init(
        channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>, usable: NIOLockedValueBox<Bool>,
        serverMaxFrameSize: Int, maxAge: Duration = .zero
    ) {
        self.channel = channel
        self.handler = handler
        self.usable = usable
        self.serverMaxFrameSize = serverMaxFrameSize
        let age = TimeAmount(maxAge).nanoseconds
        self.retiresAt = age > 0 ? .now() + .nanoseconds(Int64(Double(age) * Double.random(in: 0.9...1.1))) : nil
    }

    /// False once the server sent GOAWAY, the connection closed or it was retired.
    var isUsable: Bool { self.usable.withLockedValue { $0 } && self.channel.isActive }

    /// True once the connection lived its maximum age.
    var isPastItsAge: Bool { self.retiresAt.map { NIODeadline.now() >= $0 } ?? false }

    /// Takes no new calls from now on and closes once the calls it carries have finished.
    func retire() {
        self.usable.withLockedValue { $0 = false }
        let handler = self.handler
        handler.eventLoop.execute { handler.value.retire() }
    }

    func unary(
        path: String, payload: ByteBuffer, metadata: RPCMetadata, deadline: NIODeadline,
        collector: RPCTrailers? = nil
    ) async throws -> ByteBuffer {
        try self.checkSize(payload)
        let token = CallToken()
        let handler = self.handler
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                handler.eventLoop.execute {
                    handler.value.start(
                        path: path, metadata: metadata, payload: payload, deadline: deadline, token: token,
                        sink: .unary(continuation, collector))
                }
            }
        } onCancel: {
            cancelCall(token, on: handler)
        }
    }

    func serverStreaming(path: String, payload: ByteBuffer, metadata: RPCMetadata, deadline: NIODeadline) throws
        -> ResponseStreamSequence
    {
        try self.checkSize(payload)
        let token = CallToken()
        let handler = self.handler
        let produced = ResponseStreamSequence.makeSequence(
            backPressureStrategy: .init(lowWatermark: 16, highWatermark: 64),
            finishOnDeinit: true,
            delegate: ResponseStreamDelegate(token: token, handler: handler)
        )
        handler.eventLoop.execute {
            handler.value.start(
                path: path, metadata: metadata, payload: payload, deadline: deadline, token: token,
                sink: .stream(produced.source))
        }
        return produced.sequence
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
            throw RPCError(
                .resourceExhausted,
                "request of \(payload.readableBytes) bytes exceeds the server's max frame size \(self.serverMaxFrameSize)"
            )
        }
    }
}

typealias ResponseStreamSequence = NIOThrowingAsyncSequenceProducer<
    ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ResponseStreamDelegate
>
typealias ResponseStreamSource = ResponseStreamSequence.Source

/// Connects a response stream's consumer to its connection: demand resumes reading the socket, and a
/// consumer that stops iterating cancels the call on the server.
struct ResponseStreamDelegate: NIOAsyncSequenceProducerDelegate {
    let token: CallToken
    let handler: NIOLoopBound<ClientConnectionHandler>

    func produceMore() {
        let (token, handler) = (self.token, self.handler)
        handler.eventLoop.execute { handler.value.resumeReading(token: token) }
    }

    func didTerminate() {
        // After a normal end the call is gone already and this does nothing.
        cancelCall(self.token, on: self.handler)
    }
}

/// Gives up on a call from any thread: the token stops a start still queued on the event loop, and
/// the loop then sends CANCEL for a call already started.
func cancelCall(_ token: CallToken, on handler: NIOLoopBound<ClientConnectionHandler>) {
    token.cancel()
    handler.eventLoop.execute { handler.value.cancel(token: token) }
}
