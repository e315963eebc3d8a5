DROP TRIGGER jobs_changed ON jobs;
-- The queue's head is read from jobs_claim, priority by priority (Submissions).
DROP INDEX jobs_head;
DROP FUNCTION jobs_changed();

-- A webhook delivery's body: the envelope every event shares.
CREATE FUNCTION jobs_delivery_payload(event text, data jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'id', gen_random_uuid(), 'type', event,
        'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'data', data)::text
$$;
CREATE OR REPLACE FUNCTION jobs_enqueue_deliveries(owner text, event text, data jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
    SELECT w.id, owner, event, jobs_delivery_payload(event, data)
    FROM webhooks w
    WHERE w.owner_id = owner AND (cardinality(w.events) = 0 OR event = ANY (w.events))
$$;

-- Whether a status is final (inlined where it is used).
CREATE FUNCTION jobs_final(status text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT status IN ('succeeded', 'failed', 'canceled', 'expired')
$$;

-- The jobs of one UPDATE whose finality changed: delta -1 when a job became final, +1 when a
-- final job went back to the queue (an admin's retry).
CREATE FUNCTION jobs_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
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

    -- Locks first, in id order, so that two statements never wait on each other's batches.
    -- (= ANY of an array: an IN over the transition table planned a scan of every batch.)
    PERFORM 1 FROM batches WHERE id = ANY (ARRAY(SELECT DISTINCT batch_id FROM new_jobs WHERE batch_id IS NOT NULL))
    ORDER BY id FOR UPDATE;
    WITH moved AS (
        SELECT n.batch_id,
               sum(CASE WHEN jobs_final(o.status) THEN 1 ELSE -1 END)::integer AS delta
        FROM new_jobs n JOIN old_jobs o ON o.id = n.id
        WHERE n.batch_id IS NOT NULL AND jobs_final(o.status) <> jobs_final(n.status)
        GROUP BY n.batch_id
    ), counted AS (
        UPDATE batches b SET remaining = b.remaining + m.delta FROM moved m
        WHERE b.id = m.batch_id
        RETURNING b.id, b.owner_id, b.remaining, m.delta
    )
    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
    SELECT w.id, c.owner_id, 'batch.completed', jobs_delivery_payload('batch.completed', jsonb_build_object('batch_id', c.id))
    FROM counted c JOIN webhooks w ON w.owner_id = c.owner_id
    WHERE c.remaining = 0 AND c.delta < 0
          AND (cardinality(w.events) = 0 OR 'batch.completed' = ANY (w.events));
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_transitions AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_transitions();
