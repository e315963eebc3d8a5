import CoreMetrics
import ServiceLifecycle
import ServiceRuntime

/// Jobs' metrics (names in PlatformMetrics): runs by operation and outcome and their durations,
/// webhook deliveries, provider calls, and the queue sampled every few seconds. The `operation`
/// label is a job's first step: the catalogue bounds it.
enum JobMetrics {
    static func recordRun(_ job: ClaimedJob, _ result: Result<JobOutcome, JobRunError>, elapsed: Duration) {
        let outcome: String
        switch result {
        case .success: outcome = "succeeded"
        case .failure(let error): outcome = error.retryable ? "retrying" : "failed"
        }
        let operation = job.steps.first?.operation ?? "none"
        Counter(label: PlatformMetrics.jobRuns, dimensions: [("operation", operation), ("outcome", outcome)])
            .increment()
        Timer(label: PlatformMetrics.jobRunDuration, dimensions: [("operation", operation)])
            .recordNanoseconds(PlatformMetrics.nanoseconds(elapsed))
    }

    static func recordDelivery(_ outcome: String) {
        Counter(label: PlatformMetrics.webhookDeliveries, dimensions: [("outcome", outcome)]).increment()
    }

    static func recordProviderCall(provider: String, succeeded: Bool, costMicros: Int64, elapsed: Duration) {
        Counter(
            label: PlatformMetrics.providerCalls,
            dimensions: [("provider", provider), ("outcome", succeeded ? "succeeded" : "failed")]
        ).increment()
        Timer(label: PlatformMetrics.providerCallDuration, dimensions: [("provider", provider)])
            .recordNanoseconds(PlatformMetrics.nanoseconds(elapsed))
        if costMicros > 0 {
            Counter(label: PlatformMetrics.providerCost, dimensions: [("provider", provider)]).increment(by: costMicros)
        }
    }
}

/// `imageswiss_jobs_queue_jobs{lane, state}` and `imageswiss_jobs_queue_oldest_wait_seconds{lane}`,
/// from the queue every JOBS_QUEUE_METRICS_INTERVAL_MS (5 s): the numbers the admin queue view shows.
/// Every Jobs replica reports the same global figures (take the max across instances).
struct QueueMetrics: Service {
    let service: JobsService
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let unsettled = try? await self.service.database.query(
                "SELECT count(*) AS n FROM jobs WHERE credits IN ('capture_pending', 'release_pending')"
            ).first?.decode("n", as: Int.self) {
                Gauge(label: PlatformMetrics.unsettledJobs).record(unsettled)
            }
            if let depth = try? await self.service.queueDepth() {
                for lane in depth.lanes {
                    Gauge(label: PlatformMetrics.queueJobs, dimensions: [("lane", lane.lane), ("state", "queued")])
                        .record(Int(lane.queued))
                    Gauge(label: PlatformMetrics.queueJobs, dimensions: [("lane", lane.lane), ("state", "running")])
                        .record(Int(lane.running))
                    Gauge(label: PlatformMetrics.queueOldestWait, dimensions: [("lane", lane.lane)])
                        .record(lane.oldestWaitSeconds)
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
