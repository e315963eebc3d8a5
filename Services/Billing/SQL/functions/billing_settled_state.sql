-- The state a settlement leaves its hold in.
CREATE OR REPLACE FUNCTION billing_settled_state(method text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE method WHEN 'Capture' THEN 'captured' WHEN 'Release' THEN 'released' WHEN 'Expire' THEN 'expired' END
$$;
