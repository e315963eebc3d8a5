import Curl
import Foundation
import ImageSwissProtos
import RPC
import ServiceLifecycle
import ServiceRuntime

/// Jobs: the durable queue, jobs and batches, workers, AI provider adapters, webhooks to users.
/// Wired once at start and shared by the handlers, the workers and the sweepers.
public struct JobsApp: ServiceApp {
    public static let entry = ServiceCatalog.jobs
    public static var schema: URL? { Bundle.module.url(forResource: "SQL", withExtension: nil) }

    let service: JobsService
    let webhooks: Webhooks
    let notifications: JobNotifications
    let workers: [Worker]
    let sweeper: JobsSweeper
    let deliverer: WebhookDeliverer
    let batchCounting: BatchCounting
    let noticeSender: NoticeSender
    let corners: CornerSuggestions
    let transformations: Transformations
    let queueMetrics: QueueMetrics
    /// Closes the workers' own connections once they stopped (listed before them).
    let queueConnectionsCloser: PoolCloser

    public init(_ context: ServiceContext) async throws {
        guard let database = context.database else { throw ConfigurationError("jobs needs its database") }
        let configuration = try JobsConfiguration(context.configuration)
        // ImageOps and Storage answer whole images.
        let wholeImages: (inout RPCClientConfiguration) -> Void = { $0.maxFrameSize = 64 * 1024 * 1024 }
        let billing = try context.client(for: ServiceCatalog.billing, configure: wholeImages)
        let storage = StorageAccess(storage: try context.client(for: ServiceCatalog.storage, configure: wholeImages))
        let imageOps = try context.client(for: ServiceCatalog.imageOps, configure: wholeImages)
        let catalogue = AICatalogue(
            database: database, seal: try CredentialSeal(context.configuration), configuration: configuration.providers,
            curl: CurlClient(threads: configuration.providerCalls, maxResponseBytes: 64 << 20),
            lifetime: configuration.aiCatalogueLifetime,
            logger: context.logger)
        let personalModels = PersonalModels(database: database, storage: storage)
        self.corners = CornerSuggestions(storage: storage, imageOps: imageOps)
        self.transformations = Transformations(storage: storage, billing: billing, imageOps: imageOps)
        let wakeups = WakeSignal()
        self.notifications = JobNotifications(database: database, wakeups: wakeups, logger: context.logger)
        let queueConnections = QueueConnections(beside: database, workers: configuration.workers)
        self.queueConnectionsCloser = PoolCloser(queueConnections.pools)
        let queue = JobQueue(
            database: database, queueConnections: queueConnections, configuration: configuration,
            notifications: self.notifications)
        let settlement = Settlement(billing: billing, queue: queue, logger: context.logger)
        let submissions = Submissions(
            database: database, billing: billing, storage: storage, catalogue: catalogue,
            personalModels: personalModels, configuration: configuration, notifications: self.notifications,
            tiers: TierCache(lifetime: configuration.tierCacheLifetime))
        self.service = JobsService(
            database: database, queue: queue, submissions: submissions, settlement: settlement,
            configuration: configuration, logger: context.logger)
        self.queueMetrics = QueueMetrics(service: self.service, interval: configuration.queueMetricsInterval)
        self.webhooks = Webhooks(
            database: database, idempotency: IdempotentCalls(database: database, domain: "jobs"),
            configuration: configuration)
        let runner = JobRunner(
            imageOps: imageOps, storage: storage, catalogue: catalogue, personalModels: personalModels, queue: queue,
            configuration: configuration,
            imageCalls: ImageCallLimit(configuration.imageCalls))
        // One gathering for all worker loops: finished runs of both settle together.
        let settlements = SettlementGathering(settlement: settlement, window: configuration.settleWindow)
        self.workers = (0..<configuration.workers).map {
            Worker(
                index: $0, queue: queue, runner: runner, settlements: settlements, wakeups: wakeups,
                configuration: configuration, logger: context.logger)
        }
        self.sweeper = JobsSweeper(
            queue: queue, settlement: settlement, billing: billing, database: database,
            interval: configuration.sweepInterval, queueVacuumDeadRows: configuration.queueVacuumDeadRows,
            logger: context.logger)
        self.batchCounting = BatchCounting(
            database: database, interval: configuration.batchCountInterval, logger: context.logger)
        self.noticeSender = NoticeSender(
            database: database, auth: try context.client(for: ServiceCatalog.auth), billing: billing,
            interval: configuration.noticeInterval, logger: context.logger)
        self.deliverer = WebhookDeliverer(
            database: database, curl: CurlClient(threads: 2, maxResponseBytes: 64 << 10),
            configuration: configuration, logger: context.logger)
        context.logger.info(
            "jobs ready",
            metadata: [
                "workers": "\(configuration.workers)", "slots": "\(configuration.workerSlots)",
                "worker": "\(configuration.workerName)",
            ])
    }

    public func register(in router: inout RPCRouter) {
        JobsHandlers(
            jobs: self.service, webhooks: self.webhooks, notifications: self.notifications, corners: self.corners,
            transformations: self.transformations
        ).register(
            in: &router)
    }

    public var background: [any Service] {
        [
            self.queueConnectionsCloser, self.notifications, self.sweeper, self.batchCounting, self.deliverer,
            self.noticeSender, self.queueMetrics,
        ]
            + self.workers
    }
}
