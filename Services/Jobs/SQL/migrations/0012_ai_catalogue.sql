-- The AI catalogue at run time (ai.proto): providers with their credential sealed by
-- JOBS_PROVIDER_SECRET_KEY (AES-GCM; the hint keeps the last four characters for admins), models
-- that serve an operation at a provider, and style presets for generation. Each provider run's
-- cost is recorded in provider_runs, which the daily spend limits and the margin report read.
CREATE TABLE ai_providers (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    kind text NOT NULL CHECK (kind IN ('openai', 'replicate', 'runpod', 'together', 'stability', 'comfyui')),
    base_url text NOT NULL,
    credential bytea,
    credential_hint text NOT NULL DEFAULT '',
    enabled boolean NOT NULL DEFAULT true,
    daily_spend_limit_micros bigint NOT NULL DEFAULT 0 CHECK (daily_spend_limit_micros >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ai_models (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    operation text NOT NULL,
    -- A provider of the table or one the environment configures (JobsConfiguration), checked by Jobs.
    provider_id text NOT NULL,
    reference text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    label text NOT NULL,
    price_credits bigint NOT NULL DEFAULT 0 CHECK (price_credits >= 0),
    unit_cost_micros bigint NOT NULL DEFAULT 0 CHECK (unit_cost_micros >= 0),
    enabled boolean NOT NULL DEFAULT true,
    is_default boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ai_models_one_default ON ai_models (operation) WHERE is_default;

CREATE TABLE style_presets (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    label text NOT NULL,
    template text NOT NULL,
    negative_prompt text NOT NULL DEFAULT '',
    preview_file_id text NOT NULL DEFAULT '',
    enabled boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provider_runs (
    id bigserial PRIMARY KEY,
    job_id uuid NOT NULL,
    attempt integer NOT NULL,
    provider_id text NOT NULL,
    model_id text NOT NULL,
    operation text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
    cost_micros bigint NOT NULL DEFAULT 0,
    provider_ms integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (job_id, attempt)
);
CREATE INDEX provider_runs_by_day ON provider_runs (provider_id, created_at);
