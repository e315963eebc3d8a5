import NIOConcurrencyHelpers
import NIOCore

/// Cancellation of one call, shared between the calling task and the event loop.
final class CallToken: Sendable {
    private let cancelled = NIOLockedValueBox(false)
    var isCancelled: Bool { self.cancelled.withLockedValue { $0 } }
    func cancel() { self.cancelled.withLockedValue { $0 = true } }
}

/// The client side of one connection: assigns call ids, matches responses to calls, enforces the
/// client's view of each deadline, answers pings and reacts to GOAWAY. Runs on the connection's loop.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = ByteBuffer

    enum Sink {
        /// The caller's trailer collector (RPCTrailers.collected), when it bound one.
        case unary(CheckedContinuation<ByteBuffer, any Error>, RPCTrailers?)
        case stream(ResponseStreamSource)
    }

    private struct PendingCall {
        var sink: Sink
        var token: ObjectIdentifier
        var response: ByteBuffer?
        var timer: Scheduled<Void>?
    }

    private var context: ChannelHandlerContext?
    private var nextCallID: UInt32 = 0
    private var pending: [UInt32: PendingCall] = [:]
    private var idsByToken: [ObjectIdentifier: UInt32] = [:]
    private var pings: [EventLoopPromise<Void>] = []
    /// Streams whose consumer is behind: while any is, the connection stops reading from the socket,
    /// so TCP flow control slows the server down instead of this process buffering without bound.
    private var pausedStreams: Set<UInt32> = []
    private var closed = false
    /// Retired by the client (too old, or its address went away): no new calls, close when idle.
    private var retiring = false
    /// The server's last_call_id once it sent GOAWAY: later calls certainly never ran there.
    private var goAwayLastCallID: UInt32?
    private let hello: EventLoopPromise<RPCHello>
    private var helloCompleted = false
    private let configuration: RPCClientConfiguration
    /// Called on GOAWAY and on close, so the pool stops choosing this connection.
    private let markUnusable: @Sendable () -> Void

    init(
        configuration: RPCClientConfiguration, hello: EventLoopPromise<RPCHello>,
        markUnusable: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.hello = hello
        self.markUnusable = markUnusable
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelActive(context: ChannelHandlerContext) {
        var hello = RPCHello()
        hello.version = FrameLayout.version
        hello.maxFrameSize = UInt32(self.configuration.maxFrameSize)
        hello.peer = self.configuration.peerName
        let bytes = (try? ProtobufCoding.encode(hello)) ?? []
        context.writeAndFlush(
            Self.wrapOutboundOut(
                FrameLayout.encode(type: .hello, callID: 0, payload: bytes, allocator: context.channel.allocator)),
            promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closed = true
        self.markUnusable()
        self.completeHello(.failure(RPCError.refused("connection closed during the handshake")))
        // After a GOAWAY, calls above its last_call_id never ran (the server closed before reading
        // them): retryable anywhere. The others may have run.
        if let last = self.goAwayLastCallID {
            self.failAll(RPCError.refused("connection closed after GOAWAY"), where: { $0 > last })
        }
        self.failAll(RPCError(.unavailable, "connection closed"), where: { _ in true })
        for ping in self.pings { ping.fail(RPCError(.unavailable, "connection closed")) }
        self.pings.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: starting and cancelling calls

    /// Sends HEADERS and the request MESSAGE and remembers where the answer goes.
    func start(
        path: String, metadata: RPCMetadata, payload: ByteBuffer, deadline: NIODeadline, token: CallToken, sink: Sink
    ) {
        guard let context = self.context, !self.closed, !self.retiring, self.goAwayLastCallID == nil else {
            return Self.fail(sink, RPCError.refused("connection closed, draining or retired"))
        }
        guard !token.isCancelled else { return Self.fail(sink, CancellationError()) }
        self.nextCallID += 1
        let id = self.nextCallID
        let now = NIODeadline.now()
        var headers = RPCCallHeaders()
        headers.method = path
        headers.timeoutMicros = deadline > now ? UInt64((deadline - now).nanoseconds / 1000) : 1
        headers.metadata = metadata.values
        let headerBytes = (try? ProtobufCoding.encode(headers)) ?? []

        var out = context.channel.allocator.buffer(capacity: 2 * FrameLayout.headerSize + headerBytes.count)
        out.writeFrameHeader(type: .headers, callID: id, payloadLength: headerBytes.count)
        out.writeBytes(headerBytes)
        out.writeFrameHeader(
            type: .message, flags: FrameFlags.endStream, callID: id, payloadLength: payload.readableBytes)
        let key = ObjectIdentifier(token)
        var call = PendingCall(sink: sink, token: key)
        call.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.abandon(id, RPCError(.deadlineExceeded, "deadline exceeded"))
        }
        self.pending[id] = call
        self.idsByToken[key] = id
        context.write(Self.wrapOutboundOut(out), promise: nil)
        // The payload goes as its own buffer: NIO gathers both into one writev, without copying it again.
        context.writeAndFlush(Self.wrapOutboundOut(payload), promise: nil)
    }

    /// No new calls; the connection closes as soon as none is pending.
    func retire() {
        self.retiring = true
        self.markUnusable()
        self.closeIfRetiredAndIdle()
    }

    private func closeIfRetiredAndIdle() {
        guard self.retiring, self.pending.isEmpty, !self.closed, let context = self.context else { return }
        context.close(promise: nil)
    }

    /// The caller gave up (task cancelled, stream dropped): tell the server and fail the call.
    func cancel(token: CallToken) {
        guard let id = self.idsByToken[ObjectIdentifier(token)] else { return }
        self.abandon(id, CancellationError())
    }

    func ping(_ promise: EventLoopPromise<Void>) {
        guard let context = self.context, !self.closed else {
            return promise.fail(RPCError(.unavailable, "connection closed"))
        }
        self.pings.append(promise)
        var payload = context.channel.allocator.buffer(capacity: 8)
        payload.writeInteger(UInt64(self.pings.count))
        context.writeAndFlush(
            Self.wrapOutboundOut(
                FrameLayout.encode(type: .ping, callID: 0, payload: payload, allocator: context.channel.allocator)),
            promise: nil)
    }

    private func abandon(_ id: UInt32, _ error: any Error) {
        guard let call = self.remove(id), let context = self.context else { return }
        Self.fail(call.sink, error)
        context.writeAndFlush(
            Self.wrapOutboundOut(
                FrameLayout.encode(
                    type: .cancel, callID: id, payload: EmptyCollection(), allocator: context.channel.allocator)),
            promise: nil)
    }

    // MARK: inbound frames

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .oversized(_, _, let callID, let length):
            self.abandon(
                callID,
                RPCError(
                    .resourceExhausted,
                    "response frame of \(length) bytes exceeds the client's max frame size \(self.configuration.maxFrameSize)"
                ))
        case .frame(let frame):
            self.handle(frame, context: context)
        }
    }

    private func handle(_ frame: Frame, context: ChannelHandlerContext) {
        switch frame.kind {
        case .hello:
            if let hello = try? ProtobufCoding.decode(RPCHello.self, from: frame.payload) {
                self.completeHello(.success(hello))
            } else {
                self.completeHello(.failure(RPCError(.internal, "malformed HELLO from server")))
                context.close(promise: nil)
            }
        case .message:
            guard var call = self.pending[frame.callID] else { return }
            switch call.sink {
            case .unary:
                guard call.response == nil else {
                    return self.abandon(frame.callID, RPCError(.internal, "server sent two responses to a unary call"))
                }
                call.response = frame.payload
                self.pending[frame.callID] = call
            case .stream(let source):
                if source.yield(frame.payload) == .stopProducing, self.pausedStreams.insert(frame.callID).inserted,
                    self.pausedStreams.count == 1
                {
                    context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                }
            }
        case .status:
            guard let call = self.remove(frame.callID) else { return }
            let status =
                (try? ProtobufCoding.decode(RPCCallStatus.self, from: frame.payload))
                .map(RPCError.init(wireStatus:)) ?? RPCError(.internal, "malformed STATUS from server")
            switch call.sink {
            case .unary(let continuation, let collector):
                if status.code != .ok {
                    continuation.resume(throwing: status)
                } else if let response = call.response {
                    collector?.merge(status.trailers)
                    continuation.resume(returning: response)
                } else {
                    continuation.resume(throwing: RPCError(.internal, "server ended a unary call without a response"))
                }
            case .stream(let source):
                if status.code == .ok { source.finish() } else { source.finish(status) }
            }
        case .ping:
            if frame.has(FrameFlags.ack) {
                if !self.pings.isEmpty { self.pings.removeFirst().succeed(()) }
            } else {
                context.writeAndFlush(
                    Self.wrapOutboundOut(
                        FrameLayout.encode(
                            type: .ping, flags: FrameFlags.ack, callID: 0, payload: frame.payload,
                            allocator: context.channel.allocator)), promise: nil)
            }
        case .goAway:
            self.markUnusable()
            let goAway = try? ProtobufCoding.decode(RPCGoAway.self, from: frame.payload)
            let last = goAway?.lastCallID ?? 0
            self.goAwayLastCallID = last
            self.completeHello(.failure(RPCError.refused("server sent GOAWAY: \(goAway?.reason ?? "")")))
            // Calls above last_call_id never ran: the caller may retry them anywhere.
            self.failAll(RPCError.refused("server is draining: \(goAway?.reason ?? "")"), where: { $0 > last })
            if self.pending.isEmpty { context.close(promise: nil) }
        case .headers, .cancel, nil:
            break
        }
    }

    private func completeHello(_ result: Result<RPCHello, any Error>) {
        guard !self.helloCompleted else { return }
        self.helloCompleted = true
        self.hello.completeWith(result)
    }

    /// The consumer of a stream caught up (called through the stream's delegate).
    func resumeReading(token: CallToken) {
        guard let id = self.idsByToken[ObjectIdentifier(token)] else { return }
        self.unpause(id)
    }

    private func unpause(_ id: UInt32) {
        guard self.pausedStreams.remove(id) != nil, self.pausedStreams.isEmpty, let context = self.context else {
            return
        }
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        context.read()
    }

    private func remove(_ id: UInt32) -> PendingCall? {
        guard let call = self.pending.removeValue(forKey: id) else { return nil }
        call.timer?.cancel()
        self.idsByToken.removeValue(forKey: call.token)
        self.unpause(id)
        if self.retiring && self.pending.isEmpty {
            // After the caller has its answer: closing first would fail the call being completed.
            self.context?.eventLoop.assumeIsolated().execute { self.closeIfRetiredAndIdle() }
        }
        return call
    }

    private func failAll(_ error: RPCError, where include: (UInt32) -> Bool) {
        for id in self.pending.keys where include(id) {
            if let call = self.remove(id) { Self.fail(call.sink, error) }
        }
    }

    private static func fail(_ sink: Sink, _ error: any Error) {
        switch sink {
        case .unary(let continuation, _): continuation.resume(throwing: error)
        case .stream(let source): source.finish(error)
        }
    }
}
