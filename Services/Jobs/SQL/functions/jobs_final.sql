-- Whether a status is final (inlined where it is used).
CREATE OR REPLACE FUNCTION jobs_final(status text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT status IN ('succeeded', 'failed', 'canceled', 'expired')
$$;
