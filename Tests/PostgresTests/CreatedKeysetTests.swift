import Foundation
import Postgres
import TestSupport
import Testing

/// The page token of newest-first listings: a round trip, junk refused, and the condition it writes
/// walking a real table page by page without skipping or repeating rows that share a timestamp.
@Suite("keyset page tokens")
struct CreatedKeysetTests {
    @Test func tokensRoundTripAndJunkIsRefused() {
        let keyset = CreatedKeyset(createdMicros: 1_795_000_000_123_456, id: UUID())
        #expect(CreatedKeyset(token: keyset.token) == keyset)
        for junk in ["", "_", "12_", "_\(UUID())", "x_\(UUID())", "1_not-a-uuid", "1_\(UUID())_2"] {
            #expect(CreatedKeyset(token: junk) == nil, "\(junk)")
        }
    }

    @Test func pagesVisitEveryRowOnce() async throws {
        let url = try await TestPostgres.shared().makeDatabase(prefix: "keyset")
        let pool = PostgresPool(configuration: .init(url: url, poolSize: 1))
        defer { Task { await pool.close() } }
        // 25 rows over 5 timestamps: ties are broken by id.
        try await pool.execute("CREATE TABLE items (id uuid PRIMARY KEY, created_at timestamptz NOT NULL)")
        try await pool.execute(
            """
            INSERT INTO items SELECT gen_random_uuid(), timestamptz '2026-11-22 00:00:00+00' + (g % 5) * interval '1 millisecond'
            FROM generate_series(1, 25) g
            """)
        var seen: [UUID] = []
        var after: CreatedKeyset?
        repeat {
            var parameters = PostgresParameters()
            let condition = after.map { "WHERE " + $0.rowsAfter(&parameters) } ?? ""
            let rows = try await pool.query(
                """
                SELECT id, (extract(epoch FROM created_at) * 1000000)::bigint AS micros FROM items \(condition)
                ORDER BY created_at DESC, id DESC LIMIT 7
                """, parameters.values)
            seen += try rows.map { try $0.decode("id", as: UUID.self) }
            after = try rows.last.map { CreatedKeyset(createdMicros: try $0.decode("micros"), id: try $0.decode("id")) }
            if rows.count < 7 { after = nil }
        } while after != nil
        let all = try await pool.query("SELECT id FROM items ORDER BY created_at DESC, id DESC").map {
            try $0.decode("id", as: UUID.self)
        }
        #expect(seen == all && Set(seen).count == 25)
    }
}
