-- A team's account gets no free-tier credits (billing_lock_account, Subscriptions.startPeriod).
-- accounts is altered before holds: the previous release locks an account before its holds, and all
-- of a start's migrations run in one transaction beside it during a rolling upgrade — the same
-- order keeps the two from deadlocking.
ALTER TABLE accounts ADD COLUMN kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'team'));
-- A team's holds name the member who spends; the member's monthly limit is judged from them.
ALTER TABLE holds ADD COLUMN spender_id text;
CREATE INDEX holds_spender ON holds (account_id, spender_id, created_at) WHERE spender_id IS NOT NULL;
