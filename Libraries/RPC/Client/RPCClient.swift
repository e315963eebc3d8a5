import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SwiftProtobuf
import Telemetry

/// A client of one service, which may run at several endpoints.
///
/// Calls are spread round robin over the endpoints; each endpoint keeps one multiplexed connection
/// that is reused by every call and re-established with backoff when it drops. A call waits for a
/// connection until its deadline. A call that certainly did not run (refused while draining, or never
/// sent) is retried transparently; a call that may have run is retried only if its method is idempotent.
public final class RPCClient: Sendable {
    public let configuration: RPCClientConfiguration
    private let pool: ConnectorPool?
    private let nextIndex = NIOLockedValueBox(0)
    /// Set for a client of a router in this process (tests); then `pool` is nil.
    private let inProcess: InProcessTransport?

    public init(
        endpoints: [RPCEndpoint], configuration: RPCClientConfiguration = .init(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        precondition(!endpoints.isEmpty, "an RPC client needs at least one endpoint")
        self.configuration = configuration
        self.pool = ConnectorPool(names: endpoints, configuration: configuration, group: group)
        self.inProcess = nil
    }

    /// A client whose calls `router` answers in this process, without sockets (InProcessTransport).
    public init(
        inProcess router: RPCRouter, configuration: RPCClientConfiguration = .init(),
        logger: Logger = Logger(label: "imageswiss.rpc.in-process")
    ) {
        self.configuration = configuration
        self.pool = nil
        self.inProcess = InProcessTransport(router: router, logger: logger)
    }

    /// The endpoints as configured (names, before resolution).
    public var endpoints: [RPCEndpoint] { self.pool?.names ?? [] }

    /// Sends one request and returns the one response.
    public func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: RPCCallOptions = .init()
    ) async throws -> Response {
        guard Telemetry.isEnabled else { return try await self.measured(method, request, options: options) }
        // A client span in the caller's trace; the callee's server span continues it.
        return try await Telemetry.withSpan(method.path, kind: .client) { span in
            var options = options
            if let span { options.metadata[RPCMetadata.traceID] = span.traceParent.header }
            return try await self.measured(method, request, options: options)
        }
    }

    private func measured<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: RPCCallOptions
    ) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await self.call(method, request, options: options)
            RPCCallMetrics.client.record(method: method.path, code: .ok, duration: .now - started)
            return response
        } catch {
            RPCCallMetrics.client.record(
                method: method.path, code: RPCCallMetrics.code(error), duration: .now - started)
            throw error
        }
    }

    private func call<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: RPCCallOptions
    ) async throws -> Response {
        let payload = try ProtobufCoding.encodeToBuffer(request)
        let deadline = self.deadline(options)
        let collector = RPCTrailers.collected
        if let inProcess = self.inProcess {
            let buffer = try await inProcess.unary(
                path: method.path, payload: payload, metadata: self.signed(options.metadata, method.path),
                deadline: deadline, collector: collector)
            return try ProtobufCoding.decode(Response.self, from: buffer)
        }
        let buffer = try await self.withRetries(method.idempotent, deadline: deadline) { connection in
            try await connection.unary(
                path: method.path, payload: payload, metadata: self.signed(options.metadata, method.path),
                deadline: deadline, collector: collector)
        }
        return try ProtobufCoding.decode(Response.self, from: buffer)
    }

    /// Sends one request and returns the stream of responses. Only opening the call is retried:
    /// once a response arrived, a failure ends the stream with the error.
    public func serverStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, options: RPCCallOptions = .init()
    ) async throws -> RPCResponseStream<Response> {
        var options = options
        if let trace = Telemetry.current { options.metadata[RPCMetadata.traceID] = trace.header }
        // Counted like a unary call once the stream ends (or fails to open): its whole duration.
        let started = ContinuousClock.now
        do {
            let payload = try ProtobufCoding.encodeToBuffer(request)
            let deadline = self.deadline(options)
            if let inProcess = self.inProcess {
                return RPCResponseStream(
                    source: .inProcess(
                        inProcess.serverStreaming(
                            path: method.path, payload: payload, metadata: self.signed(options.metadata, method.path),
                            deadline: deadline)), method: method.path, started: started)
            }
            let metadata = self.signed(options.metadata, method.path)
            // Opens the call on the next connection; called again when the first answer says the call
            // never ran (the connection was draining or retired), until the deadline.
            let open: @Sendable () async throws -> ResponseStreamSequence = { [self] in
                let connection = try await self.connection(until: deadline)
                return try connection.serverStreaming(
                    path: method.path, payload: payload, metadata: metadata, deadline: deadline)
            }
            return RPCResponseStream(
                source: .network(try await open(), reopen: open, deadline: deadline), method: method.path,
                started: started)
        } catch {
            RPCCallMetrics.client.record(
                method: method.path, code: RPCCallMetrics.code(error), duration: .now - started)
            throw error
        }
    }

    /// The call's metadata with this client's proof of identity, when it has one.
    private func signed(_ metadata: RPCMetadata, _ path: String) -> RPCMetadata {
        self.configuration.identity?.sign(metadata, method: path) ?? metadata
    }

    /// Sends PING on a connection to the next endpoint and returns the round trip time.
    public func ping(timeout: Duration = .seconds(5)) async throws -> Duration {
        if self.inProcess != nil { return .zero }
        let connection = try await self.connection(until: .now() + TimeAmount(timeout))
        let clock = ContinuousClock()
        let start = clock.now
        try await connection.ping()
        return clock.now - start
    }

    /// Closes every connection. Calls in flight fail with UNAVAILABLE.
    public func close() async {
        for connector in self.pool?.all ?? [] { await connector.close() }
    }

    // MARK: internals

    private func deadline(_ options: RPCCallOptions) -> NIODeadline {
        .now() + TimeAmount(options.timeout ?? self.configuration.defaultTimeout)
    }

    private func withRetries(
        _ idempotent: Bool, deadline: NIODeadline, _ body: (ClientConnection) async throws -> ByteBuffer
    ) async throws -> ByteBuffer {
        var attempt = 1
        var backoff = TimeAmount(self.configuration.retryBackoff)
        while true {
            let connection = try await self.connection(until: deadline)
            do {
                return try await body(connection)
            } catch let error as RPCError {
                if error.wasNotProcessed, NIODeadline.now() < deadline { continue }
                guard idempotent, error.code == .unavailable, attempt < self.configuration.maxAttempts else {
                    throw error
                }
                let pause = TimeAmount.nanoseconds(Int64(Double(backoff.nanoseconds) * Double.random(in: 0.5...1.5)))
                guard NIODeadline.now() + pause < deadline else { throw error }
                try await Task.sleep(for: .nanoseconds(pause.nanoseconds))
                attempt += 1
                backoff = backoff * 2
            }
        }
    }

    /// The next endpoint's connection, round robin; waits with backoff while none can be reached.
    private func connection(until deadline: NIODeadline) async throws -> ClientConnection {
        var pause = TimeAmount.milliseconds(10)
        var lastError: any Error = RPCError(.unavailable, "no endpoint")
        while true {
            let start = self.nextIndex.withLockedValue { index in
                defer { index = index &+ 1 }
                return index
            }
            let connectors = await self.pool?.current() ?? []
            for offset in 0..<connectors.count {
                let connector = connectors[(start &+ offset) % connectors.count]
                do {
                    return try await connector.connection()
                } catch {
                    lastError = error
                }
            }
            let remaining = deadline - .now()
            guard remaining > .zero else {
                throw RPCError(
                    .unavailable, "no endpoint of \(self.endpoints) reachable before the deadline: \(lastError)")
            }
            try await Task.sleep(for: .nanoseconds(min(pause, remaining).nanoseconds))
            pause = min(pause * 2, .seconds(1))
        }
    }
}

/// The responses of a server-streaming call, decoded as they arrive.
///
/// At most 64 undelivered messages are buffered: beyond that the connection stops reading until the
/// consumer catches up (which also delays other calls on the connection: consume streams promptly).
public struct RPCResponseStream<Response: SwiftProtobuf.Message & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Response

    enum Source: Sendable {
        case network(
            ResponseStreamSequence, reopen: @Sendable () async throws -> ResponseStreamSequence, deadline: NIODeadline)
        case inProcess(AsyncThrowingStream<ByteBuffer, any Error>)
    }
    let source: Source
    /// For the client metrics: recorded when the stream ends or fails (one abandoned early is not).
    let method: String
    let started: ContinuousClock.Instant

    public struct AsyncIterator: AsyncIteratorProtocol {
        enum Base {
            case network(
                ResponseStreamSequence.AsyncIterator, reopen: @Sendable () async throws -> ResponseStreamSequence,
                deadline: NIODeadline)
            case inProcess(AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator)
        }
        var base: Base
        let method: String
        let started: ContinuousClock.Instant
        /// Once a response arrived the call ran: a failure after it ends the stream, never reopens it.
        var answered = false

        public mutating func next() async throws -> Response? {
            let buffer: ByteBuffer?
            do {
                switch self.base {
                case .network(var iterator, let reopen, let deadline):
                    while true {
                        do {
                            let next = try await iterator.next()
                            self.base = .network(iterator, reopen: reopen, deadline: deadline)
                            buffer = next
                            break
                        } catch let error as RPCError
                            where error.wasNotProcessed && !self.answered && NIODeadline.now() < deadline
                        {
                            iterator = try await reopen().makeAsyncIterator()
                        }
                    }
                    self.answered = true
                case .inProcess(var iterator):
                    buffer = try await iterator.next()
                    self.base = .inProcess(iterator)
                }
            } catch {
                RPCCallMetrics.client.record(
                    method: self.method, code: RPCCallMetrics.code(error), duration: .now - self.started)
                throw error
            }
            guard let buffer else {
                RPCCallMetrics.client.record(method: self.method, code: .ok, duration: .now - self.started)
                return nil
            }
            return try ProtobufCoding.decode(Response.self, from: buffer)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        switch self.source {
        case .network(let raw, let reopen, let deadline):
            AsyncIterator(
                base: .network(raw.makeAsyncIterator(), reopen: reopen, deadline: deadline), method: self.method,
                started: self.started)
        case .inProcess(let stream):
            AsyncIterator(base: .inProcess(stream.makeAsyncIterator()), method: self.method, started: self.started)
        }
    }
}
