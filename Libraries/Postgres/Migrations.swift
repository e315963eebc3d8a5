import Foundation
import Logging

/// One step of a service's schema. Versions only grow; an applied migration is never edited —
/// except to move a function out of it, when the file names its earlier text's checksum
/// (`-- previous checksum: <hex>`) so that databases which applied that text still start.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    public var checksum: String { SchemaChecksum.of(self.sql) }

    /// Checksums of texts this migration replaced, read from its `-- previous checksum:` lines.
    public var previousChecksums: Set<String> {
        var found: Set<String> = []
        for line in self.sql.split(separator: "\n") where line.hasPrefix(Self.previousChecksumPrefix) {
            found.insert(line.dropFirst(Self.previousChecksumPrefix.count).prefix { $0.isHexDigit }.lowercased())
        }
        return found
    }

    static let previousChecksumPrefix = "-- previous checksum: "
}

/// A PL/pgSQL or SQL function's one definition, a `CREATE OR REPLACE`: applied before the pending
/// migrations whenever its text differs from the text last applied.
public struct SchemaFunction: Sendable {
    public let name: String
    public let sql: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }

    var checksum: String { SchemaChecksum.of(self.sql) }
}

/// A stable fingerprint of SQL text (FNV-1a, 64 bits), to notice an applied migration that was edited
/// and a function that changed.
enum SchemaChecksum {
    static func of(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// Brings a service's database to its schema at start, in one transaction serialized across
/// processes by an advisory lock (two replicas starting at once do not race): first every function
/// whose text changed (so a migration's trigger finds its function), then the pending migrations, then
/// any function whose signature names a table those migrations made.
public enum Migrator {
    /// Returns the migration versions it applied (empty when the schema was current).
    @discardableResult
    public static func migrate(_ pool: PostgresPool, _ schema: DatabaseSchema, logger: Logger) async throws -> [Int] {
        let sorted = schema.migrations.sorted { $0.version < $1.version }
        guard Set(sorted.map(\.version)).count == sorted.count else {
            throw PostgresError(.query, "two migrations share a version")
        }
        return try await pool.transaction { session in
            try await session.query("SELECT pg_advisory_xact_lock(727274)")
            try await session.run(try Self.bookkeeping)
            var applied: [Int: String] = [:]
            for row in try await session.query("SELECT version, checksum FROM schema_migrations") {
                applied[try row.decode("version")] = try row.decode("checksum", as: String.self)
            }
            // A newer release already migrated this database (a rolling upgrade, or a roll-back of
            // this binary): it runs on the newer schema (expand/contract, docs/operations.md) and
            // must not put its older functions back over the newer ones.
            let newest = applied.keys.max() ?? 0
            let known = sorted.last?.version ?? 0
            if newest > known {
                logger.notice(
                    "database schema is newer than this release; its functions stay as they are",
                    metadata: ["database": "\(newest)", "release": "\(known)"])
            }
            let deferred =
                newest > known
                ? [] : try await Self.applyFunctions(schema.functions, session, deferring: true, logger: logger)
            var done: [Int] = []
            for migration in sorted {
                if let checksum = applied[migration.version] {
                    if checksum == migration.checksum { continue }
                    guard migration.previousChecksums.contains(checksum) else {
                        throw PostgresError(
                            .query, "migration \(migration.version) (\(migration.name)) was edited after it was applied"
                        )
                    }
                    try await session.execute(
                        "UPDATE schema_migrations SET checksum = $2 WHERE version = $1",
                        [migration.version, migration.checksum])
                    continue
                }
                try await session.run(migration.sql)
                try await session.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum]
                )
                logger.info(
                    "applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                done.append(migration.version)
            }
            _ = try await Self.applyFunctions(deferred, session, deferring: false, logger: logger)
            return done
        }
    }

    /// The pre-layout call: migrations without function files.
    @discardableResult
    public static func migrate(_ pool: PostgresPool, _ migrations: [Migration], logger: Logger) async throws -> [Int] {
        try await self.migrate(pool, DatabaseSchema(migrations: migrations, functions: []), logger: logger)
    }

    /// Applies the functions whose text changed; answers those that could not be made yet (a result
    /// or argument naming a table that a pending migration creates), to be applied after the migrations.
    /// Bodies are checked when first called, as in pg_dump's scripts: a new database gets its functions
    /// before the tables they name.
    private static func applyFunctions(
        _ functions: [SchemaFunction], _ session: PostgresSession, deferring: Bool,
        logger: Logger
    ) async throws -> [SchemaFunction] {
        guard !functions.isEmpty else { return [] }
        var applied: [String: String] = [:]
        for row in try await session.query("SELECT name, checksum FROM schema_functions") {
            applied[try row.decode("name")] = try row.decode("checksum", as: String.self)
        }
        try await session.run("SET LOCAL check_function_bodies = off")
        var deferred: [SchemaFunction] = []
        for function in functions.sorted(by: { $0.name < $1.name }) where applied[function.name] != function.checksum {
            do {
                try await session.run("SAVEPOINT schema_function")
                try await session.run(function.sql)
                try await session.run("RELEASE SAVEPOINT schema_function")
            } catch let error as PostgresError where deferring && error.sqlState == "42704" {  // undefined_object
                try await session.run("ROLLBACK TO SAVEPOINT schema_function")
                deferred.append(function)
                continue
            } catch let error as PostgresError {
                throw PostgresError(
                    .query,
                    "function \(function.name) could not be applied: \(error) — a change of its arguments "
                        + "or result type needs a DROP FUNCTION of the old one at the top of its file")
            }
            try await session.execute(
                """
                INSERT INTO schema_functions (name, checksum) VALUES ($1, $2)
                ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """, [function.name, function.checksum])
            logger.info("applied function", metadata: ["name": "\(function.name)"])
        }
        try await session.run("SET LOCAL check_function_bodies = on")
        return deferred
    }

    private static var bookkeeping: String {
        get throws {
            guard let url = Bundle.module.url(forResource: "bookkeeping", withExtension: "sql", subdirectory: "SQL")
            else {
                throw PostgresError(.query, "the Postgres library's SQL/bookkeeping.sql resource is missing")
            }
            return try String(contentsOf: url, encoding: .utf8)
        }
    }
}
