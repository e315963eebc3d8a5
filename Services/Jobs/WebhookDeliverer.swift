import Curl
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import StandardWebhooks
import Telemetry

/// Sends pending webhook deliveries: a signed POST each, retried with exponential backoff and
/// jitter until a 2xx answer or JOBS_WEBHOOK_MAX_ATTEMPTS; each attempt is written to the log the
/// user reads. Rows are claimed with SKIP LOCKED, so several Jobs processes share the work.
struct WebhookDeliverer: Service {
    let database: PostgresPool
    let curl: CurlClient
    let configuration: JobsConfiguration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var sent = 0
            do {
                sent = try await self.deliverDue()
            } catch {
                self.logger.warning("webhook delivery round failed", metadata: ["error": "\(error)"])
            }
            if sent == 0 { try? await Task.sleep(for: .milliseconds(250)) }
        }
    }

    private func deliverDue() async throws -> Int {
        let due = try await self.database.query(
            """
            UPDATE deliveries d SET next_attempt_at = now() + $1 * interval '1 millisecond'
            FROM (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()
                  ORDER BY next_attempt_at LIMIT 16 FOR UPDATE SKIP LOCKED) AS pick, webhooks w
            WHERE d.id = pick.id AND w.id = d.webhook_id
            RETURNING d.id, coalesce(d.message_id, 'dlv_' || d.id) AS message_id, d.event, d.payload, d.attempts, d.trace_parent,
                      w.url, w.secret,
                      CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret
            """, [self.configuration.webhookTimeout.milliseconds + 5000])
        await withTaskGroup(of: Void.self) { group in
            for row in due { group.addTask { await self.deliver(row) } }
        }
        return due.count
    }

    private func deliver(_ row: PostgresRow) async {
        do {
            let id: Int64 = try row.decode("id")
            let payload: String = try row.decode("payload")
            let attempts: Int = try row.decode("attempts") + 1
            let url: String = try row.decode("url")
            let secret: String = try row.decode("secret")
            let previous: String? = try row.decodeIfPresent("previous_secret")
            let messageID: String = try row.decode("message_id")
            let event: String = try row.decode("event")
            let traceParent: String? = try row.decodeIfPresent("trace_parent")
            let body = Array(payload.utf8)
            let timestamp = Int64(Date().timeIntervalSince1970)
            var request = CurlRequest(
                method: "POST", url: url,
                headers: [
                    ("Content-Type", "application/json"),
                    ("User-Agent", "ImageSwiss-Webhooks/1"),
                    ("webhook-id", messageID),
                    ("webhook-timestamp", "\(timestamp)"),
                    (
                        "webhook-signature",
                        WebhookSigning.header(
                            secrets: [secret] + (previous.map { [$0] } ?? []), id: messageID, timestamp: timestamp,
                            body: body)
                    ),
                    ("ImageSwiss-Webhook-Id", messageID),
                    ("ImageSwiss-Webhook-Timestamp", "\(timestamp)"),
                    (
                        "ImageSwiss-Signature",
                        WebhookSigning.legacySignature(secret: secret, id: messageID, timestamp: timestamp, body: body)
                    ),
                ], body: body, timeout: self.configuration.webhookTimeout)
            var status = 0
            var failure = ""
            do {
                let destination = try await WebhookDestination.resolve(
                    url, curl: self.curl, pinned: self.configuration.webhookHosts,
                    allowInternal: self.configuration.webhookAllowHTTP)
                request.resolve = destination.pins
                // Sent in a span of the trace that caused the event: curl adds its `traceparent`.
                status = try await Telemetry.withSpan("webhook \(event)", kind: .producer, parent: traceParent) {
                    span in
                    span?.set("imageswiss.delivery_id", "\(id)")
                    return try await self.curl.send(request).status
                }
                if !(200..<300).contains(status) { failure = "the endpoint answered \(status)" }
            } catch {
                failure = "\(error)"
            }
            JobMetrics.recordDelivery(
                failure.isEmpty
                    ? "delivered" : attempts >= self.configuration.webhookMaxAttempts ? "failed" : "retrying")
            if failure.isEmpty {
                try await self.database.execute(
                    """
                    UPDATE deliveries SET status = 'delivered', attempts = $2, last_status_code = $3, last_error = '' WHERE id = $1
                    """, [id, attempts, status])
            } else {
                let base = max(1, self.configuration.webhookRetryDelay.milliseconds)
                let delay = Int64.random(in: base...max(base, min(base << Int64(min(attempts, 16)), 6 * 3_600_000)))
                try await self.database.execute(
                    """
                    UPDATE deliveries SET attempts = $2::integer, last_status_code = $3, last_error = $4,
                        status = CASE WHEN $2::integer >= $5::integer THEN 'failed' ELSE 'pending' END,
                        next_attempt_at = now() + $6 * interval '1 millisecond'
                    WHERE id = $1
                    """,
                    [id, attempts, status, String(failure.prefix(500)), self.configuration.webhookMaxAttempts, delay])
            }
        } catch {
            self.logger.warning("could not record a webhook delivery", metadata: ["error": "\(error)"])
        }
    }
}
