-- URL transformations (Transformations/): a derivative is a blob made from one of its owner's
-- files by a canonical transformation, one per file and transformation, removed with the file.
-- `blobs` keeps its columns: the previous release's storage_seal returns SETOF blobs, and a
-- commit in flight while columns were added failed ("wrong record type supplied in RETURN NEXT").
-- Only its purpose check is replaced (NOT VALID: no scan under the lock); `uploads` is not
-- altered: beside the previous release that deadlocked its commits (they lock uploads, then
-- blobs, then uploads again), so a derivative's upload row says "result" (Uploads.swift).
ALTER TABLE blobs DROP CONSTRAINT blobs_purpose_check,
    ADD CONSTRAINT blobs_purpose_check
        CHECK (purpose IN ('upload', 'result', 'thumbnail', 'avatar', 'training', 'derivative')) NOT VALID;
-- Which file and transformation each derivative blob was made from. No foreign key (as 0007).
CREATE TABLE derivatives (
    blob_id uuid PRIMARY KEY,
    source_id uuid NOT NULL,
    transform text NOT NULL,
    UNIQUE (source_id, transform)
);
-- An owner's keys for signing transformation links; every one of them verifies, the newest signs.
CREATE TABLE transform_keys (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    secret text NOT NULL,
    idempotency_key text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX transform_keys_owner ON transform_keys (owner_id, created_at DESC);
-- An owner's named option sets (`pr:thumb` in a link).
CREATE TABLE transform_presets (
    owner_id text NOT NULL,
    name text NOT NULL,
    options text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, name)
);
