-- Blobs their owners shared with a team (BlobShares.swift): the team's members may read them.
-- No foreign key to blobs: adding one locks blobs against writes, and beside the previous release
-- (a rolling upgrade) that lock deadlocked its uploads' commits. `remove` deletes a blob's shares
-- with the blob, and reads join blobs, so a share never outlives what it names.
CREATE TABLE blob_shares (
    blob_id uuid NOT NULL,
    team_id text NOT NULL,
    shared_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blob_id, team_id)
);
CREATE INDEX blob_shares_team ON blob_shares (team_id, blob_id);
