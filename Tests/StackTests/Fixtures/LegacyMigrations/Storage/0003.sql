CREATE TABLE owner_usage (
    owner_id text PRIMARY KEY,
    bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    blobs bigint NOT NULL DEFAULT 0 CHECK (blobs >= 0)
);
INSERT INTO owner_usage (owner_id, bytes, blobs) SELECT owner_id, sum(byte_size), count(*) FROM blobs GROUP BY owner_id;
CREATE FUNCTION blobs_count_usage() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER blobs_usage AFTER INSERT OR DELETE OR UPDATE OF owner_id, byte_size ON blobs
    FOR EACH ROW EXECUTE FUNCTION blobs_count_usage();
