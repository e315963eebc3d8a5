import Curl
import Foundation
import IPAddresses
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime
import StandardWebhooks
import Telemetry

/// Users' webhook endpoints and the log of what was sent to them.
struct Webhooks: Sendable {
    let database: PostgresPool
    let idempotency: IdempotentCalls
    let configuration: JobsConfiguration

    static let events: Set<String> = [
        "job.succeeded", "job.failed", "job.canceled", "job.expired", "batch.completed", "credits.low",
    ]
    static let maxPerUser = 10

    func create(_ caller: RPCCaller, _ request: JobsCreateWebhookRequest) async throws -> JobsWebhook {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false,
            scheme == "https" || (scheme == "http" && self.configuration.webhookAllowHTTP),
            request.url.utf8.count <= 2000
        else {
            throw failure.invalid("url", self.configuration.webhookAllowHTTP ? "an http(s) URL" : "an https URL")
        }
        // Deliveries come from inside the network: an address that names it is refused (outside
        // development, where http:// and loopback receivers are allowed).
        if !self.configuration.webhookAllowHTTP, Self.isInternal(host: url.host ?? "") {
            throw failure.invalid("url", "webhooks go to public hosts, not loopback or private addresses")
        }
        let unknown = Set(request.events).subtracting(Self.events)
        guard unknown.isEmpty else {
            throw failure.invalid(
                "events",
                "unknown event \(unknown.sorted().first!.prefix(64)); known: \(Self.events.sorted().joined(separator: ", "))"
            )
        }
        return try await self.idempotency.run(
            caller: caller.id, method: "CreateWebhook", key: request.idempotencyKey, request: request
        ) { session in
            let count: Int = try await session.query(
                "SELECT count(*) AS n FROM webhooks WHERE owner_id = $1", [caller.id]
            ).first!.decode("n")
            guard count < Self.maxPerUser else {
                throw failure.error(
                    .resourceExhausted, "too_many_webhooks", "at most \(Self.maxPerUser) webhooks per account")
            }
            let secret = WebhookSigning.newSecret()
            let row = try await session.query(
                """
                INSERT INTO webhooks (id, owner_id, url, events, secret) VALUES ($1, $2, $3, $4::text[], $5)
                RETURNING \(Self.webhookColumns)
                """,
                [
                    UUID(), caller.id, request.url, PostgresTextArray.literal(Array(Set(request.events)).sorted()),
                    secret,
                ]
            ).first!
            var webhook = try Self.webhook(row)
            webhook.secret = secret
            return webhook
        }
    }

    static let webhookColumns = """
        id, url, events::text AS events, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
        CASE WHEN previous_secret_expires_at > now() THEN (extract(epoch FROM previous_secret_expires_at) * 1000000)::bigint END AS previous_us
        """

    private func webhook(_ id: UUID, owner: String, in session: some PostgresQuerying) async throws -> JobsWebhook {
        guard
            let row = try await session.query(
                "SELECT \(Self.webhookColumns) FROM webhooks WHERE id = $1 AND owner_id = $2", [id, owner]
            ).first
        else { throw failure.notFound("webhook") }
        return try Self.webhook(row)
    }

    private static func webhook(_ row: PostgresRow) throws -> JobsWebhook {
        var webhook = JobsWebhook()
        webhook.webhookID = (try row.decode("id", as: UUID.self)).lowercasedText
        webhook.url = try row.decode("url")
        webhook.events = PostgresTextArray.plainElements(try row.decode("events"))
        webhook.createdAt = .micros(try row.decode("created_us"))
        if let previous = try row.decodeIfPresent("previous_us", as: Int64.self) {
            webhook.previousSecretExpiresAt = .micros(previous)
        }
        return webhook
    }

    func list(_ caller: RPCCaller) async throws -> JobsListWebhooksResponse {
        var response = JobsListWebhooksResponse()
        response.webhooks = try await self.database.query(
            "SELECT \(Self.webhookColumns) FROM webhooks WHERE owner_id = $1 ORDER BY created_at", [caller.id]
        ).map(Self.webhook)
        return response
    }

    /// A new secret, shown once; the one it replaces keeps signing beside it for the overlap, so
    /// receivers can switch without dropping a delivery.
    func rotateSecret(_ caller: RPCCaller, _ id: String) async throws -> JobsWebhook {
        let secret = WebhookSigning.newSecret()
        guard
            let row = try await self.database.query(
                """
                UPDATE webhooks SET previous_secret = secret, secret = $3,
                    previous_secret_expires_at = now() + $4 * interval '1 millisecond'
                WHERE id = $1 AND owner_id = $2 RETURNING \(Self.webhookColumns)
                """,
                [
                    try failure.parseID(id, "webhook"), caller.id, secret,
                    self.configuration.webhookSecretOverlap.milliseconds,
                ]
            ).first
        else { throw failure.notFound("webhook") }
        var webhook = try Self.webhook(row)
        webhook.secret = secret
        return webhook
    }

    /// A `webhook.test` event to the endpoint, delivered (and logged) as any other.
    func sendTest(_ caller: RPCCaller, _ id: String) async throws -> JobsDelivery {
        let webhook = try failure.parseID(id, "webhook")
        guard
            let row = try await self.database.query(
                """
                INSERT INTO deliveries (webhook_id, owner_id, event, payload, trace_parent)
                SELECT w.id, w.owner_id, 'webhook.test', jobs_delivery_payload('webhook.test', jsonb_build_object('webhook_id', w.id)), $3
                FROM webhooks w WHERE w.id = $1 AND w.owner_id = $2
                RETURNING \(Self.deliveryColumns)
                """, [webhook, caller.id, Telemetry.current?.header]
            ).first
        else { throw failure.notFound("webhook") }
        return try Self.delivery(row, webhookID: webhook)
    }

    /// A past delivery's event queued again as a new delivery: the same payload and `webhook-id`, so a
    /// receiver that already processed it can tell.
    func redeliver(_ caller: RPCCaller, _ request: JobsRedeliverRequest) async throws -> JobsDelivery {
        let webhook = try failure.parseID(request.webhookID, "webhook")
        guard
            let row = try await self.database.query(
                """
                INSERT INTO deliveries (webhook_id, owner_id, event, payload, message_id, trace_parent)
                SELECT d.webhook_id, d.owner_id, d.event, d.payload, coalesce(d.message_id, 'dlv_' || d.id), $4
                FROM deliveries d WHERE d.id = $1 AND d.webhook_id = $2 AND d.owner_id = $3
                RETURNING \(Self.deliveryColumns)
                """, [request.deliveryID, webhook, caller.id, Telemetry.current?.header]
            ).first
        else { throw failure.notFound("delivery") }
        return try Self.delivery(row, webhookID: webhook)
    }

    static let deliveryColumns = """
        id, coalesce(message_id, 'dlv_' || id) AS message_id, event, status, attempts, last_status_code, last_error, payload,
        (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
        (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_us
        """

    static func delivery(_ row: PostgresRow, webhookID: UUID) throws -> JobsDelivery {
        var delivery = JobsDelivery()
        delivery.deliveryID = try row.decode("id")
        delivery.messageID = try row.decode("message_id")
        delivery.webhookID = webhookID.lowercasedText
        delivery.event = try row.decode("event")
        delivery.status = try row.decode("status")
        delivery.attempts = UInt32(try row.decode("attempts", as: Int.self))
        delivery.lastStatusCode = UInt32(try row.decode("last_status_code", as: Int.self))
        delivery.lastError = try row.decode("last_error")
        delivery.payload = try row.decode("payload")
        delivery.createdAt = .micros(try row.decode("created_us"))
        if delivery.status == "pending" { delivery.nextAttemptAt = .micros(try row.decode("next_us")) }
        return delivery
    }

    func delete(_ caller: RPCCaller, _ id: String) async throws {
        guard
            try await self.database.execute(
                "DELETE FROM webhooks WHERE id = $1 AND owner_id = $2",
                [try failure.parseID(id, "webhook"), caller.id]) == 1
        else { throw failure.notFound("webhook") }
    }

    func deliveries(_ caller: RPCCaller, _ request: JobsListDeliveriesRequest) async throws
        -> JobsListDeliveriesResponse
    {
        let webhook = try failure.parseID(request.webhookID, "webhook")
        _ = try await self.webhook(webhook, owner: caller.id, in: self.database)
        let pageSize = request.page.pageSize == 0 ? 50 : min(Int(request.page.pageSize), 200)
        var parameters = PostgresParameters([webhook])
        var condition = ""
        if !request.page.pageToken.isEmpty {
            guard let before = Int64(request.page.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            condition = "AND id < \(parameters.bind(before))"
        }
        let rows = try await self.database.query(
            """
            SELECT \(Self.deliveryColumns) FROM deliveries WHERE webhook_id = $1 \(condition) ORDER BY id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        var response = JobsListDeliveriesResponse()
        response.deliveries = try rows.prefix(pageSize).map { try Self.delivery($0, webhookID: webhook) }
        if rows.count > pageSize, let last = response.deliveries.last {
            response.page.nextPageToken = "\(last.deliveryID)"
        }
        return response
    }

    /// A URL's host that names the inside: `localhost` and the private suffixes, or a numeric
    /// address in an internal range (NetworkAddress). A name that resolves inside is caught at each
    /// delivery (WebhookDestination), where the connection is pinned to the address checked.
    static func isInternal(host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".internal")
            || name.hasSuffix(".local")
        {
            return true
        }
        return NetworkAddress.isInternal(name) ?? false
    }
}
