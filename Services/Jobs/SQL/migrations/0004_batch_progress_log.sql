-- previous checksum: 426f9fa5ef63338f (this migration's functions moved to SQL/functions/)
-- How final jobs moved their batches, not yet applied to batches.remaining.
CREATE TABLE batch_progress (batch_id uuid NOT NULL, delta integer NOT NULL);

