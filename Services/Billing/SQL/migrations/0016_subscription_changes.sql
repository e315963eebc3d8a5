-- Every change of an account's tier as a period starts (Subscriptions.startPeriod), for the admin
-- report's churn: a paid tier left for a free one.
CREATE TABLE subscription_changes (
    id bigserial PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts,
    from_tier text NOT NULL,
    to_tier text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_changes_at ON subscription_changes (changed_at);
