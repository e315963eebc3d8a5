-- URL transformations (Transformations/): a derivative is a blob made from one of its owner's
-- files by a canonical transformation, one per file and transformation, removed with the file.
-- Neither `blobs` nor `uploads` is altered: beside the previous release, any lock on them here
-- (this migration runs in one transaction with 0005, whose foreign key locks `uploads`) deadlocked
-- its upload commits, and columns added to `blobs` broke its storage_seal (SETOF blobs). So a
-- derivative's rows say "result" and this table says which results are derivatives, of what.
-- No foreign key (as 0007).
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
