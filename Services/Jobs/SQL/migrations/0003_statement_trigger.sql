-- previous checksum: 3066be39d745220f (this migration's functions moved to SQL/functions/)
DROP TRIGGER jobs_changed ON jobs;
-- The queue's head is read from jobs_claim, priority by priority (Submissions).
DROP INDEX jobs_head;
DROP FUNCTION jobs_changed();

CREATE TRIGGER jobs_transitions AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_transitions();
