import Foundation
import ImageSwissProtos
import Postgres

/// Each provider run's time and cost, for the spend limits and the margin report: one row per
/// job attempt, written after the provider answered (a retried attempt writes its own).
extension JobQueue {
    func recordProviderRun(
        job: ClaimedJob, model: JobsAIModel, succeeded: Bool, costMicros: Int64, elapsed: Duration
    ) async throws {
        let milliseconds = Int(
            elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        try await self.database.execute(
            """
            INSERT INTO provider_runs (job_id, attempt, provider_id, model_id, operation, outcome, cost_micros, provider_ms)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id, attempt) DO NOTHING
            """,
            [
                job.id, job.attempt, model.providerID, model.id, model.operation, succeeded ? "succeeded" : "failed",
                costMicros, min(milliseconds, Int(Int32.max)),
            ])
    }
}
