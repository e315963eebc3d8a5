CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    tool text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'expired')),
    idempotency_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX jobs_queued ON jobs (created_at) WHERE status = 'queued';
