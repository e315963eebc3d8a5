import Logging
import NIOCore
import Telemetry

/// The server side of one connection: handshake, call bookkeeping, deadlines, cancel, ping, drain and
/// limits. Handlers run as tasks; everything that touches the connection's state runs on its event loop.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = ByteBuffer

    private struct ActiveCall {
        var method: String
        var metadata: RPCMetadata
        var deadline: NIODeadline
        var timer: Scheduled<Void>?
        var task: Task<Void, Never>?
    }

    private let router: RPCRouter
    private let configuration: RPCServerConfiguration
    private let logger: Logger
    private let metrics: RPCCallMetrics
    private var context: ChannelHandlerContext?
    private var calls: [UInt32: ActiveCall] = [:]
    private var handshakeDone = false
    private var handshakeTimer: Scheduled<Void>?
    /// What the client accepts; we never send a larger frame.
    private var peerMaxFrameSize = FrameLayout.maxHelloSize
    private var maxConcurrentCalls: Int
    private var highestCallID: UInt32 = 0
    /// Set once GOAWAY is sent: calls above it are refused.
    private var drainLastCallID: UInt32?
    private var remoteAddress = "?"

    init(router: RPCRouter, configuration: RPCServerConfiguration, logger: Logger, metrics: RPCCallMetrics) {
        self.router = router
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.maxConcurrentCalls = configuration.maxConcurrentCalls
    }

    // MARK: channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.remoteAddress = context.channel.remoteAddress?.description ?? "?"
        self.handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(
            in: .init(self.configuration.handshakeTimeout)
        ) {
            if !self.handshakeDone { self.protocolError("no HELLO within the handshake timeout") }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.handshakeTimer?.cancel()
        for call in self.calls.values {
            call.timer?.cancel()
            call.task?.cancel()
        }
        self.calls.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("connection error", metadata: ["peer": "\(self.remoteAddress)", "error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .frame(let frame):
            self.handle(frame, context: context)
        case .oversized(let type, _, let callID, let length):
            self.handleOversized(type: type, callID: callID, length: length)
        }
    }

    private func handle(_ frame: Frame, context: ChannelHandlerContext) {
        guard self.handshakeDone else {
            guard frame.kind == .hello, frame.callID == 0 else {
                return self.protocolError("the first frame must be HELLO")
            }
            return self.handleHello(frame.payload, context: context)
        }
        switch frame.kind {
        case .headers: self.handleHeaders(frame)
        case .message: self.handleMessage(frame)
        case .cancel: self.cancelCall(frame.callID)
        case .ping:
            guard !frame.has(FrameFlags.ack) else { return }
            context.writeAndFlush(
                Self.wrapOutboundOut(
                    FrameLayout.encode(
                        type: .ping, flags: FrameFlags.ack, callID: 0, payload: frame.payload,
                        allocator: context.channel.allocator
                    )), promise: nil)
        case .goAway:
            // The client will start no more calls; close once ours are done.
            self.drainLastCallID = self.drainLastCallID ?? self.highestCallID
            self.closeIfDrained()
        case .hello:
            self.protocolError("HELLO after the handshake")
        case .status:
            self.protocolError("STATUS from a client")
        case nil:
            break  // Unknown frame types are ignored so that later versions can add some.
        }
    }

    // MARK: handshake

    private func handleHello(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        guard payload.readableBytes <= FrameLayout.maxHelloSize,
            let hello = try? ProtobufCoding.decode(RPCHello.self, from: payload)
        else { return self.protocolError("malformed HELLO") }
        guard hello.version == FrameLayout.version else {
            return self.protocolError(
                "unsupported protocol version \(hello.version); this server speaks \(FrameLayout.version)",
                code: .failedPrecondition)
        }
        self.handshakeDone = true
        self.handshakeTimer?.cancel()
        self.peerMaxFrameSize = hello.maxFrameSize == 0 ? self.configuration.maxFrameSize : Int(hello.maxFrameSize)
        if hello.maxConcurrentCalls > 0 {
            self.maxConcurrentCalls = min(self.maxConcurrentCalls, Int(hello.maxConcurrentCalls))
        }
        var answer = RPCHello()
        answer.version = FrameLayout.version
        answer.maxFrameSize = UInt32(self.configuration.maxFrameSize)
        answer.maxConcurrentCalls = UInt32(self.maxConcurrentCalls)
        answer.peer = self.configuration.peerName
        self.write(type: .hello, callID: 0, message: answer, flush: true)
    }

    // MARK: calls

    private func handleHeaders(_ frame: Frame) {
        let id = frame.callID
        guard id > self.highestCallID else {
            return self.protocolError("call id \(id) is not above the previous one (\(self.highestCallID))")
        }
        self.highestCallID = id
        if let last = self.drainLastCallID, id > last {
            return self.writeStatus(RPCError.refused("server is draining; retry on another connection"), callID: id)
        }
        guard self.calls.count < self.maxConcurrentCalls else {
            return self.writeStatus(
                RPCError(.resourceExhausted, "more than \(self.maxConcurrentCalls) concurrent calls on one connection"),
                callID: id)
        }
        guard let headers = try? ProtobufCoding.decode(RPCCallHeaders.self, from: frame.payload) else {
            return self.writeStatus(RPCError(.internal, "malformed HEADERS"), callID: id)
        }
        // Clamped: a hostile timeout near UInt64.max would overflow the deadline arithmetic.
        let maxMicros = UInt64(self.configuration.maxTimeout.components.seconds) * 1_000_000
        let timeout: TimeAmount =
            headers.timeoutMicros == 0
            ? TimeAmount(self.configuration.defaultTimeout)
            : .microseconds(Int64(min(headers.timeoutMicros, maxMicros)))
        let deadline = NIODeadline.now() + timeout
        var call = ActiveCall(method: headers.method, metadata: RPCMetadata(headers.metadata), deadline: deadline)
        call.timer = self.context!.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.deadlineExceeded(id)
        }
        self.calls[id] = call
    }

    private func handleMessage(_ frame: Frame) {
        let id = frame.callID
        guard let call = self.calls[id], call.task == nil else {
            // A message for a call we ended already (cancelled, deadline) is dropped.
            if id > self.highestCallID { self.protocolError("MESSAGE for call \(id) before its HEADERS") }
            return
        }
        guard frame.has(FrameFlags.endStream) else {
            return self.endCall(
                id,
                with: RPCError(
                    .unimplemented, "client streaming is not supported; set END_STREAM on the request message"))
        }
        if let identity = self.configuration.identity, !RPCIdentity.exempt.contains(call.method),
            self.configuration.identityRequired || call.metadata[RPCIdentity.proofKey] != nil,
            let refusal = identity.refusal(of: call.metadata, method: call.method)
        {
            self.logger.warning(
                "refused a call without proof of its caller",
                metadata: [
                    "peer": "\(self.remoteAddress)", "method": "\(call.method)", "reason": "\(refusal)",
                    "claimed-caller": "\(call.metadata.callerID ?? "")",
                ])
            return self.endCall(id, with: RPCError(.unauthenticated, "caller identity refused: \(refusal)"))
        }
        guard let handler = self.router.handler(for: call.method) else {
            return self.endCall(id, with: RPCError(.unimplemented, "unknown method \(call.method)"))
        }
        self.calls[id]!.task = self.start(handler, callID: id, call: call, payload: frame.payload)
    }

    private func start(_ handler: RPCRouter.Handler, callID id: UInt32, call: ActiveCall, payload: ByteBuffer) -> Task<
        Void, Never
    > {
        let context = self.context!
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let allocator = context.channel.allocator
        let maxFrame = self.peerMaxFrameSize
        var logger = self.logger
        logger[metadataKey: "method"] = "\(call.method)"
        if let requestID = call.metadata.requestID { logger[metadataKey: RPCMetadata.requestID] = "\(requestID)" }
        let serverContext = RPCServerContext(
            method: call.method, metadata: call.metadata, deadline: call.deadline, logger: logger,
            remoteAddress: self.remoteAddress
        )
        let metrics = self.metrics
        let parent = call.metadata[RPCMetadata.traceID]
        return Task {
            // The caller's trace continues here (no span without one, nothing with tracing off).
            await Telemetry.withSpan(call.method, kind: .server, parent: parent) { span in
                let started = ContinuousClock.now
                var frames: [ByteBuffer] = []
                var outcome = RPCError(.ok, "")
                let trailers = RPCTrailers()
                do {
                    switch handler {
                    case .unary(let body):
                        let response = try await RPCTrailers.$response.withValue(trailers) {
                            try await body(payload, serverContext)
                        }
                        guard response.count <= maxFrame else {
                            throw RPCError(
                                .resourceExhausted,
                                "response of \(response.count) bytes exceeds the client's max frame size \(maxFrame)")
                        }
                        frames.append(
                            FrameLayout.encode(type: .message, callID: id, payload: response, allocator: allocator))
                    case .serverStreaming(let body):
                        let writer = RawStreamWriter { bytes in
                            guard bytes.count <= maxFrame else {
                                throw RPCError(
                                    .resourceExhausted,
                                    "response of \(bytes.count) bytes exceeds the client's max frame size \(maxFrame)")
                            }
                            let frame = FrameLayout.encode(
                                type: .message, callID: id, payload: bytes, allocator: allocator)
                            let promise = bound.eventLoop.makePromise(of: Void.self)
                            bound.eventLoop.execute {
                                bound.value.sendStreamMessage(frame, callID: id, promise: promise)
                            }
                            try await promise.futureResult.get()
                        }
                        try await RPCTrailers.$response.withValue(trailers) {
                            try await body(payload, serverContext, writer)
                        }
                    }
                    outcome.trailers = trailers.values
                } catch {
                    outcome = RPCError.from(handlerError: error)
                    frames.removeAll()
                    if outcome.code == .internal, !(error is RPCError) {
                        serverContext.logger.error("handler failed", metadata: ["error": "\(error)"])
                    }
                }
                metrics.record(
                    method: serverContext.method, code: outcome.code, duration: ContinuousClock.now - started)
                if outcome.code != .ok { span?.fail("\(outcome.code)") }
                let status = (try? ProtobufCoding.encode(outcome.wireStatus)) ?? []
                frames.append(FrameLayout.encode(type: .status, callID: id, payload: status, allocator: allocator))
                let finished = frames
                bound.eventLoop.execute { bound.value.finishCall(id, frames: finished) }
            }
        }
    }

    private func sendStreamMessage(_ frame: ByteBuffer, callID id: UInt32, promise: EventLoopPromise<Void>) {
        guard self.calls[id] != nil, let context = self.context else {
            return promise.fail(RPCError(.cancelled, "call ended"))
        }
        context.writeAndFlush(Self.wrapOutboundOut(frame), promise: promise)
    }

    /// The handler's task is done: send its frames unless the call already ended (cancel, deadline).
    private func finishCall(_ id: UInt32, frames: [ByteBuffer]) {
        guard let call = self.calls.removeValue(forKey: id), let context = self.context else { return }
        call.timer?.cancel()
        for frame in frames { context.write(Self.wrapOutboundOut(frame), promise: nil) }
        context.flush()
        self.closeIfDrained()
    }

    /// Ends a call from the event loop (no handler ran, or it is being abandoned) with a status.
    private func endCall(_ id: UInt32, with error: RPCError) {
        if let call = self.calls.removeValue(forKey: id) {
            call.timer?.cancel()
            call.task?.cancel()
            // A call whose handler runs is counted when its task ends; this one never ran.
            if call.task == nil { self.metrics.record(method: call.method, code: error.code, duration: .zero) }
        }
        self.writeStatus(error, callID: id)
        self.closeIfDrained()
    }

    private func cancelCall(_ id: UInt32) {
        guard let call = self.calls.removeValue(forKey: id) else { return }
        call.timer?.cancel()
        call.task?.cancel()
        self.closeIfDrained()
    }

    private func deadlineExceeded(_ id: UInt32) {
        guard self.calls[id] != nil else { return }
        self.endCall(id, with: RPCError(.deadlineExceeded, "deadline exceeded"))
    }

    private func handleOversized(type: UInt8, callID: UInt32, length: UInt32) {
        let limit = self.configuration.maxFrameSize
        guard self.handshakeDone, callID != 0,
            FrameType(rawValue: type) == .message || FrameType(rawValue: type) == .headers
        else {
            return self.protocolError(
                "frame of \(length) bytes exceeds the max frame size \(limit)", code: .resourceExhausted)
        }
        if FrameType(rawValue: type) == .headers {
            guard callID > self.highestCallID else { return self.protocolError("call id \(callID) reused") }
            self.highestCallID = callID
        }
        self.endCall(
            callID, with: RPCError(.resourceExhausted, "frame of \(length) bytes exceeds the max frame size \(limit)"))
    }

    // MARK: drain

    /// Sends GOAWAY: calls already started finish; later ones are refused; the connection closes when idle.
    func startDrain() {
        guard self.drainLastCallID == nil else { return }
        self.drainLastCallID = self.highestCallID
        var goAway = RPCGoAway()
        goAway.lastCallID = self.highestCallID
        goAway.code = RPCStatusCode.ok.rawValue
        goAway.reason = "server is shutting down"
        self.write(type: .goAway, callID: 0, message: goAway, flush: true)
        self.closeIfDrained()
    }

    /// Closes at once, abandoning calls in flight (the drain timeout ran out).
    func forceClose() {
        self.context?.close(promise: nil)
    }

    private func closeIfDrained() {
        guard self.drainLastCallID != nil, self.calls.isEmpty, let context = self.context else { return }
        context.close(promise: nil)
    }

    // MARK: writing

    private func protocolError(_ reason: String, code: RPCStatusCode = .internal) {
        guard let context = self.context else { return }
        self.logger.debug(
            "protocol error; closing", metadata: ["peer": "\(self.remoteAddress)", "reason": "\(reason)"])
        var goAway = RPCGoAway()
        goAway.lastCallID = self.highestCallID
        goAway.code = code.rawValue
        goAway.reason = reason
        self.write(type: .goAway, callID: 0, message: goAway, flush: true)
        context.close(promise: nil)
    }

    private func writeStatus(_ error: RPCError, callID: UInt32) {
        self.write(type: .status, callID: callID, message: error.wireStatus, flush: true)
    }

    private func write(type: FrameType, callID: UInt32, message: some SwiftProtobufMessage, flush: Bool) {
        guard let context = self.context, let bytes = try? ProtobufCoding.encode(message) else { return }
        let frame = FrameLayout.encode(type: type, callID: callID, payload: bytes, allocator: context.channel.allocator)
        context.write(Self.wrapOutboundOut(frame), promise: nil)
        if flush { context.flush() }
    }
}
