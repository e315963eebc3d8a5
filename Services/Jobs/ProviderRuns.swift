import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Each provider run's time and cost, for the spend limits and the margin report: one row per
/// job attempt, written after the provider answered (a retried attempt writes its own).
extension JobQueue {
    func recordProviderRun(
        job: ClaimedJob, model: JobsAIModel, succeeded: Bool, costMicros: Int64, elapsed: Duration
    ) async throws {
        let milliseconds = Int(
            elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        JobMetrics.recordProviderCall(
            provider: model.providerID, succeeded: succeeded, costMicros: costMicros, elapsed: elapsed)
        try await self.database.execute(
            """
            INSERT INTO provider_runs (job_id, attempt, provider_id, model_id, operation, outcome, cost_micros, provider_ms, tier)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (job_id, attempt) DO NOTHING
            """,
            [
                job.id, job.attempt, model.providerID, model.id, model.operation, succeeded ? "succeeded" : "failed",
                costMicros, min(milliseconds, Int(Int32.max)), job.tier,
            ])
    }
}

/// The daily spend limits — a provider's (ai_providers.daily_spend_limit_micros) and a tier's, for
/// the runs of its jobs at every provider (tier_spend_limits): once today's recorded runs reach one,
/// a new run it covers waits in the queue — its attempt not counted — and is looked at again after
/// JOBS_SPEND_LIMIT_RECHECK_MS; admins are told once a day per limit (a notice Auth mails to every
/// admin). A job cannot wait past JOBS_MAX_DEADLINE_S from its submission (its hold at Billing would
/// lapse): then it fails, naming the limit, and is released.
enum ProviderSpend {
    /// What today's spend is counted by: a run's provider, or its job's tier.
    enum By: String {
        case provider = "provider_id"
        case tier
    }

    /// Today's (UTC) recorded cost in micro-dollars per provider or per tier: of one (`only`), or of all.
    static func today(_ database: PostgresPool, by group: By, only key: String? = nil) async throws -> [String: Int64] {
        try await database.query(
            """
            SELECT \(group.rawValue) AS key, coalesce(sum(cost_micros), 0)::bigint AS spent FROM provider_runs
            WHERE \(group.rawValue) IS NOT NULL AND ($1::text IS NULL OR \(group.rawValue) = $1)
              AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            GROUP BY \(group.rawValue)
            """, [key]
        ).reduce(into: [String: Int64]()) { $0[try $1.decode("key")] = try $1.decode("spent") }
    }
}

extension JobQueue {

    func checkSpendLimit(_ job: ClaimedJob, provider: JobsAIProvider?, tierLimit: Int64?) async throws {
        if let provider, provider.dailySpendLimitMicros > 0 {
            let spent = try await ProviderSpend.today(self.database, by: .provider, only: provider.id)[provider.id] ?? 0
            if spent >= provider.dailySpendLimitMicros {
                try await self.holdBack(
                    job, limit: "provider:\(provider.id)",
                    message:
                        "\(provider.id) reached its daily spend limit (\(spent) of \(provider.dailySpendLimitMicros) micro-dollars)"
                )
            }
        }
        if let tierLimit {
            let spent = try await ProviderSpend.today(self.database, by: .tier, only: job.tier)[job.tier] ?? 0
            if spent >= tierLimit {
                try await self.holdBack(
                    job, limit: "tier:\(job.tier)",
                    message:
                        "the \(job.tier) tier reached its daily AI spend limit (\(spent) of \(tierLimit) micro-dollars)"
                )
            }
        }
    }

    /// A run a limit holds back: it waits (or fails, having waited as long as its hold lasts), and
    /// admins get one notice a day per limit.
    private func holdBack(_ job: ClaimedJob, limit: String, message: String) async throws -> Never {
        try await self.database.execute(
            """
            INSERT INTO notices (owner_id, kind, event_key, params)
            VALUES ('admins', 'spend_limit_reached', 'spend-limit:' || $1 || ':' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                    jsonb_build_object('limit', $1::text, 'message', $2::text))
            ON CONFLICT (event_key) DO NOTHING
            """, [limit, message])
        let waitedTooLong =
            try await self.database.query(
                "SELECT created_at < now() - make_interval(secs => $2) AS late FROM jobs WHERE id = $1",
                [job.id, Int(self.configuration.maxDeadline.components.seconds)]
            ).first?.decode("late", as: Bool.self) ?? false
        if waitedTooLong { throw JobRunError.permanent(message + "; the job waited as long as its hold lasts") }
        var wait = JobRunError.transient("waiting: " + message, retryAfter: self.configuration.spendLimitRecheck)
        wait.consumesAttempt = false
        throw wait
    }
}

extension JobQueue {
    /// Admins: runs, failures, provider cost and credits charged per UTC day, operation, provider.
    func spend(_ caller: RPCCaller, days requested: UInt32) async throws -> JobsSpendReport {
        guard caller.role == "admin" else { throw failure.adminOnly }
        let days = requested == 0 ? 30 : Int(requested)
        guard (1...90).contains(days) else { throw failure.invalid("days", "1 to 90 days") }
        var report = JobsSpendReport()
        report.lines = try await self.database.query(
            """
            SELECT to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, r.operation, r.provider_id,
                   count(*) AS runs, count(*) FILTER (WHERE r.outcome = 'failed') AS failed_runs,
                   coalesce(sum(r.cost_micros), 0)::bigint AS cost_micros,
                   coalesce(sum(j.charged_credits) FILTER (WHERE r.outcome = 'succeeded' AND j.status = 'succeeded'), 0)::bigint
                       AS charged_credits
            FROM provider_runs r LEFT JOIN jobs j ON j.id = r.job_id
            WHERE r.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => $1 - 1)
            GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3
            """, [days]
        ).map { row in
            var line = JobsSpendLine()
            line.day = try row.decode("day")
            line.operation = try row.decode("operation")
            line.providerID = try row.decode("provider_id")
            line.runs = try row.decode("runs")
            line.failedRuns = try row.decode("failed_runs")
            line.costMicros = try row.decode("cost_micros")
            line.chargedCredits = try row.decode("charged_credits")
            return line
        }
        return report
    }
}
