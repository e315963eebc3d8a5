import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// Wake-ups between the queue's writers and its waiters, in this process and across processes.
///
/// Writers call `queued()` after inserting jobs and `changed(_:)` after changing them. Waiters in
/// this process wake at once (worker loops; WatchJob streams watching an id); other processes hear
/// it through PostgreSQL: every few milliseconds the pending wake-ups go out as one statement
/// (`jobs_queued`, and `job_events` with up to ~200 comma-separated ids per notification). NOTIFY
/// is kept out of the queue's own transactions on purpose: PostgreSQL serialises the commits of
/// notifying transactions, which would cap the queue at one commit at a time.
///
/// The one LISTEN connection of the process feeds the same fan-out. A notification sent while it
/// reconnects is lost, so watchers also get a tick every few seconds and workers poll when idle.
final class JobNotifications: Service, Sendable {
    let wakeups: WakeSignal
    private let database: PostgresPool
    private let logger: Logger
    private let watchers = Mutex<[String: [Int: AsyncStream<Void>.Continuation]]>([:])
    private let pending = Mutex(Pending())
    private let next = Atomic<Int>(0)
    static let tick: Duration = .seconds(5)
    static let flushInterval: Duration = .milliseconds(10)

    private struct Pending {
        var queued = false
        var changed: Set<String> = []
    }

    init(database: PostgresPool, wakeups: WakeSignal, logger: Logger) {
        self.database = database
        self.wakeups = wakeups
        self.logger = logger
    }

    /// Jobs were queued: wake the workers here now, and those of other processes shortly.
    func queued() {
        self.wakeups.wakeAll()
        self.pending.withLock { $0.queued = true }
    }

    /// Jobs changed (status or progress): wake their watchers here now, and elsewhere shortly.
    func changed(_ ids: [UUID]) {
        let keys = ids.map { $0.lowercasedText }
        self.wake(keys)
        self.pending.withLock { $0.changed.formUnion(keys) }
    }

    func run() async throws {
        let listener = try PostgresListener(
            configuration: self.database.configuration, channels: ["jobs_queued", "job_events"], logger: self.logger)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.tick)
                for continuation in self.watchers.withLock({ $0.values.flatMap(\.values) }) { continuation.yield() }
            }
        }
        let flusher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.flushInterval)
                await self.flush()
            }
        }
        await withGracefulShutdownHandler {
            for await notification in listener.notifications {
                if notification.channel == "jobs_queued" {
                    self.wakeups.wakeAll()
                } else {
                    self.wake(notification.payload.split(separator: ",").map(String.init))
                }
            }
        } onGracefulShutdown: {
            Task { await listener.stop() }
        }
        ticker.cancel()
        flusher.cancel()
        await self.flush()
        for continuation in self.watchers.withLock({ $0.values.flatMap(\.values) }) { continuation.yield() }
    }

    /// Sends what is pending as one statement. On failure it is dropped: wake-ups are hints.
    private func flush() async {
        let pending = self.pending.withLock { pending -> Pending in
            defer { pending = Pending() }
            return pending
        }
        guard pending.queued || !pending.changed.isEmpty else { return }
        var payloads: [String] = []
        var current = ""
        for id in pending.changed {
            if current.utf8.count + id.utf8.count + 1 > 7900 {
                payloads.append(current)
                current = ""
            }
            current += current.isEmpty ? id : "," + id
        }
        if !current.isEmpty { payloads.append(current) }
        var parameters = PostgresParameters()
        var calls = payloads.map { "pg_notify('job_events', \(parameters.bind($0)))" }
        if pending.queued { calls.append("pg_notify('jobs_queued', '')") }
        do {
            _ = try await self.database.query("SELECT " + calls.joined(separator: ", "), parameters.values)
        } catch {
            self.logger.debug("notify failed", metadata: ["error": "\(error)"])
        }
    }

    private func wake(_ keys: [String]) {
        let continuations = self.watchers.withLock { watchers in keys.flatMap { (watchers[$0] ?? [:]).values } }
        for continuation in continuations { continuation.yield() }
    }

    /// One stream that yields whenever any of `ids` (lowercase) may have changed, until `unwatch(ids:)`.
    func watch(ids: [String]) -> (AsyncStream<Void>, Int) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let token = self.next.add(1, ordering: .relaxed).newValue
        self.watchers.withLock { watchers in
            for id in ids { watchers[id, default: [:]][token] = continuation }
        }
        return (stream, token)
    }

    func unwatch(ids: [String], _ token: Int) {
        let continuation = self.watchers.withLock { watchers -> AsyncStream<Void>.Continuation? in
            var removed: AsyncStream<Void>.Continuation?
            for id in ids {
                removed = watchers[id]?.removeValue(forKey: token) ?? removed
                if watchers[id]?.isEmpty == true { watchers[id] = nil }
            }
            return removed
        }
        continuation?.finish()
    }
}
