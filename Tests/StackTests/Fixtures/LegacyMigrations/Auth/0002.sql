ALTER TABLE accounts ADD COLUMN avatar_blob_id text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN locale text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX accounts_created ON accounts (created_at, id);

-- Every sign-in attempt that named an existing account.
CREATE TABLE sign_ins (
    id bigserial PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    client_ip text NOT NULL,
    user_agent text NOT NULL,
    succeeded boolean NOT NULL
);
CREATE INDEX sign_ins_user ON sign_ins (user_id, at DESC);

-- Failed sign-ins per key ("account:<email>", "ip:<address>") and the lockout they earned.
CREATE TABLE throttles (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure timestamptz NOT NULL,
    locked_until timestamptz
);

-- Ed25519 keys that sign access tokens. The newest live key signs; every key is published
-- until retires_at, so tokens it signed stay verifiable through a rotation.
CREATE TABLE signing_keys (
    key_id text PRIMARY KEY,
    private_key bytea NOT NULL,
    public_key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retires_at timestamptz
);

-- Refresh tokens, stored as SHA-256. One family per sign-in; each use marks the token used
-- and issues the next one in the family. A used token coming back revokes the family.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE TABLE revoked_families (
    family_id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    reason text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    name text NOT NULL,
    prefix text NOT NULL UNIQUE,
    secret_hash bytea NOT NULL UNIQUE,
    scopes text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- Single-use email tokens (verification, password reset), stored as SHA-256.
CREATE TABLE email_tokens (
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);

-- Mail waiting to go out; the outbox worker delivers and stamps sent_at.
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    sent_at timestamptz,
    last_error text
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;

-- Admin actions (and account deletions). Append-only.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    actor_id uuid NOT NULL,
    action text NOT NULL,
    target_id uuid,
    detail jsonb NOT NULL DEFAULT '{}',
    at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Answers of mutating calls by (caller, method, key): a retry gets the first answer.
CREATE TABLE idempotency_keys (
    caller text NOT NULL,
    method text NOT NULL,
    key text NOT NULL,
    response bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, method, key)
);
