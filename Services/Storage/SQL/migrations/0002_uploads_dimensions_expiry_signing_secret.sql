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
