CREATE OR REPLACE FUNCTION blobs_count_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE owner_usage SET bytes = bytes - OLD.byte_size, blobs = blobs - 1 WHERE owner_id = OLD.owner_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO owner_usage AS u (owner_id, bytes, blobs) VALUES (NEW.owner_id, NEW.byte_size, 1)
        ON CONFLICT (owner_id) DO UPDATE SET bytes = u.bytes + EXCLUDED.bytes, blobs = u.blobs + 1;
    END IF;
    RETURN NULL;
END $$;
