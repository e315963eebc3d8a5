-- Jobs a user starred, kept on the server so every browser and the API see the same favourites
-- (the web app kept them in one browser's localStorage before). A row per starred job; unstarring
-- deletes it; deleting the job deletes it.
CREATE TABLE favourites (
    job_id uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    owner_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX favourites_owner ON favourites (owner_id, created_at DESC);
