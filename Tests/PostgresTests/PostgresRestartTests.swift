import Foundation
import Postgres
import TestSupport
import Testing

@Suite("reconnection after a server restart")
struct PostgresRestartTests {
    @Test func poolReconnectsAfterTheServerRestarts() async throws {
        // A cluster of its own: restarting the shared one would disturb suites running in parallel.
        let cluster = try await TestPostgres.startPrivate()
        defer { cluster.stop() }
        let pool = PostgresPool(
            configuration: .init(url: try await cluster.makeDatabase(prefix: "restart"), poolSize: 2))
        try await pool.execute("CREATE TABLE r (v int)")
        try await pool.execute("INSERT INTO r VALUES (1)")
        try await cluster.restart()
        // The pooled connection died with the old server; the pool notices and reconnects.
        let value = try await pool.query("SELECT v FROM r").first!.decode("v", as: Int.self)
        #expect(value == 1)
        await pool.close()
    }
}
