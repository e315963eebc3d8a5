-- Locks the account's row; creates it on first use with the free tier and — for a person, not a
-- team (p_kind) — its first monthly grant. The previous release's two-argument form stays as a
-- wrapper (end of file): see billing_hold_batch.sql for why it is not dropped.
DROP FUNCTION IF EXISTS billing_lock_account(text, bigint, text);
CREATE FUNCTION billing_lock_account(p_account text, p_period_s bigint, p_kind text,
                                     OUT o_total bigint, OUT o_held bigint) AS $fn$
DECLARE
    v_end timestamptz;
    v_credits bigint;
BEGIN
    SELECT total, held INTO o_total, o_held FROM accounts WHERE account_id = p_account FOR UPDATE;
    IF FOUND THEN RETURN; END IF;
    INSERT INTO accounts (account_id, kind) VALUES (p_account, p_kind) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        v_end := now() + make_interval(secs => p_period_s);
        INSERT INTO subscriptions (account_id, tier, period_start, period_end) VALUES (p_account, 'free', now(), v_end);
        SELECT monthly_credits INTO v_credits FROM tiers WHERE id = 'free';
        IF v_credits > 0 AND p_kind = 'person' THEN
            PERFORM billing_grant(p_account, v_credits, 'subscription', v_end, 'free tier');
        END IF;
    END IF;
    SELECT total, held INTO o_total, o_held FROM accounts WHERE account_id = p_account FOR UPDATE;
END $fn$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION billing_lock_account(p_account text, p_period_s bigint, OUT o_total bigint, OUT o_held bigint) AS $fn$
    SELECT * FROM billing_lock_account(p_account, p_period_s, 'person');
$fn$ LANGUAGE sql;
