-- Each account may choose when it is warned that its credits are running low; NULL keeps
-- BILLING_LOW_BALANCE_THRESHOLD.
ALTER TABLE accounts ADD COLUMN low_balance_threshold bigint CHECK (low_balance_threshold >= 0);
