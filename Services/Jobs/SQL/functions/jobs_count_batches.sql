-- Applies the logged progress: each batch moves once by the sum of its entries, and one that
-- reached zero gets its batch.completed deliveries and notice. One process counts at a time (the others
-- skip the round), and a DELETE's snapshot holds whole committed statements, so `remaining`
-- only ever takes values it would have had with the per-statement update. Answers how many
-- batches moved.
CREATE OR REPLACE FUNCTION jobs_count_batches() RETURNS integer LANGUAGE plpgsql AS $$
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
        -- The batch's jobs share the trace of the request that submitted them.
        INSERT INTO deliveries (webhook_id, owner_id, event, payload, trace_parent)
        SELECT w.id, c.owner_id, 'batch.completed', jobs_delivery_payload('batch.completed', jsonb_build_object('batch_id', c.id)),
               (SELECT j.trace_parent FROM jobs j WHERE j.batch_id = c.id LIMIT 1)
        FROM counted c JOIN webhooks w ON w.owner_id = c.owner_id
        WHERE c.remaining = 0 AND c.delta < 0
              AND (cardinality(w.events) = 0 OR 'batch.completed' = ANY (w.events))
    ), noticed AS (
        -- Its owner is told once (NoticeSender), even when an admin's retry completes it again.
        INSERT INTO notices (owner_id, kind, event_key, params)
        SELECT c.owner_id, 'batch_completed', 'batch:' || c.id, jsonb_build_object('batch_id', c.id)
        FROM counted c WHERE c.remaining = 0 AND c.delta < 0
        ON CONFLICT (event_key) DO NOTHING
    )
    SELECT count(*) INTO moved_batches FROM counted;
    RETURN moved_batches;
END $$;
