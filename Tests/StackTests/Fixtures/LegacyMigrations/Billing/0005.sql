-- PlaceHolds and SettleHolds: many calls of one caller in one statement. Each item is judged
-- as its own billing_hold_once / billing_resolve_once would judge it, in order, in memory
-- (a refused item changes nothing and is answered 'reason:detail' in o_error); then the
-- batch is written with one statement per table. Keys arrive unique (Billing answers a
-- key repeated inside a batch itself).
--
-- Every statement looks rows up by key, a few hundred at most: the functions plan them as
-- index lookups whatever the statistics say (a fresh table's, before its first ANALYZE,
-- made the planner hash-join whole tables and a batch slower with every row added).
--
-- Locks, as the single calls take them: every key's advisory lock (in hash order, so two
-- batches cannot deadlock), then the account's row.

CREATE FUNCTION billing_hold_batch(p_caller text, p_keys text[], p_requests bytea[], p_amounts bigint[], p_references text[],
                                   p_operations text[], p_holds uuid[], p_ttl_s bigint, p_period_s bigint)
RETURNS TABLE (o_n integer, o_error text, o_hold uuid, o_account text, o_amount bigint, o_captured bigint, o_state text,
               o_reference text, o_expires_us bigint) AS $fn$
DECLARE
    v_count integer := coalesce(array_length(p_keys, 1), 0);
    v_today date := (now() AT TIME ZONE 'UTC')::date;
    v_known_keys text[];
    v_known_requests bytea[];
    v_known_holds uuid[];
    v_result uuid[] := array_fill(NULL::uuid, ARRAY[v_count]);
    v_error text[] := array_fill(NULL::text, ARRAY[v_count]);
    v_spent bigint;
    v_cap bigint;
    v_available bigint;
    v_lot_ids bigint[];
    v_lot_left bigint[];
    v_lot integer := 1;
    v_new integer[] := '{}';
    v_part_hold uuid[] := '{}';
    v_part_lot bigint[] := '{}';
    v_part_amount bigint[] := '{}';
    v_held bigint := 0;
    v_left bigint;
    v_take bigint;
    v_at integer;
BEGIN
    IF v_count = 0 THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock(s.h)
    FROM (SELECT DISTINCT hashtext(p_caller || '|PlaceHold|' || k) AS h FROM unnest(p_keys) k ORDER BY 1) s;
    -- One index probe per key (LIMIT 1 keeps the planner from turning the probes into a scan
    -- of all the caller's keys).
    SELECT array_agg(i.key), array_agg(i.request), array_agg(i.hold_id) INTO v_known_keys, v_known_requests, v_known_holds
    FROM unnest(p_keys) k(key)
    CROSS JOIN LATERAL (SELECT j.key, j.request, j.hold_id FROM idempotency_keys j
                        WHERE j.caller = p_caller AND j.method = 'PlaceHold' AND j.key = k.key LIMIT 1) i;

    SELECT CASE WHEN a.spent_day = v_today THEN a.spent_amount ELSE 0 END INTO v_spent
    FROM accounts a WHERE a.account_id = p_caller FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM billing_lock_account(p_caller, p_period_s);
        v_spent := 0;
    END IF;
    SELECT t.daily_cap INTO v_cap FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = p_caller;
    SELECT coalesce(array_agg(l.id ORDER BY (l.source = 'promotional') DESC, l.expires_at ASC NULLS LAST, l.created_at ASC, l.id ASC), '{}'),
           coalesce(array_agg(l.remaining ORDER BY (l.source = 'promotional') DESC, l.expires_at ASC NULLS LAST, l.created_at ASC, l.id ASC), '{}'),
           coalesce(sum(l.remaining), 0)
    INTO v_lot_ids, v_lot_left, v_available
    FROM lots l WHERE l.account_id = p_caller AND l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > now());

    FOR i IN 1..v_count LOOP
        v_at := array_position(v_known_keys, p_keys[i]);
        IF v_at IS NOT NULL THEN
            IF v_known_requests[v_at] <> p_requests[i] THEN
                v_error[i] := 'idempotency_key_reused';
            ELSE
                v_result[i] := v_known_holds[v_at];
            END IF;
            CONTINUE;
        END IF;
        IF v_spent + p_amounts[i] > v_cap THEN
            v_error[i] := format('daily_cap_reached:%s:%s', v_cap, v_spent);
            CONTINUE;
        END IF;
        IF v_available < p_amounts[i] THEN
            v_error[i] := format('insufficient_credits:%s', v_available);
            CONTINUE;
        END IF;
        v_spent := v_spent + p_amounts[i];
        v_available := v_available - p_amounts[i];
        v_held := v_held + p_amounts[i];
        -- Lots in spending order, as billing_place_hold takes them.
        v_left := p_amounts[i];
        WHILE v_left > 0 LOOP
            v_take := least(v_left, v_lot_left[v_lot]);
            IF v_take > 0 THEN
                v_part_hold := v_part_hold || p_holds[i];
                v_part_lot := v_part_lot || v_lot_ids[v_lot];
                v_part_amount := v_part_amount || v_take;
                v_lot_left[v_lot] := v_lot_left[v_lot] - v_take;
                v_left := v_left - v_take;
            END IF;
            IF v_lot_left[v_lot] = 0 THEN v_lot := v_lot + 1; END IF;
        END LOOP;
        v_new := v_new || i;
        v_result[i] := p_holds[i];
    END LOOP;

    IF v_held > 0 THEN
        UPDATE accounts SET held = held + v_held, spent_day = v_today, spent_amount = v_spent WHERE account_id = p_caller;
        INSERT INTO holds (id, account_id, amount, reference, operation, expires_at)
        SELECT p_holds[n], p_caller, p_amounts[n], p_references[n], p_operations[n], now() + make_interval(secs => p_ttl_s)
        FROM unnest(v_new) n;
        INSERT INTO hold_lots (hold_id, lot_id, amount) SELECT * FROM unnest(v_part_hold, v_part_lot, v_part_amount);
        UPDATE lots SET remaining = lots.remaining - d.take
        FROM (SELECT u.lot, sum(u.amount) AS take FROM unnest(v_part_lot, v_part_amount) u(lot, amount) GROUP BY u.lot) d
        WHERE lots.id = d.lot;
        INSERT INTO idempotency_keys (caller, method, key, request, hold_id)
        SELECT p_caller, 'PlaceHold', p_keys[n], p_requests[n], p_holds[n] FROM unnest(v_new) n;
    END IF;

    -- A placed hold is answered as placed (open, nothing captured), a replay too.
    RETURN QUERY
    SELECT u.n::integer, v_error[u.n], h.id, h.account_id, h.amount, 0::bigint, 'open'::text, h.reference,
           (extract(epoch FROM h.expires_at) * 1000000)::bigint
    FROM unnest(v_result) WITH ORDINALITY u(hold, n) LEFT JOIN holds h ON h.id = u.hold ORDER BY u.n;
END $fn$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off;

-- p_methods[i] is 'Capture' or 'Release' (its capture 0).
CREATE FUNCTION billing_settle_batch(p_caller text, p_methods text[], p_keys text[], p_requests bytea[], p_holds uuid[],
                                     p_captures bigint[], p_threshold bigint)
RETURNS TABLE (o_n integer, o_error text, o_hold uuid, o_account text, o_amount bigint, o_captured bigint, o_state text,
               o_reference text, o_expires_us bigint) AS $fn$
DECLARE
    v_count integer := coalesce(array_length(p_keys, 1), 0);
    v_known_keys text[];
    v_known_requests bytea[];
    v_known_holds uuid[];
    v_result uuid[] := array_fill(NULL::uuid, ARRAY[v_count]);
    v_error text[] := array_fill(NULL::text, ARRAY[v_count]);
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
BEGIN
    IF v_count = 0 THEN RETURN; END IF;
    PERFORM pg_advisory_xact_lock(s.h)
    FROM (SELECT DISTINCT hashtext(p_caller || '|' || m || '|' || k) AS h FROM unnest(p_methods, p_keys) u(m, k) ORDER BY 1) s;
    -- Keys as 'Method|key' (the method never holds a '|'), one index probe each.
    SELECT array_agg(i.method || '|' || i.key), array_agg(i.request), array_agg(i.hold_id)
    INTO v_known_keys, v_known_requests, v_known_holds
    FROM unnest(p_methods, p_keys) k(method, key)
    CROSS JOIN LATERAL (SELECT j.method, j.key, j.request, j.hold_id FROM idempotency_keys j
                        WHERE j.caller = p_caller AND j.method = k.method AND j.key = k.key LIMIT 1) i;

    SELECT a.spent_day, a.total INTO v_spent_day, v_total FROM accounts a WHERE a.account_id = p_caller FOR UPDATE;
    -- The holds, aligned with the items (found by id alone: the loop treats another account's
    -- hold as none).
    SELECT array_agg(h.account_id ORDER BY u.n), array_agg(h.amount ORDER BY u.n), array_agg(h.state ORDER BY u.n),
           array_agg(h.operation ORDER BY u.n), array_agg(h.reference ORDER BY u.n),
           array_agg((h.created_at AT TIME ZONE 'UTC')::date ORDER BY u.n)
    INTO v_account, v_amount, v_state, v_operation, v_reference, v_day
    FROM unnest(p_holds) WITH ORDINALITY u(id, n) LEFT JOIN holds h ON h.id = u.id;

    FOR i IN 1..v_count LOOP
        v_at := array_position(v_known_keys, p_methods[i] || '|' || p_keys[i]);
        IF v_at IS NOT NULL THEN
            IF v_known_requests[v_at] <> p_requests[i] THEN
                v_error[i] := 'idempotency_key_reused';
            ELSE
                v_result[i] := v_known_holds[v_at];
            END IF;
            CONTINUE;
        END IF;
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
        v_done_state := v_done_state || CASE p_methods[i] WHEN 'Capture' THEN 'captured' ELSE 'released' END;
        v_new := v_new || i;
        v_released := v_released + v_amount[i];
        IF v_day[i] = v_spent_day THEN v_returned_today := v_returned_today + (v_amount[i] - p_captures[i]); END IF;
        IF p_captures[i] > 0 THEN
            v_total := v_total - p_captures[i];
            v_entry_n := v_entry_n || i;
            v_entry_balance := v_entry_balance || v_total;
            IF v_total + p_captures[i] >= p_threshold AND v_total < p_threshold THEN v_low := v_total; END IF;
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
                                                l.expires_at ASC NULLS LAST, l.created_at ASC, l.id ASC) AS upto
                    FROM unnest(v_new) n JOIN hold_lots hl ON hl.hold_id = p_holds[n] JOIN lots l ON l.id = hl.lot_id) parts
              GROUP BY parts.lot_id) d
        WHERE lots.id = d.lot_id AND d.back > 0;
        UPDATE holds SET state = CASE p_methods[n] WHEN 'Capture' THEN 'captured' ELSE 'released' END,
                         captured = p_captures[n], resolved_at = now()
        FROM unnest(v_new) n WHERE holds.id = p_holds[n];
        INSERT INTO ledger_entries (account_id, amount, kind, operation, reference, hold_id, balance_after)
        SELECT p_caller, -p_captures[e.i], 'spend', v_operation[e.i], v_reference[e.i], p_holds[e.i], e.balance
        FROM unnest(v_entry_n, v_entry_balance) WITH ORDINALITY e(i, balance, n) ORDER BY e.n;
        IF v_low IS NOT NULL THEN
            INSERT INTO events (account_id, kind, balance) VALUES (p_caller, 'low_balance', v_low);
        END IF;
        INSERT INTO idempotency_keys (caller, method, key, request, hold_id)
        SELECT p_caller, p_methods[n], p_keys[n], p_requests[n], p_holds[n] FROM unnest(v_new) n;
    END IF;

    RETURN QUERY
    SELECT u.n::integer, v_error[u.n], h.id, h.account_id, h.amount, h.captured, h.state, h.reference,
           (extract(epoch FROM h.expires_at) * 1000000)::bigint
    FROM unnest(v_result) WITH ORDINALITY u(hold, n) LEFT JOIN holds h ON h.id = u.hold ORDER BY u.n;
END $fn$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off;
