-- Desktop → phone hand-offs (Handoffs.swift): a link shown as a QR code, opened once, that gives the
-- phone an upload-only API key until the hand-off ends. Only the token's digest is kept. No foreign
-- key to accounts: an opening joins accounts (a deleted or disabled account's link opens nothing).
CREATE TABLE handoffs (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    redeemed_at timestamptz,
    api_key_id uuid
);
CREATE INDEX handoffs_user ON handoffs (user_id, expires_at);
