import Foundation
import Postgres
import Testing
import TestSupport

/// Restarts the shared server, so it runs alone (serialized suite, own cluster use).
@Suite("reconnection after a server restart", .serialized)
struct PostgresRestartTests {
    @Test func poolReconnectsAfterTheServerRestarts() async throws {
        let cluster = TestPostgres.shared
        let pool = PostgresPool(configuration: .init(url: try await cluster.makeDatabase(prefix: "restart"), poolSize: 2))
        try await pool.execute("CREATE TABLE r (v int)")
        try await pool.execute("INSERT INTO r VALUES (1)")
        try cluster.restart()
        // The pooled connection died with the old server; the pool notices and reconnects.
        let value = try await pool.query("SELECT v FROM r").first!.decode("v", as: Int.self)
        #expect(value == 1)
        await pool.close()
    }
}
