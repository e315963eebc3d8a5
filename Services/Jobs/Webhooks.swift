import Crypto
import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Users' webhook endpoints and the log of what was sent to them.
struct Webhooks: Sendable {
    let database: PostgresPool
    let idempotency: IdempotentCalls
    let configuration: JobsConfiguration

    static let events: Set<String> = ["job.succeeded", "job.failed", "job.canceled", "job.expired", "batch.completed", "credits.low"]
    static let maxPerUser = 10

    func create(_ caller: RPCCaller, _ request: JobsCreateWebhookRequest) async throws -> JobsWebhook {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false,
              scheme == "https" || (scheme == "http" && self.configuration.webhookAllowHTTP), request.url.utf8.count <= 2000
        else {
            throw JobsFailure.invalid("url", self.configuration.webhookAllowHTTP ? "an http(s) URL" : "an https URL")
        }
        // Deliveries come from inside the network: an address that names it is refused (outside
        // development, where http:// and loopback receivers are allowed).
        if !self.configuration.webhookAllowHTTP, Self.isInternal(host: url.host ?? "") {
            throw JobsFailure.invalid("url", "webhooks go to public hosts, not loopback or private addresses")
        }
        let unknown = Set(request.events).subtracting(Self.events)
        guard unknown.isEmpty else { throw JobsFailure.invalid("events", "unknown event \(unknown.sorted().first!.prefix(64)); known: \(Self.events.sorted().joined(separator: ", "))") }
        return try await self.idempotency.run(caller: caller.id, method: "CreateWebhook", key: request.idempotencyKey, request: request) { session in
            let count: Int = try await session.query("SELECT count(*) AS n FROM webhooks WHERE owner_id = $1", [caller.id]).first!.decode("n")
            guard count < Self.maxPerUser else {
                throw JobsFailure.error(.resourceExhausted, "too_many_webhooks", "at most \(Self.maxPerUser) webhooks per account")
            }
            let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let row = try await session.query("""
                INSERT INTO webhooks (id, owner_id, url, events, secret) VALUES ($1, $2, $3, $4::text[], $5)
                RETURNING id, url, events::text AS events, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
                """, [UUID(), caller.id, request.url, PostgresTextArray.literal(Array(Set(request.events)).sorted()), secret]).first!
            var webhook = try Self.webhook(row)
            webhook.secret = secret
            return webhook
        }
    }

    private func webhook(_ id: UUID, owner: String, in session: some PostgresQuerying) async throws -> JobsWebhook {
        guard let row = try await session.query("""
            SELECT id, url, events::text AS events, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM webhooks WHERE id = $1 AND owner_id = $2
            """, [id, owner]).first else { throw JobsFailure.notFound("webhook") }
        return try Self.webhook(row)
    }

    private static func webhook(_ row: PostgresRow) throws -> JobsWebhook {
        var webhook = JobsWebhook()
        webhook.webhookID = (try row.decode("id", as: UUID.self)).lowercasedText
        webhook.url = try row.decode("url")
        webhook.events = PostgresTextArray.plainElements(try row.decode("events"))
        webhook.createdAt = .micros(try row.decode("created_us"))
        return webhook
    }

    func list(_ caller: RPCCaller) async throws -> JobsListWebhooksResponse {
        var response = JobsListWebhooksResponse()
        response.webhooks = try await self.database.query("""
            SELECT id, url, events::text AS events, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM webhooks WHERE owner_id = $1 ORDER BY created_at
            """, [caller.id]).map(Self.webhook)
        return response
    }

    func delete(_ caller: RPCCaller, _ id: String) async throws {
        guard try await self.database.execute("DELETE FROM webhooks WHERE id = $1 AND owner_id = $2",
                                              [try JobsService.parseID(id, "webhook"), caller.id]) == 1
        else { throw JobsFailure.notFound("webhook") }
    }

    func deliveries(_ caller: RPCCaller, _ request: JobsListDeliveriesRequest) async throws -> JobsListDeliveriesResponse {
        let webhook = try JobsService.parseID(request.webhookID, "webhook")
        _ = try await self.webhook(webhook, owner: caller.id, in: self.database)
        let pageSize = request.page.pageSize == 0 ? 50 : min(Int(request.page.pageSize), 200)
        var parameters = PostgresParameters([webhook])
        var condition = ""
        if !request.page.pageToken.isEmpty {
            guard let before = Int64(request.page.pageToken) else { throw JobsFailure.invalid("page_token", "not a page token this service gave") }
            condition = "AND id < \(parameters.bind(before))"
        }
        let rows = try await self.database.query("""
            SELECT id, event, status, attempts, last_status_code, last_error, payload,
                   (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
                   (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_us
            FROM deliveries WHERE webhook_id = $1 \(condition) ORDER BY id DESC LIMIT \(pageSize + 1)
            """, parameters.values)
        var response = JobsListDeliveriesResponse()
        response.deliveries = try rows.prefix(pageSize).map { row in
            var delivery = JobsDelivery()
            delivery.deliveryID = try row.decode("id")
            delivery.webhookID = request.webhookID.lowercased()
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
        if rows.count > pageSize, let last = response.deliveries.last { response.page.nextPageToken = "\(last.deliveryID)" }
        return response
    }

    /// Loopback, private, link-local and unspecified addresses (IPv4 and IPv6 literals), and
    /// `localhost`. A public name that resolves inside is not caught here; see docs/operations.md.
    static func isInternal(host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name.hasSuffix(".localhost") || name.hasSuffix(".internal") || name.hasSuffix(".local") { return true }
        let octets = name.split(separator: ".").compactMap { UInt8($0) }
        if octets.count == 4, name.split(separator: ".").count == 4 {
            switch (octets[0], octets[1]) {
            case (0, _), (10, _), (127, _), (169, 254), (192, 168): return true
            case (172, 16...31), (100, 64...127): return true
            default: return false
            }
        }
        if name.contains(":") {
            return name == "::" || name == "::1" || name.hasPrefix("fc") || name.hasPrefix("fd") || name.hasPrefix("fe80") || name.hasPrefix("::ffff:")
        }
        return false
    }

    /// The signature a receiver checks: hex HMAC-SHA256 over "<id>.<timestamp>.<body>" with the
    /// webhook's secret, sent as `ImageSwiss-Signature: v1=<hex>` beside `ImageSwiss-Webhook-Id` and
    /// `ImageSwiss-Webhook-Timestamp` (receivers should refuse timestamps older than five minutes).
    static func signature(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        mac.update(data: Data("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        return "v1=" + Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }
}
