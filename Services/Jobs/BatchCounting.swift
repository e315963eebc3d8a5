import Logging
import Postgres
import ServiceLifecycle
import ServiceRuntime

/// Applies the batch progress that completions log (`batch_progress`) to each batch's `remaining`,
/// every JOBS_BATCH_COUNT_INTERVAL_MS, and writes `batch.completed` deliveries for the batches that
/// reached zero (SQL function `jobs_count_batches`).
///
/// Why not in the completion itself: both worker loops finish jobs of the same batches, and a
/// completion that moved a batch row held it until its commit reached the disk, so the other loop
/// waited. An append-only log takes no lock that anything waits on; this loop moves each batch once
/// per round, however many completions touched it.
struct BatchCounting: Service {
    let database: PostgresPool
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: self.interval, logger: self.logger, failure: "counting batch progress failed")
        {
            try await self.database.execute("SELECT jobs_count_batches()")
        }
        // What the last round did not see is counted by the next process to start.
    }
}
