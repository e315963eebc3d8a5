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
