import Foundation
import Logging
import Postgres
import TestSupport
import Testing

@Suite("libpq wrapper against a real PostgreSQL")
struct PostgresPoolTests {
    func makePool(size: Int = 4) async throws -> PostgresPool {
        PostgresPool(configuration: .init(url: try await TestPostgres.shared().makeDatabase(), poolSize: size))
    }

    @Test func parameterizedQueriesRoundTripEveryType() async throws {
        let pool = try await makePool()
        try await pool.execute(
            "CREATE TABLE t (i bigint, s text, b boolean, d double precision, u uuid, y bytea, n text)")
        let id = UUID()
        let bytes: [UInt8] = [0, 1, 2, 255, 0, 39, 92]
        let inserted = try await pool.execute(
            "INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [Int64.max, "it's; DROP TABLE t; -- ünïcødé", true, 2.5, id, bytes, String?.none]
        )
        #expect(inserted == 1)
        let row = try #require(try await pool.query("SELECT * FROM t").first)
        #expect(try row.decode("i", as: Int64.self) == Int64.max)
        #expect(try row.decode("s", as: String.self) == "it's; DROP TABLE t; -- ünïcødé")
        #expect(try row.decode("b", as: Bool.self) == true)
        #expect(try row.decode("d", as: Double.self) == 2.5)
        #expect(try row.decode("u", as: UUID.self) == id)
        #expect(try row.decode("y", as: [UInt8].self) == bytes)
        #expect(try row.decodeIfPresent("n", as: String.self) == nil)
        #expect(throws: PostgresError.self) { try row.decode("n", as: String.self) }
        #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
        await pool.close()
    }

    /// text[] literals reach PostgreSQL element for element: quotes, backslashes, commas, braces,
    /// spaces, the word NULL, non-ASCII and empty strings as themselves, nil as NULL; and an array
    /// PostgreSQL prints reads back into its plain elements.
    @Test func textArrayLiteralsRoundTrip() async throws {
        let pool = try await makePool(size: 1)
        let values: [String?] = [
            #"a"b"#, #"back\slash\"#, "comma,and}brace{", " spaced ", "NULL", "ünïcødé 🙂", "", nil, #"\""#,
        ]
        let rows = try await pool.query(
            "SELECT e FROM unnest($1::text[]) WITH ORDINALITY AS u(e, n) ORDER BY n",
            [PostgresTextArray.literal(values)])
        #expect(try rows.map { try $0.decodeIfPresent("e", as: String.self) } == values)
        let printed = try await pool.query("SELECT ARRAY['b1', 'b2', 'b3']::text AS a").first!.decode(
            "a", as: String.self)
        #expect(PostgresTextArray.plainElements(printed) == ["b1", "b2", "b3"])
        #expect(PostgresTextArray.plainElements("{}") == [])
        await pool.close()
    }

    /// A companion pool's connections start their sessions with its settings, whether the database
    /// is named by a URL or by libpq's key=value form, and keep what the URL's own `options` set;
    /// the pool it came from keeps the defaults.
    @Test func companionPoolsStartWithTheirSessionSettings() async throws {
        let url = try await TestPostgres.shared().makeDatabase()
        let parts = try #require(URLComponents(string: url))
        var keyValue = "host=\(parts.host ?? "127.0.0.1") port=\(parts.port ?? 5432) dbname=\(parts.path.dropFirst())"
        if let user = parts.user { keyValue += " user=\(user)" }
        if let password = parts.password { keyValue += " password=\(password)" }
        let withOptions = url + (url.contains("?") ? "&" : "?") + "options=-c%20application_name%3Dmine"
        for form in [withOptions, keyValue + " options='-c application_name=mine'"] {
            let pool = PostgresPool(configuration: .init(url: form, poolSize: 2))
            let planned = pool.companion(
                poolSize: 2, sessionSettings: ["plan_cache_mode": "force_generic_plan", "jit": "off"])
            let settings =
                "SELECT current_setting('plan_cache_mode') AS mode, current_setting('jit') AS jit, current_setting('application_name') AS name"
            let plain = try #require(try await pool.query(settings).first)
            #expect(try plain.decode("mode", as: String.self) == "auto")
            #expect(try plain.decode("name", as: String.self) == "mine")
            // Every connection of the companion, not only the first: two at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await planned.withSession { session in
                            let row = try #require(try await session.query(settings + ", pg_sleep(0.05)::text").first)
                            #expect(try row.decode("mode", as: String.self) == "force_generic_plan")
                            #expect(try row.decode("jit", as: String.self) == "off")
                            #expect(try row.decode("name", as: String.self) == "mine")
                        }
                    }
                }
                try await group.waitForAll()
            }
            await planned.close()
            await pool.close()
        }
    }

    /// A prepared statement is prepared once per connection and then run by name: the same answers
    /// as a plain query, past PostgreSQL's switch to a generic plan (after five runs), on every
    /// connection of the pool; one that does not parse fails like a query and can be fixed.
    @Test func preparedStatementsRunByNameOnEveryConnection() async throws {
        let pool = try await makePool(size: 2)
        try await pool.execute("CREATE TABLE p (k integer PRIMARY KEY, v text NOT NULL)")
        try await pool.execute("INSERT INTO p SELECT g, 'v' || g FROM generate_series(1, 100) g")
        let pick = PostgresPreparedStatement("SELECT v FROM p WHERE k = ANY ($1::integer[]) ORDER BY k")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 1...20 {
                group.addTask {
                    let rows = try await pool.query(
                        pick, [PostgresTextArray.literal([Int64(round), Int64(round + 1)])])
                    #expect(try rows.map { try $0.decode("v", as: String.self) } == ["v\(round)", "v\(round + 1)"])
                }
            }
            try await group.waitForAll()
        }
        let prepared = try await pool.withSession { session in
            _ = try await session.query(pick, ["{1}"])
            return try await session.query("SELECT count(*) FROM pg_prepared_statements").first!.decode(
                at: 0, as: Int.self)
        }
        #expect(prepared == 1)
        let bump = PostgresPreparedStatement("UPDATE p SET v = v || '!' WHERE k <= $1")
        #expect(try await pool.execute(bump, [3]) == 3)
        let broken = PostgresPreparedStatement("SELEC v FROM p")
        let error = await #expect(throws: PostgresError.self) { try await pool.query(broken) }
        #expect(error?.sqlState == "42601")
        #expect(try await pool.query(pick, ["{3}"]).first?.decode("v", as: String.self) == "v3!")
        await pool.close()
    }

    @Test func errorsCarrySQLState() async throws {
        let pool = try await makePool()
        try await pool.execute("CREATE TABLE u (k text PRIMARY KEY)")
        try await pool.execute("INSERT INTO u VALUES ($1)", ["a"])
        let error = await #expect(throws: PostgresError.self) {
            try await pool.execute("INSERT INTO u VALUES ($1)", ["a"])
        }
        #expect(error?.isUniqueViolation == true)
        #expect(error?.kind == .query)
        let syntax = await #expect(throws: PostgresError.self) { try await pool.query("SELEC 1") }
        #expect(syntax?.sqlState == "42601")
        // A NUL inside a text parameter is refused before it reaches the server.
        await #expect(throws: PostgresError.self) { try await pool.execute("INSERT INTO u VALUES ($1)", ["a\u{0}b"]) }
        await pool.close()
    }

    @Test func transactionsCommitOrRollBack() async throws {
        let pool = try await makePool()
        try await pool.execute("CREATE TABLE acc (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0))")
        try await pool.execute("INSERT INTO acc VALUES (1, 10), (2, 0)")
        try await pool.transaction { tx in
            try await tx.execute("UPDATE acc SET balance = balance - 4 WHERE id = 1")
            try await tx.execute("UPDATE acc SET balance = balance + 4 WHERE id = 2")
        }
        await #expect(throws: PostgresError.self) {
            try await pool.transaction { tx in
                try await tx.execute("UPDATE acc SET balance = balance + 100 WHERE id = 2")
                try await tx.execute("UPDATE acc SET balance = balance - 100 WHERE id = 1")  // violates the CHECK
            }
        }
        let balances = try await pool.query("SELECT balance FROM acc ORDER BY id").map {
            try $0.decode("balance", as: Int.self)
        }
        #expect(balances == [6, 4])
        // BEGIN goes with the first statement: the isolation asked for is in force from it on.
        let isolation = try await pool.transaction(isolation: .repeatableRead) { tx in
            try await tx.query("SHOW transaction_isolation").first!.decode("transaction_isolation", as: String.self)
        }
        #expect(isolation == "repeatable read")
        // A transaction that ran nothing ends without a statement, and the connection is lent again.
        try await pool.transaction { _ in }
        #expect(try await pool.query("SELECT 1 AS one").first!.decode("one", as: Int.self) == 1)
        await pool.close()
    }

    @Test func poolBoundsConnectionsAndServesManyConcurrentCallers() async throws {
        let pool = try await makePool(size: 3)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<50 {
                group.addTask { try await pool.query("SELECT $1::int AS v, pg_sleep(0.01)", [i]).first!.decode("v") }
            }
            var sum = 0
            for try await value in group { sum += value }
            #expect(sum == (0..<50).reduce(0, +))
        }
        let count = try await pool.query(
            "SELECT count(*) AS c FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
        ).first!.decode("c", as: Int.self)
        #expect(count <= 3)
        await pool.close()
    }

    @Test func migrationsApplyOnceInOrderAndRejectEdits() async throws {
        let pool = try await makePool()
        let migrations = [
            Migration(
                version: 2, name: "add column",
                sql: "ALTER TABLE items ADD COLUMN label text; CREATE INDEX ON items(label);"),
            Migration(version: 1, name: "create", sql: "CREATE TABLE items (id serial PRIMARY KEY);"),
        ]
        #expect(try await Migrator.migrate(pool, migrations, logger: .init(label: "test")) == [1, 2])
        #expect(try await Migrator.migrate(pool, migrations, logger: .init(label: "test")) == [])
        let edited = [Migration(version: 1, name: "create", sql: "CREATE TABLE items (id bigserial PRIMARY KEY);")]
        await #expect(throws: PostgresError.self) {
            try await Migrator.migrate(pool, edited, logger: .init(label: "test"))
        }
        // A failing migration leaves nothing behind: not even its version row.
        let broken =
            migrations + [Migration(version: 3, name: "broken", sql: "CREATE TABLE half (id int); SELECT nonsense;")]
        await #expect(throws: PostgresError.self) {
            try await Migrator.migrate(pool, broken, logger: .init(label: "test"))
        }
        let tables = try await pool.query("SELECT to_regclass('half') IS NULL AS gone").first!.decode(
            "gone", as: Bool.self)
        #expect(tables)
        #expect(
            try await pool.query("SELECT max(version) AS v FROM schema_migrations").first!.decode("v", as: Int.self)
                == 2)
        await pool.close()
    }

    /// In a rolling upgrade the previous release starts against the newer schema: it must run, and
    /// must not put its older function text back over the newer.
    @Test func anOlderReleaseLeavesANewerSchemasFunctionsAlone() async throws {
        let pool = try await makePool()
        let create = Migration(version: 1, name: "create", sql: "CREATE TABLE items (id serial PRIMARY KEY);")
        let expand = Migration(version: 2, name: "expand", sql: "ALTER TABLE items ADD COLUMN label text;")
        let older = SchemaFunction(
            name: "answer", sql: "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 1';")
        let newer = SchemaFunction(
            name: "answer", sql: "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 2';")
        let log = Logger(label: "test")
        #expect(
            try await Migrator.migrate(pool, DatabaseSchema(migrations: [create], functions: [older]), logger: log) == [
                1
            ])
        #expect(
            try await Migrator.migrate(
                pool, DatabaseSchema(migrations: [create, expand], functions: [newer]), logger: log) == [2])
        // The previous release restarts: nothing applied, the newer function kept.
        #expect(
            try await Migrator.migrate(pool, DatabaseSchema(migrations: [create], functions: [older]), logger: log)
                == [])
        #expect(try await pool.query("SELECT answer() AS a").first!.decode("a", as: Int.self) == 2)
        await pool.close()
    }
}
