-- When the job first started (kept across its attempts) and when this run was claimed.
ALTER TABLE job_queue ADD COLUMN started_at timestamptz, ADD COLUMN claimed_at timestamptz;
UPDATE job_queue q SET started_at = j.started_at, claimed_at = CASE WHEN q.worker IS NOT NULL THEN j.updated_at END
FROM jobs j WHERE j.id = q.job_id;
UPDATE jobs j SET status = 'queued', attempts = greatest(j.attempts - 1, 0)
FROM job_queue q WHERE q.job_id = j.id AND j.status = 'running';
-- The worker holding a job is its queue row's `worker`.
ALTER TABLE jobs DROP COLUMN lease_owner;
-- The claim counts running jobs itself (ClaimStatements).
DROP FUNCTION jobs_running_owners(uuid[]);
