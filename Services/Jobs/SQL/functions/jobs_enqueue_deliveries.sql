CREATE OR REPLACE FUNCTION jobs_enqueue_deliveries(owner text, event text, data jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
    SELECT w.id, owner, event, jobs_delivery_payload(event, data)
    FROM webhooks w
    WHERE w.owner_id = owner AND (cardinality(w.events) = 0 OR event = ANY (w.events))
$$;
