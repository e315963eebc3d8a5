-- A webhook delivery's body: the envelope every event shares.
CREATE OR REPLACE FUNCTION jobs_delivery_payload(event text, data jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'id', gen_random_uuid(), 'type', event,
        'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'data', data)::text
$$;
