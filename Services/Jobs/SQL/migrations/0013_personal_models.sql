-- Personal models: one per train_model job (same id), owned by the job's owner. The worker
-- records the provider's training id as soon as the training started, so a later attempt of the
-- job resumes polling it instead of paying for a second training; a ready model keeps what
-- generation calls (the provider's model or version and the parameters that load the weights).
CREATE TABLE personal_models (
    id uuid PRIMARY KEY,
    owner_id text NOT NULL,
    name text NOT NULL,
    trigger_word text NOT NULL,
    trainer_model_id text NOT NULL,
    provider_id text NOT NULL,
    photo_ids text[] NOT NULL,
    status text NOT NULL DEFAULT 'training' CHECK (status IN ('training', 'ready', 'failed', 'canceled', 'deleted')),
    provider_job_id text,
    reference text NOT NULL DEFAULT '',
    parameters jsonb NOT NULL DEFAULT '{}',
    error text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX personal_models_owner ON personal_models (owner_id, created_at DESC);
