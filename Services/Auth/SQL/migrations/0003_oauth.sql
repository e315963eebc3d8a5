-- A started OAuth sign-in: the state (stored as SHA-256) and its PKCE verifier; single use.
CREATE TABLE oauth_states (
    state_hash bytea PRIMARY KEY,
    provider text NOT NULL,
    verifier text NOT NULL,
    expires_at timestamptz NOT NULL
);
-- Which provider account signs in as which ImageSwiss account.
CREATE TABLE oauth_identities (
    provider text NOT NULL,
    subject text NOT NULL,
    user_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oauth_identities_user ON oauth_identities (user_id);
