CREATE TABLE job_queue (
    job_id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    priority smallint NOT NULL,
    fair_seq bigint NOT NULL,
    run_after timestamptz NOT NULL,
    deadline timestamptz NOT NULL,
    -- NULL while queued; the worker holding it and its lease while running.
    worker text,
    lease_expires timestamptz,
    CHECK ((worker IS NULL) = (lease_expires IS NULL))
);
CREATE INDEX job_queue_claim ON job_queue (priority, fair_seq) WHERE worker IS NULL;
-- `deadline IS NOT NULL` keeps the claim off this index (migration 5).
CREATE INDEX job_queue_deadline ON job_queue (deadline) WHERE worker IS NULL AND deadline IS NOT NULL;
CREATE INDEX job_queue_leases ON job_queue (lease_expires) WHERE worker IS NOT NULL;
CREATE INDEX job_queue_running ON job_queue (owner_id) WHERE worker IS NOT NULL;

-- Running jobs per owner (leaving out `excluded`), for the claim; always through
-- job_queue_running. Until autovacuum first analyzes job_queue (up to a minute after a
-- burst of submissions) the planner takes `worker IS NOT NULL` to hold for nearly every row
-- and read the whole queue instead: 14–29 ms a claim behind a backlog of 150,000 jobs.
CREATE FUNCTION jobs_running_owners(excluded uuid[]) RETURNS TABLE (owner_id text, running bigint)
LANGUAGE sql STABLE SET enable_seqscan = off AS $$
    SELECT owner_id, count(*) FROM job_queue WHERE worker IS NOT NULL AND job_id <> ALL (excluded) GROUP BY owner_id
$$;

INSERT INTO job_queue (job_id, owner_id, priority, fair_seq, run_after, deadline, worker, lease_expires)
SELECT id, owner_id, priority, fair_seq, run_after, deadline,
       CASE WHEN status = 'running' THEN coalesce(lease_owner, '') END,
       CASE WHEN status = 'running' THEN coalesce(lease_expires, now()) END
FROM jobs WHERE status IN ('queued', 'running');

DROP INDEX jobs_claim;
DROP INDEX jobs_deadline;
DROP INDEX jobs_leases;
DROP INDEX jobs_running_owner;
-- By id, not updated_at: every update sets updated_at, and an indexed column that changes
-- rules out a HOT update. The settler's rows are few; it sorts them itself.
DROP INDEX jobs_unsettled;
CREATE INDEX jobs_unsettled ON jobs (id) WHERE credits IN ('capture_pending', 'release_pending');
ALTER TABLE jobs DROP COLUMN lease_expires;
-- Half of each new page is left for later versions of its rows (claim, end, settlement).
ALTER TABLE jobs SET (fillfactor = 50);
