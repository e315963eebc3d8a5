import Postgres

/// Storage's tables, in the `storage` database that only Storage reads.
enum StorageSchema {
    static let migrations = [
        Migration(version: 1, name: "blobs", sql: """
            CREATE TABLE blobs (
                id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                purpose text NOT NULL CHECK (purpose IN ('upload', 'result', 'thumbnail', 'avatar', 'training')),
                content_type text NOT NULL,
                byte_size bigint NOT NULL CHECK (byte_size >= 0),
                sha256 text NOT NULL,
                display_name text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz
            );
            CREATE INDEX blobs_owner ON blobs (owner_id, created_at DESC);
            """),
        Migration(version: 2, name: "uploads, dimensions, expiry, signing secret", sql: """
            ALTER TABLE blobs ADD COLUMN width integer NOT NULL DEFAULT 0, ADD COLUMN height integer NOT NULL DEFAULT 0;
            -- Objects are shared by content: deleting a blob removes the object only when no other blob names it.
            CREATE INDEX blobs_sha256 ON blobs (sha256);
            CREATE INDEX blobs_expiry ON blobs (expires_at) WHERE expires_at IS NOT NULL;
            -- An upload in progress; its bytes are the staging file named by its id. Kept after the
            -- commit (blob_id set) until it expires, so that a retried commit returns the same blob.
            CREATE TABLE uploads (
                id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                purpose text NOT NULL CHECK (purpose IN ('upload', 'result', 'thumbnail', 'avatar', 'training')),
                display_name text NOT NULL DEFAULT '',
                expected_size bigint NOT NULL DEFAULT 0 CHECK (expected_size >= 0),
                blob_lifetime_s bigint NOT NULL DEFAULT 0,
                idempotency_key text,
                blob_id uuid,
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                UNIQUE (owner_id, idempotency_key)
            );
            CREATE INDEX uploads_expiry ON uploads (expires_at);
            -- The key that signs download links when STORAGE_URL_SIGNING_KEY is not set.
            CREATE TABLE signing_secret (
                id integer PRIMARY KEY CHECK (id = 1),
                secret bytea NOT NULL
            );
            """),
        // The quota check summed all of an owner's blobs, three times per upload: O(files) per upload,
        // 1,232 rows read per resize job in the Jobs benchmark once its account had a few hundred
        // files (docs/performance.md). A trigger keeps each owner's totals in the same transaction as
        // every insert, delete or resize of a blob; the check reads one row.
        Migration(version: 3, name: "owner usage", sql: """
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
            """),
        // Sealing an upload took six round trips after the object was stored (quota lock, usage,
        // insert, link, read back); each is a hop to a libpq thread and back in Storage. The quota
        // check and the writes are one call now. The function's statements each take a fresh
        // snapshot, so the usage it reads is the one committed before the lock was granted.
        Migration(version: 4, name: "seal in one call", sql: """
            -- Stores the blob row of `upload` when the owner's usage plus `size` fits `quota`, under the
            -- owner's quota lock (held to the end of the transaction); answers the row, or none when
            -- the quota refuses it (nothing written).
            CREATE FUNCTION storage_seal(upload uuid, blob uuid, owner text, kind text, mime text, size bigint, digest text,
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
            """),
    ]
}
