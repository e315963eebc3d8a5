import Postgres

/// The submission (`Submissions.insert`): a plan's jobs, their batch and their queue rows in one
/// statement, numbered for fair queuing. Two texts: a single job's answers its row (JobRecord), a
/// batch's answers nothing (it is read back as a batch).
///
/// Prepared: none of its values shapes its plan, so PostgreSQL settles on a generic plan after its
/// first runs. As a plain query it was parsed and planned at every submission (0.27 ms of 3.3 ms
/// for a batch of 50, docs/performance.md, session 11).
///
/// The queue's head is the lowest fair_seq still queued: the first of each priority's run in
/// the claim index, four probes. (A plain min() read every queued entry of the index — 31 ms
/// a submission behind a backlog of 20,000 jobs.) The batch row is inserted by the same
/// statement as its jobs; that is why `jobs.batch_id` needs no foreign key (Jobs migration 8).
enum SubmissionStatements {
    static let insertBatch = PostgresPreparedStatement(insert(returningJob: false))
    static let insertJob = PostgresPreparedStatement(insert(returningJob: true))

    private static func insert(returningJob: Bool) -> String {
        """
        WITH batch AS (
            INSERT INTO batches (id, owner_id, tool, lane, job_count, remaining, quoted_credits, idempotency_key, request)
            SELECT $2, $1, $3, $5, $8, $8, $19, $20, $21 WHERE $2::uuid IS NOT NULL
        ), head AS (
            SELECT coalesce(min((SELECT fair_seq FROM job_queue WHERE worker IS NULL AND priority = p ORDER BY fair_seq LIMIT 1)), 0) AS seq
            FROM generate_series(0, 3) AS p
        ), queue AS (
            INSERT INTO owner_queues AS q (owner_id, last_seq) SELECT $1, head.seq + $8 FROM head
            ON CONFLICT (owner_id) DO UPDATE SET last_seq = greatest(q.last_seq + $8, excluded.last_seq)
            RETURNING last_seq - $8 AS base
        ), inserted AS (
            INSERT INTO jobs AS j (id, owner_id, batch_id, tool, steps, input_blob_ids, lane, tier, priority, fair_seq, max_output_edge,
                                   delete_originals, max_attempts, quoted_credits, hold_id, credits, deadline, idempotency_key, request, payer_id,
                                   trace_parent, title)
            SELECT d.id, $1, $2, $3, $4::jsonb, d.inputs::text[], $5, $6, $7, queue.base + d.n, $9, $10, $11, d.credits,
                   nullif(d.hold, ''), CASE WHEN d.hold = '' THEN 'none' ELSE 'held' END,
                   now() + $12 * interval '1 second', $13, $14, $22, $23, d.title
            FROM unnest($15::uuid[], $16::text[], $17::bigint[], $18::text[], $24::text[])
                WITH ORDINALITY AS d(id, inputs, credits, hold, title, n), queue
            RETURNING j.id AS queue_job_id, j.fair_seq AS queue_seq, j.run_after AS queue_run_after, j.deadline AS queue_deadline\(returningJob ? ", " + JobRecord.insertedColumns : "")
        ), queued AS (
            INSERT INTO job_queue (job_id, owner_id, priority, fair_seq, run_after, deadline)
            SELECT queue_job_id, $1, $7, queue_seq, queue_run_after, queue_deadline FROM inserted
        )
        SELECT * FROM inserted\(returningJob ? "" : " WHERE false")
        """
    }
}
