import ImageSwissProtos
import Postgres
import RPC

/// Serves Schema/Status for a service with a database: the migrations its database has applied
/// (`schema_migrations`) beside those its binary carries, for `imageswiss-admin migrate --check`.
struct SchemaStatus: Sendable {
    let pool: PostgresPool
    let schema: DatabaseSchema

    func register(in router: inout RPCRouter) {
        router.register(SchemaMethods.status) { _, context in
            guard try RPCCaller(context.metadata).role == "admin" else {
                throw ServiceFailure(domain: "schema").adminOnly
            }
            return try await self.status()
        }
    }

    func status() async throws -> SchemaStatusResponse {
        var response = SchemaStatusResponse()
        response.applied = try await self.pool.query("SELECT version, name FROM schema_migrations ORDER BY version")
            .map { row in
                var migration = SchemaMigration()
                migration.version = Int32(try row.decode("version", as: Int.self))
                migration.name = try row.decode("name")
                return migration
            }
        response.known = self.schema.migrations.sorted { $0.version < $1.version }.map { known in
            var migration = SchemaMigration()
            migration.version = Int32(known.version)
            migration.name = known.name
            return migration
        }
        return response
    }
}
