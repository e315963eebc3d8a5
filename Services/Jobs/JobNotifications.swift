import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// The process's one LISTEN connection: `jobs_queued` wakes the worker loops, `job_events` (payload:
/// a job or batch id) wakes the WatchJob streams watching that id. Watchers also get a tick every
/// few seconds, since a notification sent while the listener reconnected is lost.
final class JobNotifications: Service, Sendable {
    let wakeups: WakeSignal
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let watchers = Mutex<[String: [Int: AsyncStream<Void>.Continuation]]>([:])
    private let next = Atomic<Int>(0)
    static let tick: Duration = .seconds(5)

    init(database: PostgresConfiguration, wakeups: WakeSignal, logger: Logger) {
        self.configuration = database
        self.wakeups = wakeups
        self.logger = logger
    }

    func run() async throws {
        let listener = try PostgresListener(configuration: self.configuration, channels: ["jobs_queued", "job_events"], logger: self.logger)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.tick)
                for continuation in self.watchers.withLock({ $0.values.flatMap(\.values) }) { continuation.yield() }
            }
        }
        await withGracefulShutdownHandler {
            for await notification in listener.notifications {
                if notification.channel == "jobs_queued" {
                    self.wakeups.wakeAll()
                } else {
                    for continuation in self.watchers.withLock({ Array(($0[notification.payload] ?? [:]).values) }) { continuation.yield() }
                }
            }
        } onGracefulShutdown: {
            Task { await listener.stop() }
        }
        ticker.cancel()
        for continuation in self.watchers.withLock({ $0.values.flatMap(\.values) }) { continuation.finish() }
    }

    /// A stream that yields whenever `id` (lowercase) may have changed, until `unwatch`.
    func watch(_ id: String) -> (AsyncStream<Void>, Int) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let token = self.next.add(1, ordering: .relaxed).newValue
        self.watchers.withLock { $0[id, default: [:]][token] = continuation }
        return (stream, token)
    }

    func unwatch(_ id: String, _ token: Int) {
        let continuation = self.watchers.withLock { watchers -> AsyncStream<Void>.Continuation? in
            let removed = watchers[id]?.removeValue(forKey: token)
            if watchers[id]?.isEmpty == true { watchers[id] = nil }
            return removed
        }
        continuation?.finish()
    }
}
