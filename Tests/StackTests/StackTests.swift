import Foundation
import ImageSwissProtos
import Postgres
import RPC
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The six service executables as separate processes on free ports, with a private PostgreSQL.
@Suite("the whole stack", .serialized)
struct StackTests {
    @Test func everyServiceStartsMigratesServesHealthAndStopsOnSIGTERM() async throws {
        let stack = try await LocalStack.start()
        defer { stack.kill() }

        // The C probe sees every service SERVING.
        for service in LocalStack.services {
            let result = try await runWithStatus(
                stack.products + "/imageswiss-probe", ["127.0.0.1:\(stack.rpcPorts[service]!)"])
            #expect(result.status == 0, "\(service): \(result.output)")
        }

        // The edge reports each dependency's health.
        let (status, body) = try await httpGet("http://127.0.0.1:\(stack.httpPort)/healthz")
        #expect(status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(json["status"] as? String == "ok")
        let services = try #require(json["services"] as? [String: String])
        #expect(
            services == [
                "auth": "SERVING", "billing": "SERVING", "jobs": "SERVING", "imageops": "SERVING", "storage": "SERVING",
            ])

        // Request ids: a sane one is kept, anything else is replaced by a fresh one.
        let kept = try await httpGetWithHeaders(
            "http://127.0.0.1:\(stack.httpPort)/healthz", headers: ["X-Request-Id": "req-abc.123"])
        #expect(kept.2["x-request-id"] == "req-abc.123")
        let replaced = try await httpGetWithHeaders(
            "http://127.0.0.1:\(stack.httpPort)/healthz", headers: ["X-Request-Id": "evil id; injected=1"])
        // A fresh id (Hummingbird's): the process's random prefix and a 16-digit counter, in hex.
        let fresh = replaced.2["x-request-id"] ?? ""
        #expect(fresh.wholeMatch(of: #/[0-9a-f]{17,32}/#) != nil, "a fresh request id: \(fresh)")

        // Metrics in Prometheus text format on each service's metrics port, the edge's included; the
        // public port does not serve them.
        let (metricsStatus, metrics) = try await httpGet("http://127.0.0.1:\(stack.metricsPorts["auth"]!)/metrics")
        #expect(metricsStatus == 200)
        let exposition = String(decoding: metrics, as: UTF8.self)
        #expect(exposition.contains("imageswiss_service_start_time_seconds{service=\"auth\"}"))
        // The edge's /healthz called Health/Check on auth: the RPC server counted it.
        #expect(
            exposition.contains("rpc_server_calls_total{method=\"/imageswiss.health.v1.Health/Check\",code=\"OK\"}"))
        let (edgeMetricsStatus, edgeMetrics) = try await httpGet(
            "http://127.0.0.1:\(stack.metricsPorts["edge"]!)/metrics")
        #expect(edgeMetricsStatus == 200)
        #expect(String(decoding: edgeMetrics, as: UTF8.self).contains("service=\"edge\""))
        #expect(try await httpGet("http://127.0.0.1:\(stack.httpPort)/metrics").0 == 404)
        #expect(try await httpGet("http://127.0.0.1:\(stack.httpPort)/livez").0 == 200)
        #expect(try await httpGet("http://127.0.0.1:\(stack.httpPort)/readyz").0 == 200)

        // Each service migrated its own database, and only its own.
        for service in LocalStack.databaseServices {
            let pool = PostgresPool(configuration: .init(url: stack.databaseURLs[service]!, poolSize: 1))
            let tables = try await pool.query(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            )
            .map { try $0.decode("table_name", as: String.self) }
            await pool.close()
            let expected: [String: [String]] = [
                "auth": [
                    "accounts", "api_key_usage", "api_keys", "audit_log", "email_tokens", "handoffs",
                    "idempotency_keys",
                    "notification_preferences",
                    "notifications", "oauth_identities", "oauth_states", "outbox", "outbox_attachments",
                    "refresh_tokens",
                    "revoked_families", "sign_ins", "signing_keys", "team_invitations", "team_members", "teams",
                    "throttles", "unsubscribe_keys",
                ],
                "billing": [
                    "accounts", "billing_profiles", "catalogue_versions", "checkouts", "credit_note_counter",
                    "credit_notes", "ended_subscriptions", "events", "hold_lots", "holds", "idempotency_keys",
                    "invoice_counter", "invoices", "ledger_entries", "lots", "packs", "price_lists", "prices",
                    "receipts",
                    "stripe_products", "subscription_changes", "subscription_invoices", "subscriptions", "tax_rates",
                    "tiers", "webhook_events",
                ],
                "jobs": [
                    "ai_models", "ai_providers", "batch_progress", "batches", "deliveries", "favourites",
                    "feed_cursors",
                    "idempotency_keys", "job_queue", "jobs", "notices", "owner_queues", "personal_models",
                    "provider_runs", "style_presets", "tier_spend_limits", "webhooks",
                ],
                "storage": [
                    "backup_fences", "blob_shares", "blobs", "deferred_removals", "derivatives", "owner_usage",
                    "signing_secret",
                    "transform_keys", "transform_presets", "upload_chunks", "uploads",
                ],
            ]
            #expect(
                tables == (expected[service]! + ["schema_functions", "schema_migrations"]).sorted(),
                "\(service): \(tables)")
        }

        // A raw client that reaches Billing's port and claims a caller is refused, and Billing logs it;
        // the edge's own calls (signed) went through above, and the unsigned probe is answered.
        let raw = RPCClient(endpoints: [RPCEndpoint(host: "127.0.0.1", port: stack.rpcPorts["billing"]!)])
        let forged = RPCCallOptions(metadata: [RPCMetadata.callerID: UUID().uuidString.lowercased()])
        var outcome = RPCStatusCode.ok
        do {
            _ = try await raw.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: forged)
        } catch let error as RPCError {
            outcome = error.code
        }
        #expect(outcome == .unauthenticated)
        await raw.close()
        let billingLog = try String(contentsOfFile: "\(stack.logs)/billing.log", encoding: .utf8)
        #expect(billingLog.contains("refused a call without proof of its caller"))

        // ImageOps down: /healthz is 503 and names it, but the edge stays ready (only Jobs' workers call
        // ImageOps), so a balancer keeps every edge while ImageOps restarts.
        stack.processes["imageops"]!.signal(SIGKILL)
        try await stack.processes["imageops"]!.wait()
        let (degradedStatus, degradedBody) = try await httpGet("http://127.0.0.1:\(stack.httpPort)/healthz")
        #expect(degradedStatus == 503)
        let degraded = try #require(try JSONSerialization.jsonObject(with: degradedBody) as? [String: Any])
        #expect((degraded["services"] as? [String: String])?["imageops"]?.hasPrefix("UNAVAILABLE") == true)
        #expect(try await httpGet("http://127.0.0.1:\(stack.httpPort)/readyz").0 == 200)

        // Billing down: a core service, so the edge is not ready, and says which; it is still alive.
        stack.processes["billing"]!.signal(SIGKILL)
        try await stack.processes["billing"]!.wait()
        let (notReadyStatus, notReadyBody) = try await httpGet("http://127.0.0.1:\(stack.httpPort)/readyz")
        #expect(notReadyStatus == 503)
        let notReady = try #require(try JSONSerialization.jsonObject(with: notReadyBody) as? [String: Any])
        #expect(notReady["status"] as? String == "not_ready")
        #expect((notReady["services"] as? [String: String])?["billing"]?.hasPrefix("UNAVAILABLE") == true)
        #expect((notReady["services"] as? [String: String])?["imageops"] == nil)
        #expect(try await httpGet("http://127.0.0.1:\(stack.httpPort)/livez").0 == 200)

        // SIGTERM: every remaining service drains and exits 0.
        let survivors = LocalStack.services.filter { $0 != "billing" && $0 != "imageops" }
        for service in survivors {
            stack.processes[service]!.signal(SIGTERM)
        }
        for service in survivors {
            #expect(
                try await stack.processes[service]!.wait() == 0,
                "\(service) did not exit cleanly: \(stack.processes[service]!.output)")
        }
    }
}

extension StackTests {
    /// MIGRATE_ONLY (the Kubernetes migration Jobs): the schema is brought up to date and the process
    /// exits 0 without serving.
    @Test func migrateOnlyBringsTheSchemaUpToDateAndExits() async throws {
        let url = try await TestPostgres.shared().makeDatabase(prefix: "jobs")
        var environment = ProcessInfo.processInfo.environment
        environment.merge(["JOBS_DATABASE_URL": url, "MIGRATE_ONLY": "true", "JOBS_RPC_PORT": "\(try freePort())"]) {
            $1
        }
        let result = try await runWithStatus(
            try buildProductsDirectory() + "/imageswiss-jobs", [], environment: environment)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("MIGRATE_ONLY set, exiting"))
        let pool = PostgresPool(configuration: .init(url: url, poolSize: 1))
        let tables = try await pool.query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('jobs', 'batches')"
        ).first?.decode("n", as: Int.self)
        await pool.close()
        #expect(tables == 2)
    }
}

/// Starts the services the way compose/stack does, but on free ports and fresh databases.
struct LocalStack {
    static let services = ["auth", "billing", "jobs", "imageops", "storage", "edge"]
    static let databaseServices = ["auth", "billing", "jobs", "storage"]

    let products: String
    let identityKey = "stack-tests-" + UUID().uuidString + UUID().uuidString
    var logs = ""
    var rpcPorts: [String: Int] = [:]
    var metricsPorts: [String: Int] = [:]
    var databaseURLs: [String: String] = [:]
    var httpPort = 0
    var processes: [String: ChildProcess] = [:]

    static func start() async throws -> LocalStack {
        var stack = LocalStack(products: try buildProductsDirectory())
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "info"
        // Billing's local payment provider runs in development only.
        environment["BILLING_ENVIRONMENT"] = "development"
        environment["RPC_IDENTITY_KEY"] = stack.identityKey
        for service in services {
            stack.rpcPorts[service] = try freePort()
            environment["\(service.uppercased())_RPC_PORT"] = "\(stack.rpcPorts[service]!)"
            environment["\(service.uppercased())_RPC_ADDRESSES"] = "127.0.0.1:\(stack.rpcPorts[service]!)"
            stack.metricsPorts[service] = try freePort()
            environment["\(service.uppercased())_METRICS_PORT"] = "\(stack.metricsPorts[service]!)"
        }
        for service in databaseServices {
            stack.databaseURLs[service] = try await TestPostgres.shared().makeDatabase(prefix: service)
            environment["\(service.uppercased())_DATABASE_URL"] = stack.databaseURLs[service]!
        }
        stack.httpPort = try freePort()
        environment["EDGE_HTTP_PORT"] = "\(stack.httpPort)"
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent(
            "imageswiss-stack-\(UUID().uuidString.prefix(8))"
        ).path
        stack.logs = logs
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        for service in services {
            stack.processes[service] = try ChildProcess.spawn(
                stack.products + "/imageswiss-\(service)", [], environment: environment,
                outputPath: "\(logs)/\(service).log"
            )
        }
        try await stack.waitUntilServing()
        return stack
    }

    func waitUntilServing(timeout: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        for service in Self.services {
            while try await runWithStatus(
                self.products + "/imageswiss-probe", ["--timeout-ms", "500", "127.0.0.1:\(self.rpcPorts[service]!)"]
            ).status != 0 {
                guard self.processes[service]!.isRunning else {
                    throw TestSupportError("\(service) exited: \(self.processes[service]!.output)")
                }
                guard clock.now < end else {
                    throw TestSupportError("\(service) not SERVING: \(self.processes[service]!.output)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func kill() {
        for process in self.processes.values where process.isRunning {
            process.signal(SIGKILL)
            process.waitSync()
        }
    }
}

func httpGet(_ url: String, headers: [String: String] = [:]) async throws -> (Int, Data) {
    let (status, data, _) = try await httpGetWithHeaders(url, headers: headers)
    return (status, data)
}

func httpGetWithHeaders(_ url: String, headers: [String: String] = [:]) async throws -> (Int, Data, [String: String]) {
    var request = URLRequest(url: URL(string: url)!)
    request.timeoutInterval = 10
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as? HTTPURLResponse
    var responseHeaders: [String: String] = [:]
    for (name, value) in http?.allHeaderFields ?? [:] { responseHeaders["\(name)".lowercased()] = "\(value)" }
    return (http?.statusCode ?? 0, data, responseHeaders)
}
