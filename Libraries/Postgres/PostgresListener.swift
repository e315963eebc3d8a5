import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// LISTEN/NOTIFY on a connection of its own, for waking workers without polling (Jobs' queue).
///
/// Notifications arrive on `notifications` as they come. After a failure (the server restarted) the
/// listener reconnects with a growing pause and listens again; whatever was notified in between is
/// lost, so a notification is a wake-up call, not a message: consumers still look at their tables
/// now and then. `stop()` ends the stream.
public final class PostgresListener: Sendable {
    public struct Notification: Sendable, Equatable {
        public let channel: String
        public let payload: String

        public init(channel: String, payload: String) {
            self.channel = channel
            self.payload = payload
        }
    }

    public let notifications: AsyncStream<Notification>
    private let continuation: AsyncStream<Notification>.Continuation
    private let stopped = NIOLockedValueBox(false)
    private let thread: NIOThreadPool

    /// Channels are identifiers: lowercase letters, digits and underscores (they are not quoted).
    public init(
        configuration: PostgresConfiguration, channels: [String], logger: Logger = Logger(label: "postgres.listener")
    ) throws {
        for channel in channels where channel.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) == nil {
            throw PostgresError(.query, "'\(channel)' is not a channel name (lowercase letters, digits, underscores)")
        }
        (self.notifications, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1024))
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.thread.start()
        let stopped = self.stopped
        let continuation = self.continuation
        self.thread.submit { _ in
            var pause: Double = 0.1
            while !stopped.withLockedValue({ $0 }) {
                do {
                    let connection = try PostgresConnection.connect(configuration)
                    for channel in channels { _ = try connection.execute("LISTEN \(channel)", []) }
                    pause = 0.1
                    while !stopped.withLockedValue({ $0 }) {
                        for (channel, payload) in try connection.waitForNotifications(timeoutMilliseconds: 200) {
                            continuation.yield(Notification(channel: channel, payload: payload))
                        }
                    }
                } catch {
                    logger.warning(
                        "listener connection lost; reconnecting",
                        metadata: ["error": "\(error)", "pause_s": "\(pause)"])
                    Thread.sleep(forTimeInterval: pause)
                    pause = min(pause * 2, 5)
                }
            }
            continuation.finish()
        }
    }

    /// Stops listening (within 200 ms) and ends `notifications`.
    public func stop() async {
        self.stopped.withLockedValue { $0 = true }
        try? await self.thread.shutdownGracefully()
        self.continuation.finish()
    }
}
