import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Serves an `RPCRouter` over TCP with the ImageSwiss frame protocol.
///
/// As a ServiceLifecycle `Service`, `run()` serves until graceful shutdown, then drains: the listener
/// closes, every connection gets GOAWAY, calls in flight finish (up to `drainTimeout`), connections close.
public final class RPCServer: Service, Sendable {
    private struct Connection {
        let channel: any Channel
        let handler: NIOLoopBound<ServerConnectionHandler>
    }

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: Connection] = [:]
        var draining = false
    }

    public let configuration: RPCServerConfiguration
    private let router: RPCRouter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())
    private let metrics = RPCCallMetrics(side: "server")

    public init(
        configuration: RPCServerConfiguration, router: RPCRouter, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.group = group
    }

    /// Binds the listener and returns the port it listens on (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        if let port = self.state.withLockedValue({ $0.listener?.localAddress?.port }) { return port }
        let configuration = self.configuration
        let listener = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = ServerConnectionHandler(
                        router: self.router, configuration: configuration, logger: self.logger, metrics: self.metrics)
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxPayloadSize: configuration.maxFrameSize))
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                    self.track(channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        self.state.withLockedValue { $0.listener = listener }
        let port = listener.localAddress?.port ?? configuration.port
        self.logger.info("rpc listening", metadata: ["address": "\(configuration.host):\(port)"])
        return port
    }

    /// The port the listener is bound to, once started.
    public var port: Int? { self.state.withLockedValue { $0.listener?.localAddress?.port } }

    public func run() async throws {
        try await self.start()
        guard let listener = self.state.withLockedValue({ $0.listener }) else { return }
        try await withGracefulShutdownHandler {
            try await listener.closeFuture.get()
            await self.waitForConnectionsToClose()
        } onGracefulShutdown: {
            self.beginDrain()
        }
    }

    /// Drains and stops: for tests and for callers that do not use ServiceLifecycle.
    public func shutdownGracefully() async {
        self.beginDrain()
        if let listener = self.state.withLockedValue({ $0.listener }) { try? await listener.closeFuture.get() }
        await self.waitForConnectionsToClose()
    }

    /// Closes every connection at once without draining: what a crash looks like to clients.
    public func abort() async {
        let (listener, channels) = self.state.withLockedValue { state in
            (state.listener, state.connections.values.map(\.channel))
        }
        try? await listener?.close()
        for channel in channels { try? await channel.close() }
    }

    private func beginDrain() {
        let (listener, connections) = self.state.withLockedValue { state -> ((any Channel)?, [Connection]) in
            guard !state.draining else { return (nil, []) }
            state.draining = true
            return (state.listener, Array(state.connections.values))
        }
        guard let listener else { return }
        self.logger.info("draining", metadata: ["connections": "\(connections.count)"])
        listener.close(promise: nil)
        for connection in connections {
            connection.handler.eventLoop.execute { connection.handler.value.startDrain() }
            connection.handler.eventLoop.scheduleTask(in: .init(self.configuration.drainTimeout)) {
                connection.handler.value.forceClose()
            }
        }
    }

    private func track(_ channel: any Channel, handler: NIOLoopBound<ServerConnectionHandler>) {
        let id = ObjectIdentifier(channel)
        let draining = self.state.withLockedValue { state in
            state.connections[id] = Connection(channel: channel, handler: handler)
            return state.draining
        }
        // A connection accepted while the listener was closing drains at once.
        if draining { handler.value.startDrain() }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLockedValue { $0.connections.removeValue(forKey: id) }
        }
    }

    private func waitForConnectionsToClose() async {
        let channels = self.state.withLockedValue { $0.connections.values.map(\.channel) }
        for channel in channels { try? await channel.closeFuture.get() }
    }
}
