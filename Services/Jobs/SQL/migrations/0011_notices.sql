-- Events to tell a job's owner about (Auth's notifications): written in the transaction of the
-- event (a batch counted complete, a single job failed, a Billing event read), sent to Auth by
-- NoticeSender and deleted once Auth has it. Auth keys them by event_key, so a resend is harmless.
CREATE TABLE notices (
    id bigserial PRIMARY KEY,
    owner_id text NOT NULL,
    kind text NOT NULL,
    event_key text NOT NULL UNIQUE,
    params jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text
);
CREATE INDEX notices_due ON notices (next_attempt_at);
