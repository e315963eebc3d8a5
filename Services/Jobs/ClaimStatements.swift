import Postgres

/// The claim (`JobQueue.claim`): jobs by priority, then fair sequence, at most the running limit
/// (`$3`) per user, skipping rows another worker is claiming, the first `$2` leased to worker `$1`
/// for `$4` seconds. Only their queue rows change: a job's `jobs` row says `queued` until its run
/// ends, and readers see it running through its queue row (`JobRecord.source`, Jobs migration 9).
///
/// The queue is read from its head, at most `$6` entries (NULL: as far as it takes). Fair sequencing
/// interleaves users near the head, so a few entries usually hold enough jobs of users below their
/// limit; but when every waiting user is at the limit, no depth finds one, and an unbounded claim
/// read the whole queue to claim nothing (74,000 entries, 177 ms, with 150,000 jobs of 8 users
/// queued). `Worker` bounds its claims, and once a second at most claims what a bounded claim left
/// unfilled without the bound, so that jobs behind a long run of a busy user's are still found.
///
/// Prepared: its plan does not depend on its values, and it runs on `QueueConnections`, which plan
/// it once per connection (left to itself, PostgreSQL planned it afresh on every run). Users
/// already at their limit are left out before rows are locked (every locked row costs a WAL
/// record). `busy` is computed once, in the statement: the queue connections' `enable_seqscan = off`
/// keep it on the running jobs' index whatever the statistics said when it was planned. (It was a
/// SQL function with that setting of its own, which PostgreSQL parsed and planned at every claim.)
/// Every look-up by id is `= ANY (ARRAY(…))`, an index condition whatever the plan: a join there
/// let the plan made once per connection scan the whole queue for each claim. After the queue was
/// vacuumed empty (ANALYZE then says it holds no rows) PostgreSQL joined the leased rows by reading
/// every entry of `job_queue_pkey`, and that plan served the next flood of 150,000 jobs until the
/// next ANALYZE: a drain at 0.40x of its usual speed (docs/performance.md, Jobs, session 14).
/// Runs of this worker that finished and whose end is being written (`$5`) do not count: a claim
/// made while they were still running found their user at the limit and came back empty.
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
               j.max_output_edge, j.delete_originals
        FROM jobs j WHERE j.id = ANY (ARRAY(SELECT job_id FROM leased))
        """)

    /// Rechecked on the locked row (another claim may have leased it since it was read). Written so
    /// that no partial index's predicate follows from it: the lock is then taken through the primary
    /// key. Until job_queue is first analyzed the planner takes `worker IS NULL` to hold for 0.5 % of
    /// the rows, and with `worker IS NULL` here it read all of job_queue_claim (157,000 entries) to
    /// find 64 ids.
    private static let stillQueued = "num_nulls(worker) = 1"
}
