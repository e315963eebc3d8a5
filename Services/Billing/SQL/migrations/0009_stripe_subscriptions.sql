-- Subscriptions paid through Stripe: which Stripe customer and subscription an account's is, and
-- since when a renewal payment has failed (the dunning grace runs from there).
ALTER TABLE subscriptions
    ADD COLUMN stripe_customer text,
    ADD COLUMN stripe_subscription text UNIQUE,
    ADD COLUMN past_due_since timestamptz;
CREATE INDEX subscriptions_past_due ON subscriptions (past_due_since) WHERE past_due_since IS NOT NULL;

-- Each paid subscription invoice grants its period once, whatever the deliveries and their order.
CREATE TABLE subscription_invoices (
    invoice_id text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts,
    subscription_id text NOT NULL,
    tier text NOT NULL REFERENCES tiers,
    billing_interval text NOT NULL CHECK (billing_interval IN ('month', 'year')),
    amount_cents bigint NOT NULL,
    credits bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Stripe subscriptions that ended: an invoice paid late for one of them changes no tier.
CREATE TABLE ended_subscriptions (
    subscription_id text PRIMARY KEY,
    ended_at timestamptz NOT NULL DEFAULT now()
);
