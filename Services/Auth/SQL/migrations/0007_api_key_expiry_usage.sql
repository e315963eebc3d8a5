-- API keys for businesses: an optional expiry, and each key's calls and errors per UTC day (the
-- edge counts them and reports every few seconds).
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
CREATE TABLE api_key_usage (
    key_id uuid NOT NULL REFERENCES api_keys ON DELETE CASCADE,
    day date NOT NULL,
    calls bigint NOT NULL DEFAULT 0,
    errors bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);
