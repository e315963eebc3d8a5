-- A rotated secret keeps signing beside the new one until it expires.
ALTER TABLE webhooks ADD COLUMN previous_secret text, ADD COLUMN previous_secret_expires_at timestamptz;
-- The webhook-id a delivery is sent with: a redelivery repeats its event's (NULL: 'dlv_' || id).
ALTER TABLE deliveries ADD COLUMN message_id text;
