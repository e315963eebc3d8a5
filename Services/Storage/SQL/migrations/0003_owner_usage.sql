-- previous checksum: 78d8401c2c86af81 (this migration's functions moved to SQL/functions/)
CREATE TABLE owner_usage (
    owner_id text PRIMARY KEY,
    bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    blobs bigint NOT NULL DEFAULT 0 CHECK (blobs >= 0)
);
INSERT INTO owner_usage (owner_id, bytes, blobs) SELECT owner_id, sum(byte_size), count(*) FROM blobs GROUP BY owner_id;
CREATE TRIGGER blobs_usage AFTER INSERT OR DELETE OR UPDATE OF owner_id, byte_size ON blobs
    FOR EACH ROW EXECUTE FUNCTION blobs_count_usage();
