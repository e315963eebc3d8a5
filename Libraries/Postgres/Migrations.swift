import Logging

/// One step of a service's schema. Versions only grow; an applied migration is never edited.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// A stable fingerprint of the SQL (FNV-1a), to notice an applied migration that was edited.
    var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in self.sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// Applies a service's migrations at start: all pending ones in one transaction, serialized across
/// processes by an advisory lock, so two replicas starting at once do not race.
public enum Migrator {
    /// Returns the versions it applied (empty when the schema was current).
    @discardableResult
    public static func migrate(_ pool: PostgresPool, _ migrations: [Migration], logger: Logger) async throws -> [Int] {
        let sorted = migrations.sorted { $0.version < $1.version }
        guard Set(sorted.map(\.version)).count == sorted.count else {
            throw PostgresError(.query, "two migrations share a version")
        }
        return try await pool.transaction { session in
            try await session.query("SELECT pg_advisory_xact_lock(727274)")
            try await session.run("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            var applied: [Int: String] = [:]
            for row in try await session.query("SELECT version, checksum FROM schema_migrations") {
                applied[try row.decode("version")] = try row.decode("checksum", as: String.self)
            }
            var done: [Int] = []
            for migration in sorted {
                if let checksum = applied[migration.version] {
                    guard checksum == migration.checksum else {
                        throw PostgresError(.query, "migration \(migration.version) (\(migration.name)) was edited after it was applied")
                    }
                    continue
                }
                try await session.run(migration.sql)
                try await session.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum]
                )
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            return done
        }
    }
}
