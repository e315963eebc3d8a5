import Curl
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import ServiceRuntime

/// Delivers the outbox: each pending mail becomes an RFC 5322 message, sent over SMTP through
/// libcurl when AUTH_SMTP_URL is set, and otherwise written atomically as `<id>.eml` in the mail
/// folder (AUTH_MAIL_DIR) so the local stack works offline. A failed delivery is retried at the next
/// attempt after a doubling wait (AUTH_MAIL_RETRY_BASE_MS), up to 10 attempts, with the error kept on the row. Rows are claimed with SKIP LOCKED, so
/// several Auth replicas share the work.
struct OutboxWorker: Service {
    let database: PostgresPool
    let configuration: AuthConfiguration
    let logger: Logger
    let curl = CurlClient(threads: 1)

    func run() async throws {
        try FileManager.default.createDirectory(
            atPath: self.configuration.mailDirectory, withIntermediateDirectories: true)
        await repeatUntilShutdown(
            every: self.configuration.mailPollInterval, logger: self.logger, level: .error,
            failure: "outbox delivery failed"
        ) {
            try await self.deliverPending()
        }
    }

    func deliverPending() async throws {
        try await self.database.transaction { session in
            let rows = try await session.query(
                """
                SELECT id, recipient, subject, body, html, unsubscribe_url,
                    (extract(epoch FROM created_at))::bigint AS created
                FROM outbox WHERE sent_at IS NULL AND attempts < 10 AND next_attempt_at <= now()
                ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED
                """)
            for row in rows {
                let id: Int64 = try row.decode("id")
                do {
                    let recipient: String = try row.decode("recipient")
                    let message = MailMessage(
                        id: id, from: self.configuration.mailFrom, recipient: recipient,
                        subject: try row.decode("subject"), text: try row.decode("body"),
                        html: try row.decodeIfPresent("html"),
                        unsubscribeURL: try row.decodeIfPresent("unsubscribe_url"),
                        attachments: try await Self.attachments(of: id, in: session),
                        created: try row.decode("created")
                    ).rendered
                    if let server = self.configuration.smtpURL {
                        try await self.curl.sendMail(
                            server: server, username: self.configuration.smtpUsername,
                            password: self.configuration.smtpPassword,
                            from: Self.address(in: self.configuration.mailFrom), to: [recipient],
                            message: Array(message.utf8),
                            requireTLS: self.configuration.smtpRequireTLS
                        )
                    } else {
                        try self.write(id: id, message: message)
                    }
                    try await session.execute(
                        "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1", [id])
                } catch {
                    // Back off: base, 2×base, 4×base … capped at an hour.
                    let base =
                        Double(self.configuration.mailRetryBase.components.seconds)
                        + Double(self.configuration.mailRetryBase.components.attoseconds) / 1e18
                    try await session.execute(
                        """
                        UPDATE outbox SET attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + least(make_interval(secs => $3 * power(2, attempts)), interval '1 hour')
                        WHERE id = $1
                        """, [id, String("\(error)".prefix(500)), base])
                }
            }
        }
    }

    private static func attachments(of id: Int64, in session: PostgresSession) async throws
        -> [MailMessage.Attachment]
    {
        try await session.query(
            "SELECT name, content_type, data FROM outbox_attachments WHERE outbox_id = $1 ORDER BY position", [id]
        ).map { row in
            MailMessage.Attachment(
                name: try row.decode("name"), contentType: try row.decode("content_type"), data: try row.decode("data"))
        }
    }

    /// `addr` from "Name <addr>", or the whole text.
    static func address(in from: String) -> String {
        guard let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close else { return from }
        return String(from[from.index(after: open)..<close])
    }

    private func write(id: Int64, message: String) throws {
        let directory = URL(fileURLWithPath: self.configuration.mailDirectory)
        let temporary = directory.appendingPathComponent(".\(id).eml.tmp")
        try Data(message.utf8).write(to: temporary)
        // rename(2) is atomic: a reader never sees half a message.
        guard rename(temporary.path, directory.appendingPathComponent("\(id).eml").path) == 0 else {
            throw failure.internalError("could not move mail \(id) into place: errno \(errno)")
        }
    }
}
