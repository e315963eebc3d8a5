import Curl
import Foundation
import ImageSwissProtos
import RPC
import ServiceLifecycle
import ServiceRuntime

// Jobs: the durable queue, jobs and batches, workers, AI provider adapters, webhooks to users.

/// Wired once at start and shared by the handlers, the workers and the sweepers.
struct JobsWiring: Sendable {
    let service: JobsService
    let webhooks: Webhooks
    let notifications: JobNotifications
    let workers: [Worker]
    let sweeper: JobsSweeper
    let deliverer: WebhookDeliverer
    let batchCounting: BatchCounting
    /// Closes the workers' own connections once they stopped (listed before them).
    let queueConnectionsCloser: PoolCloser

    init(_ context: ServiceContext) throws {
        guard let database = context.database else { throw ConfigurationError("jobs needs its database") }
        let configuration = try JobsConfiguration(context.configuration)
        var clientConfiguration = RPCClientConfiguration()
        clientConfiguration.peerName = "imageswiss-jobs"
        clientConfiguration.maxFrameSize = 64 * 1024 * 1024  // ImageOps answers whole images
        func client(_ entry: ServiceEntry) throws -> RPCClient {
            let addresses = context.configuration.string("\(entry.name.uppercased())_RPC_ADDRESSES") ?? "127.0.0.1:\(entry.defaultRPCPort)"
            return RPCClient(endpoints: try RPCEndpoint.list(addresses), configuration: clientConfiguration)
        }
        let billing = try client(ServiceCatalog.billing)
        let storage = StorageAccess(storage: try client(ServiceCatalog.storage))
        let imageOps = try client(ServiceCatalog.imageOps)
        let providers = ProviderRouter(configuration.providers, curl: CurlClient(threads: 4, maxResponseBytes: 64 << 20))
        let wakeups = WakeSignal()
        self.notifications = JobNotifications(database: database, wakeups: wakeups, logger: context.logger)
        let queueConnections = QueueConnections(beside: database, workers: configuration.workers)
        self.queueConnectionsCloser = PoolCloser(queueConnections.pools)
        let queue = JobQueue(database: database, queueConnections: queueConnections, configuration: configuration, notifications: self.notifications)
        let settlement = Settlement(billing: billing, queue: queue, logger: context.logger)
        let submissions = Submissions(database: database, billing: billing, storage: storage, providers: providers, configuration: configuration,
                                      notifications: self.notifications, tiers: TierCache(lifetime: configuration.tierCacheLifetime))
        self.service = JobsService(database: database, queue: queue, submissions: submissions, settlement: settlement,
                                   configuration: configuration, logger: context.logger)
        self.webhooks = Webhooks(database: database, idempotency: IdempotentCalls(database: database, domain: "jobs"), configuration: configuration)
        let runner = JobRunner(imageOps: imageOps, storage: storage, providers: providers, queue: queue, configuration: configuration,
                               imageCalls: ImageCallLimit(configuration.imageCalls))
        // One gathering for all worker loops: finished runs of both settle together.
        let settlements = SettlementGathering(settlement: settlement, window: configuration.settleWindow)
        self.workers = (0..<configuration.workers).map {
            Worker(index: $0, queue: queue, runner: runner, settlements: settlements, wakeups: wakeups, configuration: configuration, logger: context.logger)
        }
        self.sweeper = JobsSweeper(queue: queue, settlement: settlement, billing: billing, database: database,
                                   interval: configuration.sweepInterval, queueVacuumDeadRows: configuration.queueVacuumDeadRows,
                                   logger: context.logger)
        self.batchCounting = BatchCounting(database: database, interval: configuration.batchCountInterval, logger: context.logger)
        self.deliverer = WebhookDeliverer(database: database, curl: CurlClient(threads: 2, maxResponseBytes: 64 << 10),
                                          configuration: configuration, logger: context.logger)
        context.logger.info("jobs ready", metadata: ["workers": "\(configuration.workers)", "slots": "\(configuration.workerSlots)",
                                                     "worker": "\(configuration.workerName)"])
    }
}

/// Built on first use by whichever of the two callbacks runs first.
actor JobsWiringHolder {
    static let shared = JobsWiringHolder()
    private var wiring: JobsWiring?

    func wiring(_ context: ServiceContext) throws -> JobsWiring {
        if let wiring { return wiring }
        let wiring = try JobsWiring(context)
        self.wiring = wiring
        return wiring
    }
}

await ServiceMain.run(ServiceCatalog.jobs, schema: Bundle.module.url(forResource: "SQL", withExtension: nil), extraServices: { context in
    let wiring = try await JobsWiringHolder.shared.wiring(context)
    return [wiring.queueConnectionsCloser, wiring.notifications, wiring.sweeper, wiring.batchCounting, wiring.deliverer] + wiring.workers
}, registerHandlers: { router, context in
    let wiring = try await JobsWiringHolder.shared.wiring(context)
    JobsHandlers(jobs: wiring.service, webhooks: wiring.webhooks, notifications: wiring.notifications).register(in: &router)
})
