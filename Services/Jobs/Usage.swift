import Foundation
import ImageSwissProtos
import Postgres
import ServiceRuntime

extension JobsService {
    /// The caller's jobs per UTC day of submission and tool over the last `days` days: how many,
    /// how many succeeded and failed, and the pictures the successful ones processed.
    func usage(_ caller: RPCCaller, days requested: UInt32) async throws -> JobsUsage {
        let days = requested == 0 ? UsagePeriods.defaultDays : requested
        guard UsagePeriods.days.contains(days) else { throw failure.invalid("days", "days is 7, 30 or 90") }
        let rows = try await self.database.query(
            """
            SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, tool, count(*) AS jobs,
                count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                count(*) FILTER (WHERE status IN ('failed', 'expired')) AS failed,
                coalesce(sum(cardinality(input_blob_ids)) FILTER (WHERE status = 'succeeded'), 0)::bigint AS files
            FROM jobs
            WHERE owner_id = $1 AND created_at >= now() - make_interval(days => $2)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [caller.id, Int(days)])
        var usage = JobsUsage()
        usage.lines = try rows.map { row in
            var line = JobsUsageLine()
            (line.day, line.tool) = (try row.decode("day"), try row.decode("tool"))
            line.jobs = try row.decode("jobs")
            line.succeeded = try row.decode("succeeded")
            line.failed = try row.decode("failed")
            line.filesProcessed = try row.decode("files")
            return line
        }
        return usage
    }
}
