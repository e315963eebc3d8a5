DROP INDEX jobs_deadline;
CREATE INDEX jobs_deadline ON jobs (deadline) WHERE status = 'queued' AND deadline IS NOT NULL;

-- A batch's jobs have no key of their own: their NULLs took an entry at every insert and update.
ALTER TABLE jobs DROP CONSTRAINT jobs_owner_id_idempotency_key_key;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
