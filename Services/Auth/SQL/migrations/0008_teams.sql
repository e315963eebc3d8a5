-- Teams: people who spend from one balance (Billing's account named by the team id). Membership
-- lives here; the balance, the members' holds and their limits' judgement live in Billing.
CREATE TABLE teams (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- Deleting the owner's account deletes the team (its members' own accounts stay).
    owner_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    created_key text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, created_key)
);

CREATE TABLE team_members (
    team_id uuid NOT NULL REFERENCES teams ON DELETE CASCADE,
    account_id uuid NOT NULL REFERENCES accounts ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    -- Credits a month this member may spend from the team's balance; NULL: no limit.
    monthly_limit bigint CHECK (monthly_limit >= 0),
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, account_id)
);
CREATE INDEX team_members_account ON team_members (account_id);
CREATE UNIQUE INDEX team_members_one_owner ON team_members (team_id) WHERE role = 'owner';

-- An invitation is mailed as a link with a single-use token (stored as SHA-256); it is accepted by
-- the account with the invited address.
CREATE TABLE team_invitations (
    id uuid PRIMARY KEY,
    team_id uuid NOT NULL REFERENCES teams ON DELETE CASCADE,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'member')),
    monthly_limit bigint CHECK (monthly_limit >= 0),
    token_hash bytea NOT NULL UNIQUE,
    invited_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz
);
CREATE INDEX team_invitations_team ON team_invitations (team_id) WHERE accepted_at IS NULL;
