import Postgres
import SwiftProtobuf

/// Idempotency keys for mutating calls: the first answer for (caller, method, key) is stored in the
/// same transaction as the change, and a retry with the same key gets that answer back without
/// running again. Calls that fail store nothing, so a retry runs afresh.
struct Idempotency: Sendable {
    let database: PostgresPool

    func run<Response: SwiftProtobuf.Message & Sendable>(
        caller: String, method: String, key: String, _ body: @Sendable (PostgresSession) async throws -> Response
    ) async throws -> Response {
        guard !key.isEmpty else { return try await self.database.transaction { try await body($0) } }
        let key = try Validation.idempotencyKey(key)
        return try await self.database.transaction { session in
            // Two calls with the same key at once: the second waits here, then finds the first's answer.
            _ = try await session.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["\(caller)|\(method)|\(key)"])
            if let row = try await session.query(
                "SELECT response FROM idempotency_keys WHERE caller = $1 AND method = $2 AND key = $3", [caller, method, key]
            ).first {
                return try Response(serializedBytes: try row.decode("response", as: [UInt8].self))
            }
            let response = try await body(session)
            try await session.execute(
                "INSERT INTO idempotency_keys (caller, method, key, response) VALUES ($1, $2, $3, $4)",
                [caller, method, key, try response.serializedBytes() as [UInt8]]
            )
            return response
        }
    }
}
