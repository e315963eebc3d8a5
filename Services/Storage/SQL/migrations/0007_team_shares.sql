-- Blobs their owners shared with a team (BlobShares.swift): the team's members may read them.
CREATE TABLE blob_shares (
    blob_id uuid NOT NULL REFERENCES blobs ON DELETE CASCADE,
    team_id text NOT NULL,
    shared_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blob_id, team_id)
);
CREATE INDEX blob_shares_team ON blob_shares (team_id, blob_id);
