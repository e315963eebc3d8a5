-- Answers stored before kept API keys' secrets in plain text: forgotten (a retry of a call
-- made before the upgrade runs again). Requests are kept as their SHA-256, to refuse a key
-- reused for another request.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys ADD COLUMN request bytea NOT NULL;
