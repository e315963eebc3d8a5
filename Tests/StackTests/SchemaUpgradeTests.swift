import Foundation
import Postgres
import TestSupport
import Testing

/// A database migrated by the last main whose schema lived in Swift strings starts under the SQL-file
/// layout with no manual step, and ends with exactly the schema a new database gets.
///
/// The old chain is today's migration files with the texts they had before their functions moved out
/// (Fixtures/LegacyMigrations, recovered from git at 5ac35e9): the fixture's checksums are the ones the
/// edited files name, so they are the texts those databases recorded.
@Suite("Schema upgrade", .serialized)
struct SchemaUpgradeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The migrations that main had, per service.
    static let legacyVersions = ["Auth": 5, "Billing": 6, "Jobs": 10, "Storage": 4]

    static func schema(_ service: String) throws -> DatabaseSchema {
        try DatabaseSchema(directory: root.appendingPathComponent("Services/\(service)/SQL"))
    }

    /// The chain as the old main applied it: no function files, the edited migrations' old texts.
    static func legacyChain(_ service: String) throws -> [Migration] {
        let fixtures = root.appendingPathComponent("Tests/StackTests/Fixtures/LegacyMigrations/\(service)")
        return try Self.schema(service).migrations.filter { $0.version <= legacyVersions[service]! }.map { migration in
            let fixture = fixtures.appendingPathComponent(String(format: "%04d.sql", migration.version))
            guard FileManager.default.fileExists(atPath: fixture.path) else { return migration }
            let old = Migration(
                version: migration.version, name: migration.name, sql: try DatabaseSchema.text(of: fixture))
            #expect(
                migration.previousChecksums.contains(old.checksum),
                "\(service) \(migration.version): fixture is not the text it replaced")
            return old
        }
    }

    @Test("every edited migration names the checksum of its old text, and only those were edited")
    func fixturesMatchPreviousChecksums() throws {
        for service in Self.legacyVersions.keys {
            let edited = try Self.schema(service).migrations.filter { !$0.previousChecksums.isEmpty }.map(\.version)
            let fixtures = try FileManager.default.contentsOfDirectory(
                atPath: Self.root.appendingPathComponent("Tests/StackTests/Fixtures/LegacyMigrations/\(service)").path
            ).compactMap { Int($0.prefix(4)) }
            #expect(Set(edited) == Set(fixtures), "\(service)")
            _ = try Self.legacyChain(service)
        }
    }

    @Test("databases migrated by the old layout start under the new one, with the new schema")
    func oldDatabasesUpgrade() async throws {
        let cluster = try await TestPostgres.shared()
        var environment: [String: String] = [:]
        var upgraded: [String: String] = [:]
        for service in Self.legacyVersions.keys {
            let url = try await cluster.makeDatabase(prefix: "legacy_\(service.lowercased())")
            let pool = PostgresPool(configuration: .init(url: url, poolSize: 1))
            try await Self.applyAsOldMain(pool, try Self.legacyChain(service))
            await pool.close()
            upgraded[service] = url
            environment["\(service.uppercased())_DATABASE_URL"] = url
        }
        // The new services start on the old databases (and migrate them at start).
        let stack = try await ServiceStack.start(["auth", "billing", "jobs", "storage"], environment: environment)
        await stack.stop()

        for (service, url) in upgraded {
            let fresh = PostgresPool(
                configuration: .init(url: try await cluster.makeDatabase(prefix: "fresh"), poolSize: 1))
            try await Migrator.migrate(fresh, try Self.schema(service), logger: .init(label: "test"))
            let old = PostgresPool(configuration: .init(url: url, poolSize: 1))
            let want = try await Self.fingerprint(fresh)
            let got = try await Self.fingerprint(old)
            #expect(got.count > 10)
            #expect(Set(got).subtracting(want).sorted() == [], "\(service): only in the upgraded database")
            #expect(Set(want).subtracting(got).sorted() == [], "\(service): only in a new database")
            // Started again, nothing is left to apply.
            #expect(try await Migrator.migrate(old, try Self.schema(service), logger: .init(label: "test")) == [])
            await fresh.close()
            await old.close()
        }
    }

    /// What the old main's migrator did: each migration's text, and its row with the text's checksum.
    static func applyAsOldMain(_ pool: PostgresPool, _ chain: [Migration]) async throws {
        try await pool.transaction { session in
            try await session.run(
                """
                CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                                                applied_at timestamptz NOT NULL DEFAULT now())
                """)
            for migration in chain {
                try await session.run(migration.sql)
                try await session.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [migration.version, migration.name, migration.checksum])
            }
        }
    }

    /// Tables, columns, constraints, indexes, triggers and functions, one line each.
    static func fingerprint(_ pool: PostgresPool) async throws -> [String] {
        try await pool.query(
            """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || ordinal_position || ' ' || data_type || ' '
                   || coalesce(column_default, '') || ' ' || is_nullable AS line
            FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL SELECT 'table ' || relname || ' ' || coalesce(array_to_string(reloptions, ','), '')
            FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
            UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
            UNION ALL SELECT 'function ' || pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
            """
        ).map { try $0.decode("line") }
    }
}
