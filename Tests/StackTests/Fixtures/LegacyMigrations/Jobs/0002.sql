DROP TABLE jobs;

CREATE TABLE batches (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    tool text NOT NULL,
    lane text NOT NULL,
    job_count integer NOT NULL CHECK (job_count > 0),
    -- Jobs not yet final; batch.completed is sent when it reaches 0.
    remaining integer NOT NULL CHECK (remaining >= 0),
    quoted_credits bigint NOT NULL,
    idempotency_key text NOT NULL,
    request bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX batches_owner ON batches (owner_id, created_at DESC, id);

CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    batch_id uuid REFERENCES batches,
    tool text NOT NULL,
    steps jsonb NOT NULL,
    input_blob_ids text[] NOT NULL,
    output_blob_ids text[] NOT NULL DEFAULT '{}',
    thumbnail_blob_ids text[] NOT NULL DEFAULT '{}',
    result_json text NOT NULL DEFAULT '',
    lane text NOT NULL CHECK (lane IN ('fast', 'batch')),
    tier text NOT NULL,
    -- Lower runs first: fast lane before batch lane, paid tiers before free within a lane.
    priority smallint NOT NULL,
    -- Fair queuing: a user's jobs are numbered from the queue's current head, so one
    -- user's long batch interleaves with everyone else's jobs instead of going first.
    fair_seq bigint NOT NULL,
    max_output_edge integer NOT NULL DEFAULT 0,
    delete_originals boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'expired')),
    progress_percent smallint NOT NULL DEFAULT 0,
    progress_message text NOT NULL DEFAULT '',
    attempts integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL,
    last_error text NOT NULL DEFAULT '',
    quoted_credits bigint NOT NULL CHECK (quoted_credits >= 0),
    charged_credits bigint NOT NULL DEFAULT 0,
    hold_id text,
    -- none: free; held: reserved at submit; *_pending: the job is final and Billing is
    -- still to hear it (the settler retries); captured or released once Billing answered.
    credits text NOT NULL
        CHECK (credits IN ('none', 'held', 'capture_pending', 'release_pending', 'captured', 'released')),
    run_after timestamptz NOT NULL DEFAULT now(),
    deadline timestamptz NOT NULL,
    lease_owner text,
    lease_expires timestamptz,
    idempotency_key text,
    request bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, idempotency_key)
);
CREATE INDEX jobs_claim ON jobs (priority, fair_seq) WHERE status = 'queued';
CREATE INDEX jobs_head ON jobs (fair_seq) WHERE status = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_expires) WHERE status = 'running';
CREATE INDEX jobs_running_owner ON jobs (owner_id) WHERE status = 'running';
CREATE INDEX jobs_deadline ON jobs (deadline) WHERE status = 'queued';
CREATE INDEX jobs_owner ON jobs (owner_id, created_at DESC, id);
CREATE INDEX jobs_created ON jobs (created_at DESC, id);
CREATE INDEX jobs_batch ON jobs (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX jobs_unsettled ON jobs (updated_at) WHERE credits IN ('capture_pending', 'release_pending');

-- The last fair_seq given to each user's jobs.
CREATE TABLE owner_queues (owner_id text PRIMARY KEY, last_seq bigint NOT NULL);

CREATE TABLE webhooks (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_owner ON webhooks (owner_id);

CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    webhook_id uuid NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    owner_id text NOT NULL,
    event text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_status_code integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id DESC);

CREATE TABLE idempotency_keys (
    caller text NOT NULL,
    method text NOT NULL,
    key text NOT NULL,
    request bytea NOT NULL,
    response bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, method, key)
);

-- How far Jobs has read Billing's event feed (low-balance warnings).
CREATE TABLE feed_cursors (name text PRIMARY KEY, position bigint NOT NULL);

-- Deliveries for one event to every webhook of `owner` that wants it.
CREATE FUNCTION jobs_enqueue_deliveries(owner text, event text, data jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
    SELECT w.id, owner, event, jsonb_build_object(
        'id', gen_random_uuid(), 'type', event,
        'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'data', data)::text
    FROM webhooks w
    WHERE w.owner_id = owner AND (cardinality(w.events) = 0 OR event = ANY (w.events))
$$;

CREATE FUNCTION jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_final boolean := TG_OP = 'UPDATE' AND OLD.status IN ('succeeded', 'failed', 'canceled', 'expired');
    is_final boolean := NEW.status IN ('succeeded', 'failed', 'canceled', 'expired');
    left_over integer;
BEGIN
    IF is_final AND NOT was_final THEN
        PERFORM jobs_enqueue_deliveries(NEW.owner_id, 'job.' || NEW.status, jsonb_build_object(
            'job_id', NEW.id, 'status', NEW.status, 'tool', NEW.tool, 'batch_id', NEW.batch_id,
            'output_blob_ids', to_jsonb(NEW.output_blob_ids), 'error', NEW.last_error,
            'quoted_credits', NEW.quoted_credits, 'charged_credits', NEW.charged_credits));
        IF NEW.batch_id IS NOT NULL THEN
            UPDATE batches SET remaining = remaining - 1 WHERE id = NEW.batch_id RETURNING remaining INTO left_over;
            IF left_over = 0 THEN
                PERFORM jobs_enqueue_deliveries(NEW.owner_id, 'batch.completed', jsonb_build_object('batch_id', NEW.batch_id));
            END IF;
        END IF;
    ELSIF was_final AND NOT is_final AND NEW.batch_id IS NOT NULL THEN
        UPDATE batches SET remaining = remaining + 1 WHERE id = NEW.batch_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_changed AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND (NEW.status NOT IN ('queued', 'running') OR OLD.status NOT IN ('queued', 'running')))
    EXECUTE FUNCTION jobs_changed();
