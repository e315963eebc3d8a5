-- Daily spend limits per subscription tier (all providers together), and the tier of each provider
-- run, which they are judged by (ProviderRuns.swift).
CREATE TABLE tier_spend_limits (
    tier_id text PRIMARY KEY,
    daily_limit_micros bigint NOT NULL CHECK (daily_limit_micros > 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE provider_runs ADD COLUMN tier text;
CREATE INDEX provider_runs_tier_day ON provider_runs (tier, created_at) WHERE tier IS NOT NULL;
