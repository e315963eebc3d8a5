-- URL transformations (Transformations/): a derivative is a blob made from one of its owner's
-- files by a canonical transformation, one per file and transformation, removed with the file.
-- Only `blobs` is altered: beside the previous release, altering `uploads` too deadlocked its
-- commits (they lock uploads, then blobs, then uploads again); a derivative's upload row says
-- "result" (Uploads.swift). NOT VALID: no scan under the lock.
ALTER TABLE blobs DROP CONSTRAINT blobs_purpose_check,
    ADD CONSTRAINT blobs_purpose_check
        CHECK (purpose IN ('upload', 'result', 'thumbnail', 'avatar', 'training', 'derivative')) NOT VALID,
    ADD COLUMN derived_from uuid,
    ADD COLUMN transform text;
CREATE UNIQUE INDEX blobs_derivatives ON blobs (derived_from, transform) WHERE derived_from IS NOT NULL;
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
