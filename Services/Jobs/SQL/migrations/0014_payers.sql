-- The account that pays for a job when it is not the owner's own: a team's (Payer.swift). NULL: the
-- owner pays. Settlement acts on coalesce(payer_id, owner_id).
ALTER TABLE jobs ADD COLUMN payer_id text;
