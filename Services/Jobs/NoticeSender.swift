import Foundation
import ImageSwissProtos
import Logging
import Postgres
import RPC
import ServiceLifecycle
import ServiceRuntime

/// Hands the owners' notices (`notices`, written with the events) to Auth, which keeps the in-app
/// list and mails them. A notice is deleted once Auth answered; Auth keys it by `event_key`, so one
/// sent twice (a crash between the answer and the delete) still counts once. While Auth cannot be
/// reached a notice waits, twice as long after each failure, up to ten minutes. Rows are claimed
/// with SKIP LOCKED, so every Jobs process may send.
struct NoticeSender: Service {
    let database: PostgresPool
    let auth: RPCClient
    let billing: RPCClient
    let interval: Duration
    let logger: Logger

    static let batchSize = 50

    func run() async throws {
        await repeatUntilShutdown(every: self.interval, logger: self.logger, failure: "sending notices failed") {
            while try await self.sendDue() == Self.batchSize {}
        }
    }

    /// Sends up to `batchSize` due notices; answers how many were sent or dropped (0 after a failure).
    func sendDue() async throws -> Int {
        try await self.database.transaction { session in
            let rows = try await session.query(
                """
                SELECT id, owner_id, kind, event_key, params::text AS params FROM notices
                WHERE next_attempt_at <= now() ORDER BY id LIMIT \(Self.batchSize) FOR UPDATE SKIP LOCKED
                """)
            for row in rows {
                let id: Int64 = try row.decode("id")
                var request = AuthNotifyRequest()
                request.accountID = try row.decode("owner_id")
                request.kind = try row.decode("kind")
                request.eventKey = try row.decode("event_key")
                request.params = try row.decodeJSON("params", as: [String: String].self)
                do {
                    if request.kind == "batch_completed", let batch = request.params["batch_id"] {
                        request.params.merge(try await Self.counts(of: batch, in: session)) { _, counted in counted }
                    }
                    if request.kind == "receipt", let invoice = request.params["invoice_id"] {
                        request.attachments = try await self.invoicePDF(invoice, of: request.accountID)
                    }
                    _ = try await self.auth.unary(AuthMethods.notify, request, options: Settlement.asJobs)
                    try await session.execute("DELETE FROM notices WHERE id = $1", [id])
                } catch let error as RPCError where [.invalidArgument, .notFound].contains(error.code) {
                    // Never deliverable: an owner that is not an account (a load test's), a kind
                    // this Auth does not know.
                    self.logger.debug(
                        "notice dropped", metadata: ["event": "\(request.eventKey)", "error": "\(error)"])
                    try await session.execute("DELETE FROM notices WHERE id = $1", [id])
                } catch {
                    // Auth unreachable or failing: this one waits, the rest stay for the next round
                    // (not each its own timeout while this transaction holds them).
                    try await session.execute(
                        """
                        UPDATE notices SET attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + least(interval '1 second' * power(2, attempts), interval '10 minutes')
                        WHERE id = $1
                        """, [id, String("\(error)".prefix(500))])
                    return 0
                }
            }
            return rows.count
        }
    }

    /// The receipt's invoice as Billing renders it, to go with the mail (none when Billing does not
    /// know it: the mail still goes, the invoice stays downloadable in the app).
    private func invoicePDF(_ invoice: String, of account: String) async throws -> [AuthMailAttachment] {
        var request = BillingGetInvoicePDFRequest()
        request.invoiceID = invoice
        let pdf: BillingInvoicePDF
        do {
            pdf = try await self.billing.unary(
                BillingMethods.getInvoicePDF, request, options: Settlement.options(for: account))
        } catch let error as RPCError where error.code == .notFound {
            return []
        }
        var attachment = AuthMailAttachment()
        attachment.name = "\(pdf.number).pdf"
        attachment.contentType = "application/pdf"
        attachment.data = pdf.pdf
        return [attachment]
    }

    /// What the batch's mail says: how many pictures, how many done, how many failed, and the tool.
    private static func counts(of batch: String, in session: PostgresSession) async throws -> [String: String] {
        guard
            let row = try await session.query(
                """
                SELECT b.tool, b.job_count, count(*) FILTER (WHERE j.status = 'succeeded') AS succeeded,
                    count(*) FILTER (WHERE j.status IN ('failed', 'expired')) AS failed
                FROM batches b JOIN jobs j ON j.batch_id = b.id WHERE b.id = $1::uuid GROUP BY b.id
                """, [batch]
            ).first
        else { return [:] }
        return [
            "tool": try row.decode("tool"), "total": "\(try row.decode("job_count", as: Int.self))",
            "succeeded": "\(try row.decode("succeeded", as: Int64.self))",
            "failed": "\(try row.decode("failed", as: Int64.self))",
        ]
    }
}
