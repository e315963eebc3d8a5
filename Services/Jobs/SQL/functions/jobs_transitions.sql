CREATE OR REPLACE FUNCTION jobs_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_jobs WHERE jobs_final(status))
       AND NOT EXISTS (SELECT 1 FROM old_jobs WHERE jobs_final(status)) THEN
        RETURN NULL;
    END IF;

    WITH moved AS MATERIALIZED (
        SELECT n.id, n.owner_id, n.status, n.tool, n.batch_id, n.output_blob_ids, n.last_error,
               n.quoted_credits, n.charged_credits, n.trace_parent, jobs_final(o.status) AS was_final
        FROM new_jobs n JOIN old_jobs o ON o.id = n.id
        WHERE jobs_final(o.status) <> jobs_final(n.status)
    ), delivered AS (
        INSERT INTO deliveries (webhook_id, owner_id, event, payload, trace_parent)
        SELECT w.id, m.owner_id, 'job.' || m.status, jobs_delivery_payload('job.' || m.status, jsonb_build_object(
            'job_id', m.id, 'status', m.status, 'tool', m.tool, 'batch_id', m.batch_id,
            'output_blob_ids', to_jsonb(m.output_blob_ids), 'error', m.last_error,
            'quoted_credits', m.quoted_credits, 'charged_credits', m.charged_credits)), m.trace_parent
        FROM moved m JOIN webhooks w ON w.owner_id = m.owner_id
        WHERE NOT m.was_final AND (cardinality(w.events) = 0 OR 'job.' || m.status = ANY (w.events))
    ), noticed AS (
        -- A single job's failure is told to its owner (NoticeSender); a batch's failures are
        -- counted in its batch_completed notice instead.
        INSERT INTO notices (owner_id, kind, event_key, params)
        SELECT m.owner_id, 'job_failed', 'job-failed:' || m.id, jsonb_build_object(
            'job_id', m.id, 'tool', m.tool, 'error', left(coalesce(m.last_error, ''), 300))
        FROM moved m WHERE m.status = 'failed' AND NOT m.was_final AND m.batch_id IS NULL
        ON CONFLICT (event_key) DO NOTHING
    )
    -- -1 for each job that became final, +1 for each final job queued again (an admin's retry).
    INSERT INTO batch_progress (batch_id, delta)
    SELECT batch_id, sum(CASE WHEN was_final THEN 1 ELSE -1 END)::integer
    FROM moved WHERE batch_id IS NOT NULL GROUP BY batch_id;
    RETURN NULL;
END $$;
