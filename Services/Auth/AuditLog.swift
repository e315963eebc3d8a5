import Foundation
import ImageSwissProtos
import Postgres

/// The append-only record of admin actions (and account deletions), readable by admins.
enum AuditLog {
    static func append(
        actor: UUID, action: String, target: UUID?, detail: [String: String], in session: PostgresSession
    ) async throws {
        let json = String(
            decoding: try JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys]), as: UTF8.self)
        try await session.execute(
            "INSERT INTO audit_log (actor_id, action, target_id, detail) VALUES ($1, $2, $3, $4::jsonb)",
            [actor, action, target, json]
        )
    }

    /// Newest first; the page token is the id to continue below.
    static func list(pageSize: Int, pageToken: String, in database: PostgresPool) async throws -> AuthListAuditResponse
    {
        let below = pageToken.isEmpty ? Int64.max : (Int64(pageToken) ?? Int64.max)
        let rows = try await database.query(
            """
            SELECT id, actor_id, action, coalesce(target_id::text, '') AS target, detail::text AS detail,
                   (extract(epoch FROM at) * 1000000)::bigint AS at_micros
            FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2
            """, [below, pageSize + 1])
        var response = AuthListAuditResponse()
        response.entries = try rows.prefix(pageSize).map { row in
            var entry = AuthAuditEntry()
            entry.id = try row.decode("id")
            entry.actorID = (try row.decode("actor_id", as: UUID.self)).uuidString.lowercased()
            entry.action = try row.decode("action")
            entry.targetID = try row.decode("target")
            entry.detail = try row.decode("detail")
            entry.at = .micros(try row.decode("at_micros"))
            return entry
        }
        if rows.count > pageSize, let last = response.entries.last { response.nextPageToken = String(last.id) }
        return response
    }
}
