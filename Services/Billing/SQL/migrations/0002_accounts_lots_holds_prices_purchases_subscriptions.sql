-- Entries now say what they paid for and the balance they left; the key is per call, not per entry.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_idempotency_key_key;
ALTER TABLE ledger_entries ALTER COLUMN idempotency_key DROP NOT NULL;
ALTER TABLE ledger_entries
    ADD COLUMN operation text NOT NULL DEFAULT '',
    ADD COLUMN hold_id uuid,
    ADD COLUMN balance_after bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT ledger_entries_kind CHECK (kind IN
        ('purchase', 'subscription_grant', 'promotional_grant', 'refund', 'spend', 'expiry', 'correction'));
CREATE INDEX ledger_entries_created ON ledger_entries (created_at);

CREATE TABLE accounts (
    account_id text PRIMARY KEY,
    total bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
    held bigint NOT NULL DEFAULT 0 CHECK (held >= 0 AND held <= total),
    -- The day (UTC) and the credits captured or held that day, for the tier's daily cap.
    spent_day date,
    spent_amount bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Credits arrive in lots; spending takes promotional lots first, then those expiring
-- soonest, then the oldest.
CREATE TABLE lots (
    id bigserial PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts,
    source text NOT NULL CHECK (source IN ('purchase', 'subscription', 'promotional', 'refund')),
    granted bigint NOT NULL CHECK (granted > 0),
    remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= granted),
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Indexes on columns that never change: a spend is then a HOT update of its lot. (A
-- predicate naming `remaining` made every spend a non-HOT update that bloated a busy
-- account's index: docs/performance.md.)
CREATE INDEX lots_account ON lots (account_id);
CREATE INDEX lots_expiring ON lots (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE holds (
    id uuid PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts,
    amount bigint NOT NULL CHECK (amount > 0),
    captured bigint NOT NULL DEFAULT 0 CHECK (captured >= 0 AND captured <= amount),
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'captured', 'released', 'expired')),
    reference text NOT NULL DEFAULT '',
    operation text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    resolved_at timestamptz
);
CREATE INDEX holds_open ON holds (expires_at) WHERE state = 'open';
CREATE INDEX holds_account ON holds (account_id, created_at);
-- Which lots an open hold reserved, and how much of each.
CREATE TABLE hold_lots (
    hold_id uuid NOT NULL REFERENCES holds,
    lot_id bigint NOT NULL REFERENCES lots,
    amount bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (hold_id, lot_id)
);

-- Every mutating call's first answer, by caller, method and key; a retry gets it back.
-- Hold-type calls (billing_hold_once, billing_resolve_once) keep the hold instead of the
-- answer's bytes: the answer is rebuilt from it (a capture or release is final, so it
-- reads the same; a placed hold is answered as it was placed: open, nothing captured).
CREATE TABLE idempotency_keys (
    caller text NOT NULL,
    method text NOT NULL,
    key text NOT NULL,
    request bytea NOT NULL,
    response bytea,
    hold_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, method, key)
);

CREATE TABLE price_lists (
    version serial PRIMARY KEY,
    fast_lane_percent integer NOT NULL CHECK (fast_lane_percent BETWEEN 100 AND 1000),
    created_by text NOT NULL DEFAULT 'system',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE prices (
    version integer NOT NULL REFERENCES price_lists,
    operation text NOT NULL,
    credits bigint NOT NULL CHECK (credits >= 0),
    per_megapixel bigint NOT NULL DEFAULT 0 CHECK (per_megapixel >= 0),
    included_megapixels integer NOT NULL DEFAULT 0 CHECK (included_megapixels >= 0),
    PRIMARY KEY (version, operation)
);
INSERT INTO price_lists (fast_lane_percent) VALUES (150);
INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels) VALUES
    (1, 'resize', 1, 0, 0), (1, 'thumbnail', 1, 0, 0), (1, 'crop', 1, 0, 0), (1, 'rotate', 1, 0, 0),
    (1, 'convert', 1, 0, 0), (1, 'compress', 1, 0, 0), (1, 'adjust', 1, 0, 0), (1, 'watermark', 1, 0, 0),
    (1, 'ocr', 1, 0, 0), (1, 'deduplicate', 1, 0, 0),
    (1, 'restoration', 2, 1, 12), (1, 'colourization', 3, 1, 12), (1, 'colourization+restoration', 4, 1, 12),
    (1, 'remove_background', 2, 0, 0), (1, 'upscale', 2, 1, 4), (1, 'generation', 5, 0, 0),
    (1, 'train_model', 100, 0, 0), (1, 'generate_with_model', 6, 0, 0);

CREATE TABLE packs (
    id text PRIMARY KEY,
    name text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents > 0),
    currency text NOT NULL DEFAULT 'usd',
    credits bigint NOT NULL CHECK (credits > 0),
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0
);
INSERT INTO packs (id, name, price_cents, credits, position) VALUES
    ('starter', 'Starter', 499, 10, 1), ('standard', 'Standard', 1299, 30, 2), ('studio', 'Studio', 3999, 100, 3);

CREATE TABLE checkouts (
    id uuid PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts,
    pack_id text,
    credits bigint NOT NULL CHECK (credits > 0),
    amount_cents bigint NOT NULL CHECK (amount_cents > 0),
    currency text NOT NULL,
    provider text NOT NULL,
    provider_session_id text UNIQUE,
    payment_url text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'expired')),
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz
);
CREATE SEQUENCE receipt_numbers;
CREATE TABLE receipts (
    id uuid PRIMARY KEY,
    number bigint NOT NULL UNIQUE DEFAULT nextval('receipt_numbers'),
    account_id text NOT NULL REFERENCES accounts,
    checkout_id uuid UNIQUE REFERENCES checkouts,
    amount_cents bigint NOT NULL,
    currency text NOT NULL,
    credits bigint NOT NULL,
    description text NOT NULL,
    provider text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipts_account ON receipts (account_id, created_at DESC);
-- Each provider event is applied once, whatever the number of deliveries.
CREATE TABLE webhook_events (
    provider text NOT NULL,
    event_id text NOT NULL,
    kind text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE tiers (
    id text PRIMARY KEY,
    name text NOT NULL,
    price_cents bigint NOT NULL CHECK (price_cents >= 0),
    monthly_credits bigint NOT NULL CHECK (monthly_credits >= 0),
    priority boolean NOT NULL,
    max_output_pixels integer NOT NULL,
    daily_cap bigint NOT NULL CHECK (daily_cap > 0),
    rank integer NOT NULL
);
INSERT INTO tiers VALUES
    ('free', 'Free', 0, 3, false, 480, 50, 0),
    ('plus', 'Plus', 999, 200, true, 720, 1000, 1),
    ('pro', 'Pro', 2999, 1000, true, 720, 5000, 2);
CREATE TABLE subscriptions (
    account_id text PRIMARY KEY REFERENCES accounts,
    tier text NOT NULL REFERENCES tiers,
    next_tier text REFERENCES tiers,
    period_start timestamptz NOT NULL,
    period_end timestamptz NOT NULL
);
CREATE INDEX subscriptions_renewal ON subscriptions (period_end);

-- Signals for notifications (low balance), read in order by id.
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    account_id text NOT NULL,
    kind text NOT NULL,
    balance bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
