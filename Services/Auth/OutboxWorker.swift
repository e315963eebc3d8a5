import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Delivers the outbox: each pending mail becomes an RFC 5322 message written atomically as
/// `<id>.eml` in the mail folder (AUTH_MAIL_DIR), so the local stack works offline and tests can
/// read what was sent. Rows are claimed with SKIP LOCKED, so several Auth replicas share the work.
struct OutboxWorker: Service {
    let database: PostgresPool
    let configuration: AuthConfiguration
    let logger: Logger

    func run() async throws {
        try FileManager.default.createDirectory(atPath: self.configuration.mailDirectory, withIntermediateDirectories: true)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await self.deliverPending()
            } catch {
                self.logger.error("outbox delivery failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: self.configuration.mailPollInterval)
        }
    }

    func deliverPending() async throws {
        try await self.database.transaction { session in
            let rows = try await session.query("""
                SELECT id, recipient, subject, body, (extract(epoch FROM created_at))::bigint AS created
                FROM outbox WHERE sent_at IS NULL AND attempts < 10 ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED
                """)
            for row in rows {
                let id: Int64 = try row.decode("id")
                do {
                    try self.write(id: id, recipient: try row.decode("recipient"), subject: try row.decode("subject"),
                                   body: try row.decode("body"), created: try row.decode("created"))
                    try await session.execute("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1", [id])
                } catch {
                    try await session.execute("UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1", [id, "\(error)"])
                }
            }
        }
    }

    private func write(id: Int64, recipient: String, subject: String, body: String, created: Int64) throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let message = """
            From: \(self.configuration.mailFrom)\r
            To: <\(recipient)>\r
            Subject: \(subject)\r
            Date: \(formatter.string(from: Date(timeIntervalSince1970: Double(created))))\r
            Message-ID: <outbox-\(id)@imageswiss>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(body.replacingOccurrences(of: "\n", with: "\r\n"))\r

            """
        let directory = URL(fileURLWithPath: self.configuration.mailDirectory)
        let temporary = directory.appendingPathComponent(".\(id).eml.tmp")
        try Data(message.utf8).write(to: temporary)
        // rename(2) is atomic: a reader never sees half a message.
        guard rename(temporary.path, directory.appendingPathComponent("\(id).eml").path) == 0 else {
            throw AuthFailure.internalError("could not move mail \(id) into place: errno \(errno)")
        }
    }
}
