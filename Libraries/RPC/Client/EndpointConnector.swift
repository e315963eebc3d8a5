import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Keeps one connection to one endpoint: connects on demand, shares the connection, replaces it once
/// it is older than the configured maximum age, and after a failed connect waits an exponentially
/// growing backoff before trying again.
final class EndpointConnector: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<ClientConnection>)
        case ready(ClientConnection)
        case backingOff(until: NIODeadline, lastError: String)
    }

    let endpoint: RPCEndpoint
    private let configuration: RPCClientConfiguration
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox<(state: State, backoff: TimeAmount)>((.idle, .zero))

    init(endpoint: RPCEndpoint, configuration: RPCClientConfiguration, group: any EventLoopGroup) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.group = group
    }

    /// A usable connection, connecting if needed. Fails at once (UNAVAILABLE, not processed) while in backoff.
    func connection() async throws -> ClientConnection {
        enum Next {
            case use(ClientConnection)
            case wait(EventLoopFuture<ClientConnection>)
            case connect(EventLoopPromise<ClientConnection>)
            case fail(String)
        }
        var aged: ClientConnection?
        let next: Next = self.state.withLockedValue { box in
            switch box.state {
            case .ready(let connection) where connection.isUsable && !connection.isPastItsAge:
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .backingOff(let until, let lastError) where NIODeadline.now() < until:
                return .fail(lastError)
            case .idle, .ready, .backingOff:
                if case .ready(let connection) = box.state, connection.isUsable { aged = connection }
                let promise = self.group.next().makePromise(of: ClientConnection.self)
                box.state = .connecting(promise.futureResult)
                return .connect(promise)
            }
        }
        aged?.retire()
        switch next {
        case .use(let connection): return connection
        case .wait(let future): return try await future.get()
        case .fail(let lastError): throw RPCError.refused("\(self.endpoint) unreachable: \(lastError)")
        case .connect(let promise):
            // Started outside the lock: a future that fails at once would otherwise re-enter it.
            self.connect(promise)
            return try await promise.futureResult.get()
        }
    }

    /// Out of rotation (its address is gone): the connection takes no new calls and closes once the
    /// calls it carries have finished.
    func retire() {
        let connection: ClientConnection? = self.state.withLockedValue { box in
            defer { box.state = .idle }
            if case .ready(let connection) = box.state { return connection }
            return nil
        }
        connection?.retire()
    }

    func close() async {
        let connection: ClientConnection? = self.state.withLockedValue { box in
            defer { box.state = .idle }
            if case .ready(let connection) = box.state { return connection }
            return nil
        }
        await connection?.close()
    }

    private func connect(_ promise: EventLoopPromise<ClientConnection>) {
        let configuration = self.configuration
        let eventLoop = promise.futureResult.eventLoop
        let hello = eventLoop.makePromise(of: RPCHello.self)
        let usable = NIOLockedValueBox(true)
        let connectTimeout = TimeAmount(configuration.connectTimeout)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ClientConnectionHandler(configuration: configuration, hello: hello) {
                        usable.withLockedValue { $0 = false }
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxPayloadSize: configuration.maxFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: self.endpoint.host, port: self.endpoint.port)
            .flatMap { channel -> EventLoopFuture<ClientConnection> in
                let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
                    hello.fail(RPCError(.unavailable, "no HELLO from the server within \(connectTimeout)"))
                    channel.close(promise: nil)
                }
                return hello.futureResult.flatMapThrowing { serverHello in
                    timeout.cancel()
                    let handler = try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self)
                    let maxFrame =
                        serverHello.maxFrameSize == 0 ? configuration.maxFrameSize : Int(serverHello.maxFrameSize)
                    return ClientConnection(
                        channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), usable: usable,
                        serverMaxFrameSize: maxFrame, maxAge: configuration.maxConnectionAge)
                }.flatMapErrorThrowing { error in
                    timeout.cancel()
                    channel.close(promise: nil)
                    throw error
                }
            }
            .whenComplete { result in
                self.state.withLockedValue { box in
                    switch result {
                    case .success(let connection):
                        box.state = .ready(connection)
                        box.backoff = .zero
                    case .failure(let error):
                        let initial = TimeAmount(configuration.initialReconnectBackoff)
                        box.backoff =
                            box.backoff == .zero
                            ? initial : min(box.backoff * 2, TimeAmount(configuration.maxReconnectBackoff))
                        let jittered = TimeAmount.nanoseconds(
                            Int64(Double(box.backoff.nanoseconds) * Double.random(in: 0.8...1.2)))
                        box.state = .backingOff(until: .now() + jittered, lastError: "\(error)")
                    }
                }
                promise.completeWith(
                    result.mapError { error in
                        error as? RPCError ?? RPCError.refused("cannot connect to \(self.endpoint): \(error)")
                    })
            }
    }
}
