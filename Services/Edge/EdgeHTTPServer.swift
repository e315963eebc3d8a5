import Hummingbird
import IPAddresses
import Logging
import Operations
import RPC
import ServiceLifecycle
import ServiceRuntime
import Telemetry

/// The edge's HTTP application: its routes and the RPC clients they use.
public enum EdgeHTTPServer {
    /// The HTTP server, and the reporter of API key usage that runs beside it.
    static func make(_ context: ServiceContext) throws -> [any Service] {
        let usage = ApiKeyUsage()
        let router = try Self.router(context, usage: usage)
        let host = context.configuration.string("HTTP_HOST", default: "127.0.0.1")
        let port = try context.configuration.int("HTTP_PORT", default: 8080)
        context.logger.info("edge http listening", metadata: ["url": "http://\(host):\(port)"])
        let reporter = ApiKeyUsage.Reporter(
            usage: usage, auth: try context.client(for: ServiceCatalog.auth),
            interval: try context.configuration.milliseconds("KEY_USAGE_REPORT_MS", default: .seconds(10)),
            logger: context.logger)
        return [
            Application(
                router: router, configuration: .init(address: .hostname(host, port: port)), logger: context.logger),
            reporter,
        ]
    }

    /// Every route and middleware, over the context's upstream clients (in-process ones in EdgeTests).
    public static func router(_ context: ServiceContext) throws -> Router<EdgeRequestContext> {
        try Self.router(context, usage: ApiKeyUsage())
    }

    static func router(_ context: ServiceContext, usage: ApiKeyUsage) throws -> Router<EdgeRequestContext> {
        let settings = try EdgeSettings(context.configuration)
        EdgeSettings.current.withLock { $0 = settings }
        let upstreams = try Upstreams(context)
        let auth = upstreams.client(for: "auth")
        let configuration = context.configuration
        let router = Router(context: EdgeRequestContext.self)
        let transformCache = TransformCache(
            lifetime: try configuration.milliseconds("TRANSFORM_CACHE_MS", default: .seconds(5)),
            entries: try configuration.int("TRANSFORM_CACHE_ENTRIES", default: 1000),
            maxEntryBytes: try configuration.int("TRANSFORM_CACHE_ENTRY_BYTES", default: 128 << 10))
        if Telemetry.isEnabled {
            // Outermost: the access log and every upstream call run inside the request's span.
            router.add(
                middleware: TracingMiddleware(
                    redactingQueryParameters: ["token", "access_token", "code", "state", "signature"]))
        }
        router.add(
            middleware: FrontDoorMiddleware(
                accessLog: AccessLog(
                    json: configuration.string("LOG_FORMAT", default: "text") == "json", lines: .standardError,
                    enabled: try configuration.bool("ACCESS_LOG", default: true)),
                transforms: transformCache, addresses: ClientAddress(trusted: try Self.trustedProxies(configuration))))
        let origins = Set(
            configuration.string("CORS_ORIGINS", default: "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        ).subtracting([""])
        // No origins (the default: the web app is the edge's own): no CORS layer at all.
        if !origins.isEmpty { router.add(middleware: CORSMiddleware(origins: origins)) }
        router.add(
            middleware: CallerMiddleware(
                authentication: Authentication(
                    keys: PublicKeyCache(auth: auth, logger: context.logger), auth: auth,
                    verified: VerifiedTokenCache(capacity: try configuration.int("VERIFIED_TOKENS", default: 10_000))),
                limits: RateLimits(
                    users: RateLimiter(
                        rate: Double(try configuration.int("RATE_LIMIT_USER_PER_S", default: 20)),
                        burst: try configuration.int("RATE_LIMIT_USER_BURST", default: 100)),
                    addresses: RateLimiter(
                        rate: Double(try configuration.int("RATE_LIMIT_IP_PER_S", default: 50)),
                        burst: try configuration.int("RATE_LIMIT_IP_BURST", default: 200)),
                    keys: KeyRateLimits(
                        free: RateLimiter(
                            rate: Double(try configuration.int("RATE_LIMIT_KEY_PER_S", default: 5)),
                            burst: try configuration.int("RATE_LIMIT_KEY_BURST", default: 20)),
                        paid: RateLimiter(
                            rate: Double(try configuration.int("RATE_LIMIT_KEY_PAID_PER_S", default: 20)),
                            burst: try configuration.int("RATE_LIMIT_KEY_PAID_BURST", default: 100)),
                        tiers: TierLookup(billing: upstreams.client(for: "billing")))),
                usage: usage))
        router.get("/api/v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(bytes: try WebApp.openAPI(configuration))))
        }
        // The reference, rendered from that document by a page of ours (docs.html, docs.js).
        router.get("/api/v1/docs") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(bytes: try WebApp.file("docs.html", configuration))))
        }
        AuthRoutes(auth: auth).add(to: router)
        ApiKeyRoutes(auth: auth).add(to: router)
        HandoffRoutes(auth: auth).add(to: router)
        AccountRoutes(
            auth: auth, storage: upstreams.client(for: "storage"),
            cache: AccountCache(lifetime: settings.accountCacheLifetime)
        ).add(to: router)
        AdminUserRoutes(auth: auth).add(to: router)
        NotificationRoutes(auth: auth, billing: upstreams.client(for: "billing")).add(to: router)
        OAuthRoutes(auth: auth).add(to: router)
        let storage = upstreams.client(for: "storage")
        let billing = upstreams.client(for: "billing")
        let tiers = TierLookup(billing: billing)
        let files = FileRoutes(
            storage: storage, tiers: tiers, publicURL: context.configuration.string("PUBLIC_URL", default: ""))
        files.add(to: router)
        files.addAdmin(to: router)
        FileUploadRoutes(storage: storage, tiers: tiers).add(to: router)
        UploadRoutes(storage: storage, tiers: tiers).add(to: router)
        let billingRoutes = BillingRoutes(billing: billing)
        billingRoutes.add(to: router)
        AdminBillingRoutes(billing: billing).add(to: router)
        CatalogueRoutes(billing: billing).add(to: router)
        let invoiceRoutes = InvoiceRoutes(billing: billing)
        invoiceRoutes.add(to: router)
        TeamRoutes(auth: auth, billing: billingRoutes, invoices: invoiceRoutes, files: files).add(to: router)
        UsageRoutes(billing: billing, jobs: upstreams.client(for: "jobs"), auth: auth).add(to: router)
        DownloadRoutes(storage: storage).add(to: router)
        let transformLimits = TransformRoutes.TransformLimits(
            maxSide: try configuration.int("TRANSFORM_MAX_SIDE", default: TransformOptions.defaultMaxSide),
            maxPathBytes: try configuration.int("TRANSFORM_MAX_PATH_BYTES", default: 512))
        TransformRoutes(
            storage: storage, jobs: upstreams.client(for: "jobs"), limits: transformLimits, cache: transformCache
        ).add(to: router)
        TransformKeyRoutes(
            storage: storage, limits: transformLimits,
            publicURL: context.configuration.string("PUBLIC_URL", default: "")
        ).add(to: router)
        JobRoutes(jobs: upstreams.client(for: "jobs"), teams: TeamPayers(auth: auth)).add(to: router)
        BatchRoutes(jobs: upstreams.client(for: "jobs"), storage: storage, teams: TeamPayers(auth: auth)).add(
            to: router)
        AdminJobRoutes(jobs: upstreams.client(for: "jobs")).add(to: router)
        OperationRoutes(jobs: upstreams.client(for: "jobs")).add(to: router)
        AIRoutes(jobs: upstreams.client(for: "jobs"), billing: billing, storage: storage).add(to: router)
        PersonalModelRoutes(jobs: upstreams.client(for: "jobs")).add(to: router)
        CornerRoutes(jobs: upstreams.client(for: "jobs")).add(to: router)
        WebhookRoutes(jobs: upstreams.client(for: "jobs")).add(to: router)
        HealthRoute(upstreams: upstreams, health: context.health).add(to: router)
        // The web app: static files (no build step), served when no API route matches. Added last,
        // a middleware wraps only the router's not-found answer, not every API route (Hummingbird
        // applies a middleware to the routes added after it; docs/performance.md, "Edge /me").
        router.add(
            middleware: FileMiddleware(
                try WebApp.root(configuration), cacheControl: .init([(MediaType(type: .any), [.noCache])]),
                searchForIndexHtml: true, logger: context.logger))
        return router
    }

    /// EDGE_TRUSTED_PROXIES: the proxies whose forwarding headers the edge believes (ClientAddress).
    static func trustedProxies(_ configuration: ServiceConfiguration) throws -> [AddressRange] {
        do {
            return try AddressRange.list(configuration.string("TRUSTED_PROXIES", default: ""))
        } catch {
            throw ConfigurationError("TRUSTED_PROXIES: \(error)")
        }
    }
}

/// One RPC client per internal service (ServiceContext.client(for:): `<NAME>_RPC_ADDRESSES`).
struct Upstreams: Sendable {
    let clients: [(entry: ServiceEntry, client: RPCClient)]

    init(_ context: ServiceContext) throws {
        self.clients = try ServiceCatalog.internalServices.map { entry in (entry, try context.client(for: entry)) }
    }

    /// The client of one internal service, by its catalog name ("auth").
    func client(for name: String) -> RPCClient {
        guard let client = self.clients.first(where: { $0.entry.name == name })?.client else {
            preconditionFailure("\(name) is not an internal service")
        }
        return client
    }
}
