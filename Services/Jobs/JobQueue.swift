import Foundation
import ImageSwissProtos
import Postgres

/// A job a worker claimed: what it needs to run it.
struct ClaimedJob: Sendable {
    let id: UUID
    let ownerID: String
    let tier: String
    let steps: [JobsStep]
    let inputs: [String]
    let attempt: Int
    let maxOutputEdge: Int
    let deleteOriginals: Bool
    /// The submitting request's traceparent, which the run continues (nil: tracing was off).
    var traceParent: String? = nil
}

/// What a finished run reports.
struct JobOutcome: Sendable {
    var outputs: [String] = []
    var thumbnails: [String] = []
    var resultJSON = ""
}

/// A job that reached a final state and whose credits Billing is still to hear about.
struct Unsettled: Sendable {
    let id: UUID
    /// The account whose hold it is: the owner's, or a team's (Payer).
    let payerID: String
    let holdID: String
    let capture: Bool
    let amount: Int64
}

/// The queue's statements: claim, renew, finish, retry, cancel, reap. Every state change is one
/// statement over the job's `job_queue` row (locked first) and its `jobs` row, conditional on the
/// queue row, so a worker that lost its lease (or a job canceled meanwhile) changes nothing. A claim
/// changes only the queue row: the statement that ends the run writes the attempt (`jobs.attempts`
/// counts the ended ones) and the first start into the job's row (Jobs migration 9).
struct JobQueue: Sendable {
    let database: PostgresPool
    /// Where claims and completions go: planned once per connection.
    let queueConnections: QueueConnections
    let configuration: JobsConfiguration
    let notifications: JobNotifications

    private var leaseSeconds: Double { Double(self.configuration.lease.components.seconds) }

    /// Up to `limit` queued jobs for `worker`: by priority, then fair sequence, skipping rows another
    /// worker is claiming and users already at their running limit (not counting `finished`, runs of
    /// this worker that ended and are being recorded). `bounded`: read at most JOBS_CLAIM_WINDOW
    /// entries from the queue's head (see `ClaimStatements`).
    func claim(worker: String, limit: Int, finished: some Collection<UUID>, bounded: Bool) async throws -> [ClaimedJob]
    {
        let window: Int? = bounded ? self.configuration.claimWindow : nil
        let rows = try await self.queueConnections.claims.query(
            ClaimStatements.claim,
            [
                worker, limit, self.configuration.maxRunningPerUser, self.leaseSeconds,
                PostgresTextArray.literal(finished.map { $0.lowercasedText }), window,
            ])
        try self.announce(rows)
        // A batch's jobs share their steps: each distinct text is decoded once.
        var steps: [String: [JobsStep]] = [:]
        return try rows.map { row in
            let text: String = try row.decode("steps")
            let decoded = try steps[text] ?? StepsJSON.decode(text)
            steps[text] = decoded
            return ClaimedJob(
                id: try row.decode("id"), ownerID: try row.decode("owner_id"), tier: try row.decode("tier"),
                steps: decoded,
                inputs: PostgresTextArray.plainElements(try row.decode("inputs")),
                attempt: try row.decode("attempt"), maxOutputEdge: try row.decode("max_output_edge"),
                deleteOriginals: try row.decode("delete_originals"),
                traceParent: try row.decodeIfPresent("trace_parent"))
        }
    }

    /// The queue rows of `$2` (ids) still running under worker `$1`, locked in id order. Every
    /// statement that updates several running jobs at once locks them through this: a lease renewal
    /// and a completion of the same worker's jobs, each locking in its own order, deadlocked.
    private static let lockedRuns = """
        SELECT job_id AS id FROM job_queue WHERE job_id = ANY ($2::uuid[]) AND worker = $1 ORDER BY job_id FOR UPDATE
        """

    /// Two statement parts for jobs leaving a run (`decision`: `id`, `again`): the queue rows of
    /// those to run again go back to the queue after `runAfter`, the others' rows are deleted.
    private static func requeueOrDrop(_ decision: String, runAfter: String) -> String {
        """
        requeued AS (
            UPDATE job_queue q SET worker = NULL, lease_expires = NULL, run_after = \(runAfter)
            FROM \(decision) d WHERE q.job_id = d.id AND d.again
        ), dropped AS (
            DELETE FROM job_queue q USING \(decision) d WHERE q.job_id = d.id AND NOT d.again
        )
        """
    }

    /// Renews the leases of `ids`; answers the ids still running under this worker (the others were
    /// canceled or taken over, and their runs should stop).
    func renew(worker: String, ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await self.database.query(
            """
            WITH mine AS (\(Self.lockedRuns))
            UPDATE job_queue q SET lease_expires = now() + $3 * interval '1 second' FROM mine WHERE q.job_id = mine.id RETURNING q.job_id AS id
            """, [worker, PostgresTextArray.literal(ids.map { $0.lowercasedText }), self.leaseSeconds])
        return Set(try rows.map { try $0.decode("id", as: UUID.self) })
    }

    /// Records how far a run got, while its job is still this worker's (`status` is rechecked on
    /// the row a concurrent cancel left, so a canceled job keeps its message).
    func progress(_ id: UUID, worker: String, percent: Int, message: String) async throws {
        try await self.database.execute(
            """
            UPDATE jobs SET progress_percent = $3, progress_message = $4, updated_at = now()
            WHERE id = $1 AND status = 'queued' AND EXISTS (SELECT 1 FROM job_queue WHERE job_id = $1 AND worker = $2)
            """, [id, worker, percent, message])
        self.notifications.changed([id])
    }

    /// The completion (see `succeed`); prepared like the claim, and like it looks rows up by
    /// `= ANY (ARRAY(…))` only (see `ClaimStatements`). The array reads all of `mine` — every row
    /// locked, in id order — before the DELETE starts.
    private static let succeedStatement = PostgresPreparedStatement(
        """
        WITH mine AS (\(Self.lockedRuns)), gone AS (
            DELETE FROM job_queue q WHERE q.job_id = ANY (ARRAY(SELECT id FROM mine)) RETURNING q.job_id, q.started_at
        )
        UPDATE jobs j SET status = 'succeeded', attempts = j.attempts + 1, started_at = coalesce(j.started_at, gone.started_at), output_blob_ids = d.outputs::text[], thumbnail_blob_ids = d.thumbnails::text[],
            result_json = d.result, progress_percent = 100, progress_message = 'done', finished_at = now(), updated_at = now(),
            last_error = '', charged_credits = j.quoted_credits,
            credits = CASE j.credits WHEN 'held' THEN 'capture_pending' ELSE j.credits END
        FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS d(id, outputs, thumbnails, result), gone
        WHERE j.id = ANY (ARRAY(SELECT job_id FROM gone)) AND d.id = j.id AND gone.job_id = j.id
        RETURNING j.id, j.owner_id, coalesce(j.payer_id, j.owner_id) AS payer_id, j.hold_id, j.credits, j.quoted_credits, j.status
        """)

    /// Marks finished runs succeeded, in one statement. Answers the jobs that were still this
    /// worker's (a run whose lease was lost, or canceled meanwhile, counts for nothing).
    func succeed(worker: String, _ finished: [(UUID, JobOutcome)]) async throws -> (
        succeeded: Set<UUID>, unsettled: [Unsettled]
    ) {
        guard !finished.isEmpty else { return ([], []) }
        let rows = try await self.queueConnections.ends.query(
            Self.succeedStatement,
            [
                worker, PostgresTextArray.literal(finished.map { $0.0.lowercasedText }),
                PostgresTextArray.literal(finished.map { PostgresTextArray.literal($0.1.outputs) }),
                PostgresTextArray.literal(finished.map { PostgresTextArray.literal($0.1.thumbnails) }),
                PostgresTextArray.literal(finished.map { $0.1.resultJSON }),
            ])
        try self.announce(rows)
        return (Set(try rows.map { try $0.decode("id", as: UUID.self) }), try Self.unsettled(rows))
    }

    /// A run failed: queued again after a backoff when another attempt may help, failed otherwise.
    func fail(_ id: UUID, attempt: Int, worker: String, error: JobRunError) async throws -> [Unsettled] {
        let rows = try await self.database.query(
            """
            WITH mine AS (
                SELECT job_id, started_at FROM job_queue WHERE job_id = $1 AND worker = $2 FOR UPDATE
            ), decision AS (
                SELECT j.id, mine.started_at, ($3 AND (j.attempts + 1 < j.max_attempts OR NOT $6)) AS again FROM jobs j JOIN mine ON mine.job_id = j.id
            ), \(Self.requeueOrDrop("decision", runAfter: "now() + $4 * interval '1 millisecond'"))
            UPDATE jobs j SET
                status = CASE WHEN d.again THEN 'queued' ELSE 'failed' END,
                run_after = now() + $4 * interval '1 millisecond',
                progress_message = CASE WHEN d.again THEN 'waiting to retry' ELSE 'failed' END,
                progress_percent = CASE WHEN d.again THEN 0 ELSE j.progress_percent END,
                started_at = coalesce(j.started_at, d.started_at),
                finished_at = CASE WHEN d.again THEN NULL ELSE now() END,
                credits = CASE WHEN NOT d.again AND j.credits = 'held' THEN 'release_pending' ELSE j.credits END,
                attempts = CASE WHEN d.again AND NOT $6 THEN j.attempts ELSE j.attempts + 1 END,
                last_error = $5, updated_at = now()
            FROM decision d WHERE j.id = d.id
            RETURNING j.id, j.owner_id, coalesce(j.payer_id, j.owner_id) AS payer_id, j.hold_id, j.credits, j.quoted_credits, j.status
            """,
            [
                id, worker, error.retryable, self.retryDelayMilliseconds(error, attempt: attempt),
                String(error.description.prefix(2000)),
                error.consumesAttempt,
            ])
        try self.announce(rows)
        return try Self.unsettled(rows)
    }

    /// Full jitter over an exponential backoff; a provider's Retry-After is the floor.
    private func retryDelayMilliseconds(_ error: JobRunError, attempt: Int) -> Int64 {
        // A saturated service said when to come back: then, give or take, not a growing backoff.
        if !error.consumesAttempt, let wait = error.retryAfter?.milliseconds, wait > 0 {
            return wait + Int64.random(in: 0...wait)
        }
        let base = max(1, self.configuration.retryDelay.milliseconds)
        let cap = max(base, self.configuration.maxRetryDelay.milliseconds)
        let exponential = min(cap, base << Int64(min(max(attempt - 1, 0), 20)))
        let jittered = Int64.random(in: base...max(base, exponential))
        return max(jittered, error.retryAfter?.milliseconds ?? 0)
    }

    /// SIGTERM: this worker's unfinished runs go back to the queue at once, their attempt not counted.
    func handBack(worker: String, ids: [UUID]) async throws {
        guard !ids.isEmpty else { return }
        defer {
            self.notifications.changed(ids)
            self.notifications.queued()
        }
        try await self.database.execute(
            """
            WITH mine AS (\(Self.lockedRuns)), requeued AS (
                UPDATE job_queue q SET worker = NULL, lease_expires = NULL, run_after = now() FROM mine WHERE q.job_id = mine.id
                RETURNING q.job_id
            )
            UPDATE jobs SET run_after = now(), progress_percent = 0, progress_message = 'queued (worker stopped)', updated_at = now()
            FROM requeued WHERE jobs.id = requeued.job_id
            """, [worker, PostgresTextArray.literal(ids.map { $0.lowercasedText })])
    }

    /// Running jobs whose lease expired (their worker died): queued again, or failed after the last attempt.
    func reapExpiredLeases() async throws -> [Unsettled] {
        let rows = try await self.database.query(
            """
            WITH expired AS (
                SELECT job_id, started_at FROM job_queue
                WHERE worker IS NOT NULL AND lease_expires < now() ORDER BY lease_expires LIMIT 500 FOR UPDATE SKIP LOCKED
            ), lost AS (
                SELECT j.id, e.started_at, j.attempts + 1 < j.max_attempts AS again FROM jobs j JOIN expired e ON e.job_id = j.id
            ), \(Self.requeueOrDrop("lost", runAfter: "now()"))
            UPDATE jobs j SET status = CASE WHEN l.again THEN 'queued' ELSE 'failed' END,
                finished_at = CASE WHEN l.again THEN NULL ELSE now() END,
                credits = CASE WHEN NOT l.again AND j.credits = 'held' THEN 'release_pending' ELSE j.credits END,
                last_error = 'the worker stopped answering (lease expired)', progress_message = 'queued again', progress_percent = 0,
                attempts = j.attempts + 1, started_at = coalesce(j.started_at, l.started_at), run_after = now(), updated_at = now()
            FROM lost l WHERE j.id = l.id
            RETURNING j.id, j.owner_id, coalesce(j.payer_id, j.owner_id) AS payer_id, j.hold_id, j.credits, j.quoted_credits, j.status
            """)
        try self.announce(rows)
        return try Self.unsettled(rows)
    }

    /// Queued jobs past their deadline: expired, charged nothing.
    func expireOverdue() async throws -> [Unsettled] {
        let rows = try await self.database.query(
            """
            WITH overdue AS (
                DELETE FROM job_queue WHERE job_id IN (
                    SELECT job_id FROM job_queue WHERE worker IS NULL AND deadline < now() ORDER BY deadline LIMIT 500 FOR UPDATE SKIP LOCKED
                ) RETURNING job_id, started_at
            )
            UPDATE jobs j SET status = 'expired', finished_at = now(), updated_at = now(), progress_message = 'expired before it started',
                started_at = coalesce(j.started_at, o.started_at),
                credits = CASE j.credits WHEN 'held' THEN 'release_pending' ELSE j.credits END
            FROM overdue o WHERE j.id = o.job_id
            RETURNING j.id, j.owner_id, coalesce(j.payer_id, j.owner_id) AS payer_id, j.hold_id, j.credits, j.quoted_credits, j.status
            """)
        try self.announce(rows)
        return try Self.unsettled(rows)
    }

    /// Cancels a queued or running job of `owner` (nil: an admin); a final job is answered as it is.
    func cancel(_ id: UUID, owner: String?) async throws -> [Unsettled] {
        let rows = try await self.database.query(
            """
            WITH live AS (
                DELETE FROM job_queue WHERE job_id = $1 AND ($2::text IS NULL OR owner_id = $2) RETURNING job_id, worker, started_at
            )
            UPDATE jobs j SET status = 'canceled', finished_at = now(), updated_at = now(), progress_message = 'canceled',
                attempts = j.attempts + (live.worker IS NOT NULL)::integer, started_at = coalesce(j.started_at, live.started_at), credits = CASE j.credits WHEN 'held' THEN 'release_pending' ELSE j.credits END
            FROM live WHERE j.id = live.job_id
            RETURNING j.id, j.owner_id, coalesce(j.payer_id, j.owner_id) AS payer_id, j.hold_id, j.credits, j.quoted_credits, j.status
            """, [id, owner])
        try self.announce(rows)
        return try Self.unsettled(rows)
    }

    /// Jobs final for a while whose credits are still pending (the settler's backlog).
    func unsettled(olderThan age: Duration) async throws -> [Unsettled] {
        try Self.unsettled(
            try await self.database.query(
                """
                SELECT id, owner_id, coalesce(payer_id, owner_id) AS payer_id, hold_id, credits, quoted_credits FROM jobs
                WHERE credits IN ('capture_pending', 'release_pending') AND updated_at < now() - $1 * interval '1 millisecond'
                ORDER BY updated_at LIMIT 200
                """, [age.milliseconds]))
    }

    /// Records what Billing answered for settled jobs, in one statement.
    func markSettled(_ jobs: [(id: UUID, captured: Bool, note: String?)]) async throws {
        guard !jobs.isEmpty else { return }
        try await self.database.execute(
            """
            UPDATE jobs SET credits = s.credits, charged_credits = CASE WHEN s.credits = 'captured' THEN charged_credits ELSE 0 END,
                last_error = coalesce(s.note, last_error)
            FROM unnest($1::uuid[], $2::text[], $3::text[]) AS s(id, credits, note)
            WHERE jobs.id = s.id AND jobs.credits IN ('capture_pending', 'release_pending')
            """,
            [
                PostgresTextArray.literal(jobs.map(\.id.lowercasedText)),
                PostgresTextArray.literal(jobs.map { $0.captured ? "captured" : "released" }),
                PostgresTextArray.literal(jobs.map(\.note)),
            ])
    }

    /// VACUUMs (and analyzes) `job_queue` when it holds more than `deadRows` dead row versions. Every
    /// job leaves two (its claim and its end), and their index entries stay where claims read, at
    /// the queue's head and among the running jobs, until a vacuum removes them: autovacuum visits a
    /// database about once a minute, and in a 200,000-job drain claims took 2–6 ms reading them
    /// instead of about 1 ms. A vacuum under way in another process is not waited for.
    func vacuum(ifDeadRowsExceed deadRows: Int) async throws {
        let dead: Int64 =
            try await self.database.query(
                "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'job_queue'::regclass"
            ).first?.decode("n_dead_tup") ?? 0
        guard dead > deadRows else { return }
        try await self.database.execute("VACUUM (ANALYZE, SKIP_LOCKED) job_queue")
    }

    /// Tells watchers that these rows changed, and workers when some went back to the queue.
    private func announce(_ rows: [PostgresRow]) throws {
        guard !rows.isEmpty else { return }
        self.notifications.changed(try rows.map { try $0.decode("id", as: UUID.self) })
        if rows.first?.columnNames.contains("status") == true,
            try rows.contains(where: { try $0.decode("status", as: String.self) == "queued" })
        {
            self.notifications.queued()
        }
    }

    private static func unsettled(_ rows: [PostgresRow]) throws -> [Unsettled] {
        try rows.compactMap { row in
            let credits: String = try row.decode("credits")
            guard credits == "capture_pending" || credits == "release_pending",
                let hold: String = try row.decodeIfPresent("hold_id")
            else { return nil }
            return Unsettled(
                id: try row.decode("id"), payerID: try row.decode("payer_id"), holdID: hold,
                capture: credits == "capture_pending", amount: try row.decode("quoted_credits"))
        }
    }
}

extension Duration {
    var milliseconds: Int64 { self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000 }
}
