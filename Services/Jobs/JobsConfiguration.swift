import Curl
import Foundation
import IPAddresses
import Operations
import ServiceRuntime

/// Jobs' settings (JOBS_* environment variables; docs/configuration.md lists them all).
struct JobsConfiguration: Sendable {
    /// Worker loops in this process; each claims up to `workerSlots` jobs and runs them at once.
    var workers: Int
    var workerSlots: Int
    /// Runs of this process that hold a picture at once (reading it, in ImageOps); see ImageCallLimit.
    var imageCalls: Int
    /// A running job whose worker stops renewing its lease is queued again after this.
    var lease: Duration
    /// A worker wakes at least this often when no notification arrives (a lost NOTIFY is not a stall).
    var idlePoll: Duration
    /// Attempts a job gets (the first run included) before it fails for good.
    var maxAttempts: Int
    /// First retry pause; doubles per attempt up to `maxRetryDelay`, with full jitter.
    var retryDelay: Duration
    var maxRetryDelay: Duration
    /// A user's jobs running at once, across all workers.
    var maxRunningPerUser: Int
    /// How many queue entries a bounded claim reads from the head (see `ClaimStatements`).
    var claimWindow: Int
    var maxSteps: Int
    var maxBatchInputs: Int
    /// A job not started by then expires (free); stays below Billing's hold lifetime.
    var defaultDeadline: Duration
    var maxDeadline: Duration
    var sweepInterval: Duration
    /// The sweeper vacuums `job_queue` once it holds more dead row versions than this (0: never;
    /// autovacuum alone then).
    var queueVacuumDeadRows: Int
    /// Finished runs' credits are settled together, this long after the first of them finished.
    var settleWindow: Duration
    /// How often the batch progress logged by completions is applied (and batch.completed sent).
    var batchCountInterval: Duration
    /// How often notices (a finished batch, low credits …) are handed to Auth.
    var noticeInterval: Duration
    /// SIGTERM: in-flight jobs get this long to finish, then go back to the queue.
    var shutdownGrace: Duration
    /// Outputs with a longer edge get a thumbnail of `thumbnailEdge` pixels for the gallery.
    var thumbnailEdge: Int
    var webhookTimeout: Duration
    var webhookMaxAttempts: Int
    var webhookRetryDelay: Duration
    /// Webhook URLs must be https unless this allows http (local development and tests).
    var webhookAllowHTTP: Bool
    /// Names pinned to addresses for deliveries (name=address,…), resolved without DNS; still checked.
    var webhookHosts: [String: String]
    /// How long a rotated-out secret keeps signing beside the new one.
    var webhookSecretOverlap: Duration
    var workerName: String
    /// How long a caller's tier (from Billing) is reused by submissions.
    var tierCacheLifetime: Duration
    var providers: ProviderConfiguration
    /// How long a Jobs process reuses the AI catalogue it read before reading it again (its own
    /// writes are seen at once; other processes' within this).
    var aiCatalogueLifetime: Duration
    /// Provider calls of this process at once (JOBS_PROVIDER_CALLS, 64): each waits in libcurl on a
    /// thread of its own for as long as the provider takes (seconds for a generation), so this, not
    /// the worker slots, bounds how many AI runs overlap. Default: both worker loops' slots.
    var providerCalls: Int
    /// A personal model learns from this many photos, each with at least this short side and at
    /// most this size; a training may take this long at the provider.
    var trainingPhotos: ClosedRange<Int>
    var trainingMinSide: Int
    var trainingMaxPhotoBytes: Int
    var trainingTimeout: Duration
    /// How often a run held back by its provider's daily spend limit is looked at again.
    var spendLimitRecheck: Duration
    /// How often the queue is sampled into the queue gauges (JOBS_QUEUE_METRICS_INTERVAL_MS, 5 s).
    var queueMetricsInterval: Duration

    init(_ configuration: ServiceConfiguration) throws {
        self.workers = max(0, try configuration.int("WORKERS", default: 2))
        self.workerSlots = max(1, try configuration.int("WORKER_SLOTS", default: 32))
        self.imageCalls = max(1, try configuration.int("IMAGE_CALLS", default: 16))
        self.lease = .seconds(max(1, try configuration.int("LEASE_S", default: 15)))
        self.idlePoll = try configuration.milliseconds("IDLE_POLL_MS", default: .seconds(2))
        self.maxAttempts = max(1, try configuration.int("MAX_ATTEMPTS", default: 3))
        self.retryDelay = try configuration.milliseconds("RETRY_DELAY_MS", default: .seconds(2))
        self.maxRetryDelay = try configuration.milliseconds("MAX_RETRY_DELAY_MS", default: .seconds(300))
        self.maxRunningPerUser = max(1, try configuration.int("MAX_RUNNING_PER_USER", default: 8))
        self.claimWindow = max(1, try configuration.int("CLAIM_WINDOW", default: 256))
        self.maxSteps = try configuration.int("MAX_STEPS", default: 10)
        self.maxBatchInputs = try configuration.int("MAX_BATCH_INPUTS", default: 1000)
        self.defaultDeadline = .seconds(try configuration.int("DEFAULT_DEADLINE_S", default: 3000))
        self.maxDeadline = .seconds(try configuration.int("MAX_DEADLINE_S", default: 3300))
        self.sweepInterval = try configuration.milliseconds("SWEEP_INTERVAL_MS", default: .seconds(1))
        self.queueVacuumDeadRows = max(0, try configuration.int("QUEUE_VACUUM_DEAD_ROWS", default: 20_000))
        self.settleWindow = try configuration.milliseconds("SETTLE_WINDOW_MS", default: .milliseconds(200))
        self.batchCountInterval = max(
            .milliseconds(1), try configuration.milliseconds("BATCH_COUNT_INTERVAL_MS", default: .milliseconds(100)))
        self.noticeInterval = max(
            .milliseconds(10), try configuration.milliseconds("NOTICE_INTERVAL_MS", default: .seconds(1)))
        self.shutdownGrace = try configuration.milliseconds("SHUTDOWN_GRACE_MS", default: .seconds(10))
        self.thumbnailEdge = try configuration.int("THUMBNAIL_EDGE", default: 512)
        self.webhookTimeout = try configuration.milliseconds("WEBHOOK_TIMEOUT_MS", default: .seconds(10))
        self.webhookMaxAttempts = max(1, try configuration.int("WEBHOOK_MAX_ATTEMPTS", default: 8))
        self.webhookRetryDelay = try configuration.milliseconds("WEBHOOK_RETRY_DELAY_MS", default: .seconds(5))
        self.webhookAllowHTTP = try configuration.bool("WEBHOOK_ALLOW_HTTP", default: false)
        var hosts: [String: String] = [:]
        for pair in configuration.string("WEBHOOK_HOSTS", default: "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, NetworkAddress.bytes(parts[1]) != nil else {
                throw ConfigurationError(
                    "JOBS_WEBHOOK_HOSTS is name=address,name=address (numeric addresses), not '\(pair)'")
            }
            hosts[parts[0].lowercased()] = parts[1]
        }
        self.webhookHosts = hosts
        self.webhookSecretOverlap = .seconds(try configuration.int("WEBHOOK_SECRET_OVERLAP_S", default: 86_400))
        let host = ProcessInfo.processInfo.hostName
        self.workerName = configuration.string("WORKER_NAME", default: "\(host):\(getpid())")
        self.tierCacheLifetime = try configuration.milliseconds("TIER_CACHE_MS", default: .seconds(10))
        self.providers = try ProviderConfiguration(configuration)
        self.aiCatalogueLifetime = try configuration.milliseconds("AI_CATALOGUE_TTL_MS", default: .seconds(2))
        self.providerCalls = max(
            1, try configuration.int("PROVIDER_CALLS", default: max(1, self.workers) * self.workerSlots))
        let fewest = max(1, try configuration.int("TRAINING_MIN_PHOTOS", default: 10))
        self.trainingPhotos = fewest...max(fewest, try configuration.int("TRAINING_MAX_PHOTOS", default: 30))
        self.trainingMinSide = try configuration.int("TRAINING_MIN_SIDE", default: 512)
        self.trainingMaxPhotoBytes = try configuration.int("TRAINING_MAX_PHOTO_BYTES", default: 20 << 20)
        self.spendLimitRecheck = try configuration.milliseconds("SPEND_LIMIT_RECHECK_MS", default: .seconds(60))
        self.queueMetricsInterval = try configuration.milliseconds("QUEUE_METRICS_INTERVAL_MS", default: .seconds(5))
        self.trainingTimeout = try configuration.milliseconds("TRAINING_TIMEOUT_MS", default: .seconds(3 * 3600))
    }
}

/// The AI providers the environment configures (JOBS_OPENAI_*, JOBS_REPLICATE_*, JOBS_RUNPOD_*),
/// beside those admins add at run time (AICatalogue), and the polling and timeout all adapters use.
struct ProviderConfiguration: Sendable {
    var openAIBaseURL: String
    var openAIKey: String?
    var openAIModel: String
    /// The operations sent to the OpenAI-compatible API (it generates and edits from a prompt).
    var openAIOperations: Set<String>
    var replicateBaseURL: String
    var replicateToken: String?
    /// operation → model version, e.g. remove_background=<version>.
    var replicateModels: [String: String]
    var runPodBaseURL: String
    var runPodKey: String?
    /// operation → RunPod serverless endpoint id, e.g. colourization=<endpoint>.
    var runPodEndpoints: [String: String]
    var pollInterval: Duration
    var timeout: Duration

    init(_ configuration: ServiceConfiguration) throws {
        self.openAIBaseURL = configuration.string("OPENAI_BASE_URL", default: "https://api.openai.com")
        self.openAIKey = configuration.string("OPENAI_API_KEY")
        self.openAIModel = configuration.string("OPENAI_MODEL", default: "gpt-image-1")
        self.openAIOperations = Set(
            try configuration.string("OPENAI_OPERATIONS", default: "generation").split(separator: ",").map {
                try Self.aiOperation($0.trimmingCharacters(in: .whitespaces), setting: "JOBS_OPENAI_OPERATIONS")
            })
        self.replicateBaseURL = configuration.string("REPLICATE_BASE_URL", default: "https://api.replicate.com")
        self.replicateToken = configuration.string("REPLICATE_API_TOKEN")
        self.replicateModels = try Self.operationMap(configuration, "REPLICATE_MODELS", value: "version")
        self.runPodBaseURL = configuration.string("RUNPOD_BASE_URL", default: "https://api.runpod.ai")
        self.runPodKey = configuration.string("RUNPOD_API_KEY")
        self.runPodEndpoints = try Self.operationMap(configuration, "RUNPOD_ENDPOINTS", value: "endpoint")
        if let bad = self.runPodEndpoints.values.first(where: {
            $0.range(of: "^[A-Za-z0-9_-]{1,100}$", options: .regularExpression) == nil
        }) {
            throw ConfigurationError("JOBS_RUNPOD_ENDPOINTS names an endpoint id that is not one: '\(bad)'")
        }
        self.pollInterval = try configuration.milliseconds("PROVIDER_POLL_MS", default: .seconds(1))
        self.timeout = try configuration.milliseconds("PROVIDER_TIMEOUT_MS", default: .seconds(120))
    }

    /// `operation=value,operation=value` (JOBS_REPLICATE_MODELS, JOBS_RUNPOD_ENDPOINTS).
    static func operationMap(_ configuration: ServiceConfiguration, _ name: String, value: String) throws
        -> [String: String]
    {
        var map: [String: String] = [:]
        for pair in configuration.string(name, default: "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigurationError("JOBS_\(name) is operation=\(value),operation=\(value), not '\(pair)'")
            }
            map[try Self.aiOperation(parts[0], setting: "JOBS_\(name)")] = parts[1]
        }
        return map
    }

    /// The catalogue's name of an AI operation a provider setting names (an alias accepted), or a
    /// start-up error: a typo would otherwise leave the operation unavailable without a word.
    static func aiOperation(_ name: String, setting: String) throws -> String {
        guard let spec = OperationCatalog.named(name), spec.needsProvider else {
            let names = OperationCatalog.all.filter(\.needsProvider).map(\.name).joined(separator: ", ")
            throw ConfigurationError("\(setting) names '\(name)', which is not an AI operation (\(names))")
        }
        return spec.name
    }
}
