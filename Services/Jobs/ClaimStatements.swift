import Postgres

/// The claim (`JobQueue.claim`): jobs by priority, then fair sequence, at most the running limit
/// (`$3`) per user, skipping rows another worker is claiming, the first `$2` leased to worker `$1`
/// for `$4` seconds. Only their queue rows change: a job's `jobs` row says `queued` until its run
/// ends, and readers see it running through its queue row (`JobRecord.source`).
///
/// Why it is written this way (the measurements behind each point: docs/performance.md, "Jobs: how
/// the claim came to be written as it is"):
/// - it reads at most `$6` entries from the queue's head (NULL: as far as it takes), so that a queue
///   whose waiting users are all at their limit is not read whole to claim nothing;
/// - it is prepared once per queue connection, and users at their limit are left out before rows
///   are locked;
/// - every look-up by id is `= ANY (ARRAY(…))`, an index condition whatever plan the connection made;
/// - runs of this worker whose end is being written (`$5`) do not count against their user.
enum ClaimStatements {
    static let claim = PostgresPreparedStatement(
        """
        WITH busy AS MATERIALIZED (
            SELECT owner_id, count(*) AS running FROM job_queue
            WHERE worker IS NOT NULL AND job_id <> ALL ($5::uuid[]) GROUP BY owner_id
        ), head AS (
            SELECT job_id, owner_id FROM job_queue
            WHERE worker IS NULL AND run_after <= now() ORDER BY priority, fair_seq LIMIT $6
        ), candidates AS (
            SELECT job_id, owner_id, priority, fair_seq FROM job_queue
            WHERE job_id = ANY (ARRAY(
                SELECT job_id FROM head WHERE owner_id NOT IN (SELECT owner_id FROM busy WHERE running >= $3) LIMIT $2 * 2
            )) AND \(Self.stillQueued)
            FOR UPDATE SKIP LOCKED
        ), ranked AS (
            SELECT c.job_id, c.priority, c.fair_seq,
                   row_number() OVER (PARTITION BY c.owner_id ORDER BY c.priority, c.fair_seq) + coalesce(b.running, 0) AS slot
            FROM candidates c LEFT JOIN busy b USING (owner_id)
        ), chosen AS (
            SELECT job_id FROM ranked WHERE slot <= $3 ORDER BY priority, fair_seq LIMIT $2
        ), leased AS (
            UPDATE job_queue q SET worker = $1, lease_expires = now() + $4 * interval '1 second',
                claimed_at = now(), started_at = coalesce(q.started_at, now())
            WHERE q.job_id = ANY (ARRAY(SELECT job_id FROM chosen)) RETURNING q.job_id
        )
        SELECT j.id, j.owner_id, j.tier, j.steps::text AS steps, j.input_blob_ids::text AS inputs, j.attempts + 1 AS attempt,
               j.max_output_edge, j.delete_originals, j.trace_parent
        FROM jobs j WHERE j.id = ANY (ARRAY(SELECT job_id FROM leased))
        """)

    /// Rechecked on the locked row (another claim may have leased it since it was read). Written so
    /// that no partial index's predicate follows from it: the lock is then taken through the primary
    /// key. Until job_queue is first analyzed the planner takes `worker IS NULL` to hold for 0.5 % of
    /// the rows, and with `worker IS NULL` here it read all of job_queue_claim (157,000 entries) to
    /// find 64 ids.
    private static let stillQueued = "num_nulls(worker) = 1"
}
