import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@Suite("LISTEN/NOTIFY")
struct PostgresListenerTests {
    /// Everything a listener delivered, collected by a task.
    final class Received: Sendable {
        let items = Mutex<[PostgresListener.Notification]>([])
        func contains(_ notification: PostgresListener.Notification) -> Bool {
            self.items.withLock { $0.contains(notification) }
        }
    }

    @Test func notificationsArriveAndSurviveAServerRestart() async throws {
        // A cluster of its own: restarting the shared one would disturb suites running in parallel.
        let cluster = try await TestPostgres.startPrivate()
        defer { cluster.stop() }
        let url = try await cluster.makeDatabase(prefix: "listen")
        let pool = PostgresPool(configuration: .init(url: url, poolSize: 1))
        let listener = try PostgresListener(
            configuration: .init(url: url, poolSize: 1), channels: ["jobs_ready", "other"])
        let received = Received()
        let collector = Task {
            for await notification in listener.notifications { received.items.withLock { $0.append(notification) } }
        }

        /// Notifies until the listener heard it (a NOTIFY before its LISTEN took effect is lost, by design).
        func heard(_ channel: String, _ payload: String) async -> Bool {
            for _ in 0..<100 {
                _ = try? await pool.execute("SELECT pg_notify($1, $2)", [channel, payload])
                try? await Task.sleep(for: .milliseconds(100))
                if received.contains(.init(channel: channel, payload: payload)) { return true }
            }
            return false
        }
        #expect(await heard("jobs_ready", "job 1"))
        // Only the channels it listens to.
        _ = try await pool.execute("SELECT pg_notify('elsewhere', 'not for us')")
        // After a restart the listener reconnects by itself and hears new notifications.
        try await cluster.restart()
        #expect(await heard("other", "after restart"))
        #expect(!received.items.withLock { $0.contains { $0.channel == "elsewhere" } })

        await listener.stop()
        await collector.value  // the stream ended
        await pool.close()
        #expect(throws: PostgresError.self) {
            try PostgresListener(configuration: .init(url: url, poolSize: 1), channels: ["x; DROP TABLE t"])
        }
    }
}
