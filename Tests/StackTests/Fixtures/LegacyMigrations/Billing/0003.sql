-- The ledger's steps run inside PostgreSQL, one call per step: a hold or a capture is one
-- round trip instead of a dozen. Errors carry a reason in their message ('reason:detail')
-- and an IS0xx SQLSTATE that Billing maps to its RPC errors.

-- One entry, and the account's total moved with it.
CREATE FUNCTION billing_append(p_account text, p_amount bigint, p_kind text, p_operation text, p_reference text, p_hold uuid,
                               OUT o_entry bigint, OUT o_created_us bigint, OUT o_balance bigint) AS $fn$
BEGIN
    UPDATE accounts SET total = total + p_amount WHERE account_id = p_account RETURNING total INTO o_balance;
    INSERT INTO ledger_entries (account_id, amount, kind, operation, reference, hold_id, balance_after)
    VALUES (p_account, p_amount, p_kind, p_operation, p_reference, p_hold, o_balance)
    RETURNING id, (extract(epoch FROM created_at) * 1000000)::bigint INTO o_entry, o_created_us;
END $fn$ LANGUAGE plpgsql;

-- New credits: a lot and its entry.
CREATE FUNCTION billing_grant(p_account text, p_amount bigint, p_source text, p_expires timestamptz, p_reference text,
                              OUT o_entry bigint, OUT o_created_us bigint, OUT o_balance bigint) AS $fn$
BEGIN
    INSERT INTO lots (account_id, source, granted, remaining, expires_at) VALUES (p_account, p_source, p_amount, p_amount, p_expires);
    SELECT a.o_entry, a.o_created_us, a.o_balance INTO o_entry, o_created_us, o_balance
    FROM billing_append(p_account, p_amount, CASE p_source WHEN 'purchase' THEN 'purchase' WHEN 'subscription' THEN 'subscription_grant'
                        WHEN 'promotional' THEN 'promotional_grant' ELSE 'refund' END, '', p_reference, NULL) a;
END $fn$ LANGUAGE plpgsql;

-- Locks the account's row; creates it on first use with the free tier and its first monthly grant.
CREATE FUNCTION billing_lock_account(p_account text, p_period_s bigint, OUT o_total bigint, OUT o_held bigint) AS $fn$
DECLARE
    v_end timestamptz;
    v_credits bigint;
BEGIN
    SELECT total, held INTO o_total, o_held FROM accounts WHERE account_id = p_account FOR UPDATE;
    IF FOUND THEN RETURN; END IF;
    INSERT INTO accounts (account_id) VALUES (p_account) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        v_end := now() + make_interval(secs => p_period_s);
        INSERT INTO subscriptions (account_id, tier, period_start, period_end) VALUES (p_account, 'free', now(), v_end);
        SELECT monthly_credits INTO v_credits FROM tiers WHERE id = 'free';
        IF v_credits > 0 THEN PERFORM billing_grant(p_account, v_credits, 'subscription', v_end, 'free tier'); END IF;
    END IF;
    SELECT total, held INTO o_total, o_held FROM accounts WHERE account_id = p_account FOR UPDATE;
END $fn$ LANGUAGE plpgsql;

-- The account is locked first (its CHECKs must never see a half-made change), then
-- changed by one UPDATE; the lots need no row locks of their own (they only change under
-- their account's lock).
CREATE FUNCTION billing_place_hold(p_account text, p_amount bigint, p_reference text, p_operation text, p_hold uuid,
                                   p_ttl_s bigint, p_period_s bigint, OUT o_expires_us bigint) AS $fn$
DECLARE
    v_today date := (now() AT TIME ZONE 'UTC')::date;
    v_spent bigint;
    v_cap bigint;
    v_available bigint;
    v_left bigint := p_amount;
    v_take bigint;
    v_lot record;
BEGIN
    SELECT CASE WHEN spent_day = v_today THEN spent_amount ELSE 0 END INTO v_spent FROM accounts WHERE account_id = p_account FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM billing_lock_account(p_account, p_period_s);
        v_spent := 0;
    END IF;
    v_spent := v_spent + p_amount;
    SELECT t.daily_cap INTO v_cap FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = p_account;
    IF v_spent > v_cap THEN
        RAISE EXCEPTION USING ERRCODE = 'IS001', MESSAGE = format('daily_cap_reached:%s:%s', v_cap, v_spent - p_amount);
    END IF;
    SELECT coalesce(sum(remaining), 0) INTO v_available FROM lots
    WHERE account_id = p_account AND remaining > 0 AND (expires_at IS NULL OR expires_at > now());
    IF v_available < p_amount THEN
        RAISE EXCEPTION USING ERRCODE = 'IS002', MESSAGE = format('insufficient_credits:%s', v_available);
    END IF;
    UPDATE accounts SET held = held + p_amount, spent_day = v_today, spent_amount = v_spent WHERE account_id = p_account;
    INSERT INTO holds (id, account_id, amount, reference, operation, expires_at)
    VALUES (p_hold, p_account, p_amount, p_reference, p_operation, now() + make_interval(secs => p_ttl_s))
    RETURNING (extract(epoch FROM expires_at) * 1000000)::bigint INTO o_expires_us;
    FOR v_lot IN SELECT id, remaining FROM lots
                 WHERE account_id = p_account AND remaining > 0 AND (expires_at IS NULL OR expires_at > now())
                 ORDER BY (source = 'promotional') DESC, expires_at ASC NULLS LAST, created_at ASC, id ASC LOOP
        EXIT WHEN v_left = 0;
        v_take := least(v_left, v_lot.remaining);
        UPDATE lots SET remaining = remaining - v_take WHERE id = v_lot.id;
        INSERT INTO hold_lots (hold_id, lot_id, amount) VALUES (p_hold, v_lot.id, v_take);
        v_left := v_left - v_take;
    END LOOP;
END $fn$ LANGUAGE plpgsql;

CREATE FUNCTION billing_resolve(p_hold uuid, p_owner text, p_capture bigint, p_state text, p_threshold bigint, p_period_s bigint,
                                OUT o_account text, OUT o_amount bigint, OUT o_reference text, OUT o_expires_us bigint) AS $fn$
DECLARE
    v_state text;
    v_operation text;
    v_day date;
    v_total bigint;
    v_left bigint;
    v_spent bigint;
    v_part record;
BEGIN
    -- The amount never changes; the state is read once the account is locked.
    SELECT account_id, amount, reference, operation, (created_at AT TIME ZONE 'UTC')::date
    INTO o_account, o_amount, o_reference, v_operation, v_day FROM holds WHERE id = p_hold;
    IF NOT FOUND OR (p_owner IS NOT NULL AND p_owner <> o_account) THEN
        RAISE EXCEPTION USING ERRCODE = 'IS003', MESSAGE = 'not_found';
    END IF;
    IF p_capture > o_amount THEN
        RAISE EXCEPTION USING ERRCODE = 'IS005', MESSAGE = format('capture_exceeds_hold:%s', o_amount);
    END IF;
    PERFORM 1 FROM accounts WHERE account_id = o_account FOR UPDATE;
    SELECT state INTO v_state FROM holds WHERE id = p_hold;
    IF v_state <> 'open' THEN
        RAISE EXCEPTION USING ERRCODE = 'IS004', MESSAGE = format('hold_resolved:%s', v_state);
    END IF;
    UPDATE accounts SET held = held - o_amount, total = total - p_capture,
                        spent_amount = CASE WHEN spent_day = v_day THEN spent_amount - (o_amount - p_capture) ELSE spent_amount END
    WHERE account_id = o_account RETURNING total INTO v_total;
    v_left := p_capture;
    FOR v_part IN SELECT hl.lot_id, hl.amount FROM hold_lots hl JOIN lots l ON l.id = hl.lot_id WHERE hl.hold_id = p_hold
                  ORDER BY (l.source = 'promotional') DESC, l.expires_at ASC NULLS LAST, l.created_at ASC, l.id ASC LOOP
        v_spent := least(v_left, v_part.amount);
        v_left := v_left - v_spent;
        IF v_part.amount > v_spent THEN
            UPDATE lots SET remaining = remaining + (v_part.amount - v_spent) WHERE id = v_part.lot_id;
        END IF;
    END LOOP;
    UPDATE holds SET state = p_state, captured = p_capture, resolved_at = now() WHERE id = p_hold
    RETURNING (extract(epoch FROM expires_at) * 1000000)::bigint INTO o_expires_us;
    IF p_capture > 0 THEN
        INSERT INTO ledger_entries (account_id, amount, kind, operation, reference, hold_id, balance_after)
        VALUES (o_account, -p_capture, 'spend', v_operation, o_reference, p_hold, v_total);
        -- A low-balance signal when this spend takes the account below the threshold.
        IF v_total + p_capture >= p_threshold AND v_total < p_threshold THEN
            INSERT INTO events (account_id, kind, balance) VALUES (o_account, 'low_balance', v_total);
        END IF;
    END IF;
END $fn$ LANGUAGE plpgsql;

-- PlaceHold with its idempotency key, in one statement (one round trip, one commit).
CREATE FUNCTION billing_hold_once(p_caller text, p_key text, p_request bytea, p_amount bigint, p_reference text,
                                  p_operation text, p_hold uuid, p_ttl_s bigint, p_period_s bigint,
                                  OUT o_hold uuid, OUT o_account text, OUT o_amount bigint, OUT o_captured bigint, OUT o_state text,
                                  OUT o_reference text, OUT o_expires_us bigint) AS $fn$
DECLARE
    v_request bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(p_caller || '|PlaceHold|' || p_key));
    SELECT request, hold_id INTO v_request, o_hold FROM idempotency_keys WHERE caller = p_caller AND method = 'PlaceHold' AND key = p_key;
    IF FOUND THEN
        IF v_request <> p_request THEN
            RAISE EXCEPTION USING ERRCODE = 'IS006', MESSAGE = 'idempotency_key_reused';
        END IF;
    ELSE
        PERFORM billing_place_hold(p_caller, p_amount, p_reference, p_operation, p_hold, p_ttl_s, p_period_s);
        INSERT INTO idempotency_keys (caller, method, key, request, hold_id) VALUES (p_caller, 'PlaceHold', p_key, p_request, p_hold);
        o_hold := p_hold;
    END IF;
    SELECT account_id, amount, 0, 'open', reference, (extract(epoch FROM expires_at) * 1000000)::bigint
    INTO o_account, o_amount, o_captured, o_state, o_reference, o_expires_us FROM holds WHERE id = o_hold;
END $fn$ LANGUAGE plpgsql;

-- Capture or Release with its idempotency key, in one statement.
CREATE FUNCTION billing_resolve_once(p_caller text, p_method text, p_key text, p_request bytea, p_hold uuid, p_capture bigint,
                                     p_state text, p_threshold bigint, p_period_s bigint,
                                     OUT o_hold uuid, OUT o_account text, OUT o_amount bigint, OUT o_captured bigint, OUT o_state text,
                                     OUT o_reference text, OUT o_expires_us bigint) AS $fn$
DECLARE
    v_request bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(p_caller || '|' || p_method || '|' || p_key));
    SELECT request, hold_id INTO v_request, o_hold FROM idempotency_keys WHERE caller = p_caller AND method = p_method AND key = p_key;
    IF FOUND THEN
        IF v_request <> p_request THEN
            RAISE EXCEPTION USING ERRCODE = 'IS006', MESSAGE = 'idempotency_key_reused';
        END IF;
    ELSE
        PERFORM billing_resolve(p_hold, p_caller, p_capture, p_state, p_threshold, p_period_s);
        INSERT INTO idempotency_keys (caller, method, key, request, hold_id) VALUES (p_caller, p_method, p_key, p_request, p_hold);
        o_hold := p_hold;
    END IF;
    SELECT account_id, amount, captured, state, reference, (extract(epoch FROM expires_at) * 1000000)::bigint
    INTO o_account, o_amount, o_captured, o_state, o_reference, o_expires_us FROM holds WHERE id = o_hold;
END $fn$ LANGUAGE plpgsql;
