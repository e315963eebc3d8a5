-- How final jobs moved their batches, not yet applied to batches.remaining.
CREATE TABLE batch_progress (batch_id uuid NOT NULL, delta integer NOT NULL);

CREATE OR REPLACE FUNCTION jobs_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM new_jobs n JOIN old_jobs o ON o.id = n.id
        WHERE jobs_final(o.status) <> jobs_final(n.status)
    ) THEN
        RETURN NULL;
    END IF;

    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
    SELECT w.id, n.owner_id, 'job.' || n.status, jobs_delivery_payload('job.' || n.status, jsonb_build_object(
        'job_id', n.id, 'status', n.status, 'tool', n.tool, 'batch_id', n.batch_id,
        'output_blob_ids', to_jsonb(n.output_blob_ids), 'error', n.last_error,
        'quoted_credits', n.quoted_credits, 'charged_credits', n.charged_credits))
    FROM new_jobs n JOIN old_jobs o ON o.id = n.id JOIN webhooks w ON w.owner_id = n.owner_id
    WHERE jobs_final(n.status) AND NOT jobs_final(o.status)
          AND (cardinality(w.events) = 0 OR 'job.' || n.status = ANY (w.events));

    -- -1 for each job that became final, +1 for each final job queued again (an admin's retry).
    INSERT INTO batch_progress (batch_id, delta)
    SELECT n.batch_id, sum(CASE WHEN jobs_final(o.status) THEN 1 ELSE -1 END)::integer
    FROM new_jobs n JOIN old_jobs o ON o.id = n.id
    WHERE n.batch_id IS NOT NULL AND jobs_final(o.status) <> jobs_final(n.status)
    GROUP BY n.batch_id;
    RETURN NULL;
END $$;

-- Applies the logged progress: each batch moves once by the sum of its entries, and one that
-- reached zero gets its batch.completed deliveries. One process counts at a time (the others
-- skip the round), and a DELETE's snapshot holds whole committed statements, so `remaining`
-- only ever takes values it would have had with the per-statement update. Answers how many
-- batches moved.
CREATE FUNCTION jobs_count_batches() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    moved_batches integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('jobs_count_batches')) THEN
        RETURN 0;
    END IF;
    WITH taken AS (
        DELETE FROM batch_progress RETURNING batch_id, delta
    ), moved AS (
        SELECT batch_id, sum(delta)::integer AS delta FROM taken GROUP BY batch_id
    ), counted AS (
        UPDATE batches b SET remaining = b.remaining + m.delta FROM moved m
        WHERE b.id = m.batch_id
        RETURNING b.id, b.owner_id, b.remaining, m.delta
    ), delivered AS (
        INSERT INTO deliveries (webhook_id, owner_id, event, payload)
        SELECT w.id, c.owner_id, 'batch.completed', jobs_delivery_payload('batch.completed', jsonb_build_object('batch_id', c.id))
        FROM counted c JOIN webhooks w ON w.owner_id = c.owner_id
        WHERE c.remaining = 0 AND c.delta < 0
              AND (cardinality(w.events) = 0 OR 'batch.completed' = ANY (w.events))
    )
    SELECT count(*) INTO moved_batches FROM counted;
    RETURN moved_batches;
END $$;
