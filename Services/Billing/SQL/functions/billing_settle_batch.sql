-- Capture, Release, SettleHolds and the sweeper's expiry: a batch of one account's hold settlements in
-- one statement (a single call is a batch of one). p_methods[i] is 'Capture', 'Release' or 'Expire'
-- (the last two capture 0); items are judged in order — the key (billing_replays), the hold's owner,
-- the amount, whether it is still open — and the batch is written with one statement per table. The
-- only place these refusals are decided. A NULL key (Spend's capture, an expiry) is not recorded.
CREATE OR REPLACE FUNCTION billing_settle_batch(p_caller text, p_methods text[], p_keys text[], p_requests bytea[], p_holds uuid[],
                                                p_captures bigint[], p_threshold bigint)
RETURNS TABLE (o_n integer, o_error text, o_hold uuid, o_account text, o_amount bigint, o_captured bigint, o_state text,
               o_reference text, o_expires_us bigint) AS $fn$
DECLARE
    v_count integer := coalesce(array_length(p_keys, 1), 0);
    v_result uuid[];
    v_error text[];
    v_account text[];
    v_amount bigint[];
    v_state text[];
    v_operation text[];
    v_reference text[];
    v_day date[];
    v_spent_day date;
    v_total bigint;
    v_done uuid[] := '{}';
    v_done_state text[] := '{}';
    v_new integer[] := '{}';
    v_entry_n integer[] := '{}';
    v_entry_balance bigint[] := '{}';
    v_released bigint := 0;
    v_returned_today bigint := 0;
    v_at integer;
    v_low bigint;
    v_threshold bigint;
BEGIN
    IF v_count = 0 THEN RETURN; END IF;
    SELECT r.o_holds, r.o_errors INTO v_result, v_error FROM billing_replays(p_caller, p_methods, p_keys, p_requests) r;

    -- The account's own low-balance threshold, when it chose one, replaces the configured one.
    SELECT a.spent_day, a.total, coalesce(a.low_balance_threshold, p_threshold)
    INTO v_spent_day, v_total, v_threshold FROM accounts a WHERE a.account_id = p_caller FOR UPDATE;
    -- The holds, aligned with the items (found by id alone: the loop treats another account's
    -- hold as none).
    SELECT array_agg(h.account_id ORDER BY u.n), array_agg(h.amount ORDER BY u.n), array_agg(h.state ORDER BY u.n),
           array_agg(h.operation ORDER BY u.n), array_agg(h.reference ORDER BY u.n),
           array_agg((h.created_at AT TIME ZONE 'UTC')::date ORDER BY u.n)
    INTO v_account, v_amount, v_state, v_operation, v_reference, v_day
    FROM unnest(p_holds) WITH ORDINALITY u(id, n) LEFT JOIN holds h ON h.id = u.id;

    FOR i IN 1..v_count LOOP
        CONTINUE WHEN v_result[i] IS NOT NULL OR v_error[i] IS NOT NULL;
        IF v_amount[i] IS NULL OR v_account[i] <> p_caller THEN
            v_error[i] := 'not_found';
            CONTINUE;
        END IF;
        IF p_captures[i] > v_amount[i] THEN
            v_error[i] := format('capture_exceeds_hold:%s', v_amount[i]);
            CONTINUE;
        END IF;
        v_at := array_position(v_done, p_holds[i]);
        IF v_at IS NOT NULL THEN
            v_error[i] := format('hold_resolved:%s', v_done_state[v_at]);
            CONTINUE;
        END IF;
        IF v_state[i] <> 'open' THEN
            v_error[i] := format('hold_resolved:%s', v_state[i]);
            CONTINUE;
        END IF;
        v_done := v_done || p_holds[i];
        v_done_state := v_done_state || billing_settled_state(p_methods[i]);
        v_new := v_new || i;
        v_released := v_released + v_amount[i];
        IF v_day[i] = v_spent_day THEN v_returned_today := v_returned_today + (v_amount[i] - p_captures[i]); END IF;
        IF p_captures[i] > 0 THEN
            v_total := v_total - p_captures[i];
            v_entry_n := v_entry_n || i;
            v_entry_balance := v_entry_balance || v_total;
            IF v_total + p_captures[i] >= v_threshold AND v_total < v_threshold THEN v_low := v_total; END IF;
        END IF;
        v_result[i] := p_holds[i];
    END LOOP;

    IF v_released > 0 THEN
        UPDATE accounts SET held = held - v_released, total = v_total, spent_amount = spent_amount - v_returned_today
        WHERE account_id = p_caller;
        -- What each hold does not spend goes back to its lots, the last-in-spending-order first
        -- (as billing_resolve returns it): a part covering (upto - amount, upto] of its hold
        -- keeps what lies below the capture.
        UPDATE lots SET remaining = lots.remaining + d.back
        FROM (SELECT parts.lot_id, sum(least(parts.amount, greatest(0, parts.upto - parts.capture))) AS back
              FROM (SELECT hl.lot_id, hl.amount, p_captures[n] AS capture,
                           sum(hl.amount) OVER (PARTITION BY hl.hold_id ORDER BY (l.source = 'promotional') DESC,
                                                l.expires_at ASC NULLS LAST, (l.source = 'subscription') DESC, l.created_at ASC, l.id ASC) AS upto
                    FROM unnest(v_new) n JOIN hold_lots hl ON hl.hold_id = p_holds[n] JOIN lots l ON l.id = hl.lot_id) parts
              GROUP BY parts.lot_id) d
        WHERE lots.id = d.lot_id AND d.back > 0;
        UPDATE holds SET state = billing_settled_state(p_methods[n]),
                         captured = p_captures[n], resolved_at = now()
        FROM unnest(v_new) n WHERE holds.id = p_holds[n];
        INSERT INTO ledger_entries (account_id, amount, kind, operation, reference, hold_id, balance_after)
        SELECT p_caller, -p_captures[e.i], 'spend', v_operation[e.i], v_reference[e.i], p_holds[e.i], e.balance
        FROM unnest(v_entry_n, v_entry_balance) WITH ORDINALITY e(i, balance, n) ORDER BY e.n;
        IF v_low IS NOT NULL THEN
            INSERT INTO events (account_id, kind, balance) VALUES (p_caller, 'low_balance', v_low);
        END IF;
        INSERT INTO idempotency_keys (caller, method, key, request, hold_id)
        SELECT p_caller, p_methods[n], p_keys[n], p_requests[n], p_holds[n] FROM unnest(v_new) n WHERE p_keys[n] IS NOT NULL;
    END IF;

    RETURN QUERY
    SELECT u.n::integer, v_error[u.n], h.id, h.account_id, h.amount, h.captured, h.state, h.reference,
           (extract(epoch FROM h.expires_at) * 1000000)::bigint
    FROM unnest(v_result) WITH ORDINALITY u(hold, n) LEFT JOIN holds h ON h.id = u.hold ORDER BY u.n;
END $fn$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off;
