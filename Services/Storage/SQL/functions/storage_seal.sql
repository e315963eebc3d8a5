-- Stores the blob row of `upload` when the owner's usage plus `size` fits `quota`, under the
-- owner's quota lock (held to the end of the transaction); answers the row, or none when
-- the quota refuses it (nothing written).
CREATE OR REPLACE FUNCTION storage_seal(upload uuid, blob uuid, owner text, kind text, mime text, size bigint, digest text,
                                        name text, w integer, h integer, lifetime_s bigint, quota bigint)
RETURNS SETOF blobs LANGUAGE plpgsql AS $$
DECLARE
    stored blobs;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('quota:' || owner));
    IF coalesce((SELECT u.bytes FROM owner_usage u WHERE u.owner_id = owner), 0) + size > quota THEN
        RETURN;
    END IF;
    INSERT INTO blobs (id, owner_id, purpose, content_type, byte_size, sha256, display_name, width, height, expires_at)
    VALUES (blob, owner, kind, mime, size, digest, name, w, h, now() + make_interval(secs => lifetime_s))
    RETURNING * INTO stored;
    UPDATE uploads SET blob_id = blob WHERE id = upload;
    RETURN NEXT stored;
END $$;
