import CoreMetrics

/// Every metric the services record besides the RPC layer's own (Libraries/RPC: `imageswiss_rpc_*`),
/// named once: Prometheus style, `imageswiss_` first, the unit in the name. The dashboard and the
/// alert rules (deploy/observability/) use these names; `MetricsTests` scrapes them after a batch.
public enum PlatformMetrics {
    /// Edge: requests by route template, method and status; their durations by route template.
    public static let httpRequests = "imageswiss_http_requests_total"
    public static let httpRequestDuration = "imageswiss_http_request_duration_seconds"
    /// Jobs: the queue by lane (`state` queued or running) and the oldest queued job's wait.
    public static let queueJobs = "imageswiss_jobs_queue_jobs"
    public static let queueOldestWait = "imageswiss_jobs_queue_oldest_wait_seconds"
    /// Jobs: finished jobs whose credits Billing has not confirmed yet (capture or release pending).
    public static let unsettledJobs = "imageswiss_jobs_unsettled_jobs"
    /// Jobs: runs that ended, by tool and outcome (succeeded, failed, retrying), and how long they ran.
    public static let jobRuns = "imageswiss_job_runs_total"
    public static let jobRunDuration = "imageswiss_job_run_duration_seconds"
    /// Jobs: webhook delivery attempts by outcome (delivered, retrying, failed).
    public static let webhookDeliveries = "imageswiss_webhook_deliveries_total"
    /// Jobs: AI provider calls by provider and outcome, their latency, and what they cost.
    public static let providerCalls = "imageswiss_provider_calls_total"
    public static let providerCallDuration = "imageswiss_provider_call_duration_seconds"
    public static let providerCost = "imageswiss_provider_cost_microdollars_total"
    /// Storage: the local backend's disk, free and in all (STORAGE_DATA_DIR's file system).
    public static let diskFree = "imageswiss_storage_disk_free_bytes"
    public static let diskSize = "imageswiss_storage_disk_size_bytes"
    /// Storage: files stored, by purpose, and their bytes.
    public static let filesStored = "imageswiss_storage_files_stored_total"
    public static let bytesStored = "imageswiss_storage_stored_bytes_total"
    /// Billing: credits by movement (held, captured, released).
    public static let credits = "imageswiss_billing_credits_total"
    /// Every service with a database: its pool's connections by state (in_use, idle) and waiters.
    public static let poolConnections = "imageswiss_db_pool_connections"
    public static let poolWaiters = "imageswiss_db_pool_waiters"

    /// Seconds of a Duration, for Timer and Recorder.
    public static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
