-- PlaceHold and PlaceHolds: a batch of one caller's holds in one statement (a single PlaceHold is a
-- batch of one). Each item is judged in order, in memory — its key (billing_replays), the daily cap,
-- a team member's monthly limit (p_spenders / p_limits, NULL for none), the credits available — and
-- a refused item changes nothing and is answered 'reason:detail' in
-- o_error; then the batch is written with one statement per table. Keys arrive unique (Billing
-- answers a key repeated inside a batch itself); a NULL key (Spend's own hold) is not recorded.
--
-- Every statement looks rows up by key, a few hundred at most: the functions plan them as index
-- lookups whatever the statistics say (a fresh table's, before its first ANALYZE, made the planner
-- hash-join whole tables and a batch slower with every row added).
--
-- The previous release's nine-argument form stays, as a wrapper (end of file): dropping it would
-- leave that release's sessions with plans naming a function that is gone ("cache lookup failed")
-- while both releases run. The eleven-argument form takes no defaults, so neither call is ambiguous.
DROP FUNCTION IF EXISTS billing_hold_batch(text, text[], bytea[], bigint[], text[], text[], uuid[], bigint, bigint, text[], bigint[]);
CREATE FUNCTION billing_hold_batch(p_caller text, p_keys text[], p_requests bytea[], p_amounts bigint[], p_references text[],
                                   p_operations text[], p_holds uuid[], p_ttl_s bigint, p_period_s bigint,
                                   p_spenders text[], p_limits bigint[])
RETURNS TABLE (o_n integer, o_error text, o_hold uuid, o_account text, o_amount bigint, o_captured bigint, o_state text,
               o_reference text, o_expires_us bigint) AS $fn$
DECLARE
    v_count integer := coalesce(array_length(p_keys, 1), 0);
    v_today date := (now() AT TIME ZONE 'UTC')::date;
    v_result uuid[];
    v_error text[];
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
    -- Each spender's credits this UTC month, read once under the account's lock, then kept up to date.
    v_month timestamptz := date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    v_spender_ids text[] := '{}';
    v_spender_spent bigint[] := '{}';
    v_s integer;
BEGIN
    IF v_count = 0 THEN RETURN; END IF;
    SELECT r.o_holds, r.o_errors INTO v_result, v_error
    FROM billing_replays(p_caller, array_fill('PlaceHold'::text, ARRAY[v_count]), p_keys, p_requests) r;

    SELECT CASE WHEN a.spent_day = v_today THEN a.spent_amount ELSE 0 END INTO v_spent
    FROM accounts a WHERE a.account_id = p_caller FOR UPDATE;
    IF NOT FOUND THEN
        -- A team's holds name their spender: its account opens as a team's, without free credits.
        PERFORM billing_lock_account(p_caller, p_period_s, CASE WHEN p_spenders[1] IS NULL THEN 'person' ELSE 'team' END);
        v_spent := 0;
    END IF;
    SELECT t.daily_cap INTO v_cap FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = p_caller;
    SELECT coalesce(array_agg(l.id ORDER BY (l.source = 'promotional') DESC, l.expires_at ASC NULLS LAST, (l.source = 'subscription') DESC, l.created_at ASC, l.id ASC), '{}'),
           coalesce(array_agg(l.remaining ORDER BY (l.source = 'promotional') DESC, l.expires_at ASC NULLS LAST, (l.source = 'subscription') DESC, l.created_at ASC, l.id ASC), '{}'),
           coalesce(sum(l.remaining), 0)
    INTO v_lot_ids, v_lot_left, v_available
    FROM lots l WHERE l.account_id = p_caller AND l.remaining > 0 AND (l.expires_at IS NULL OR l.expires_at > now());

    FOR i IN 1..v_count LOOP
        CONTINUE WHEN v_result[i] IS NOT NULL OR v_error[i] IS NOT NULL;
        IF v_spent + p_amounts[i] > v_cap THEN
            v_error[i] := format('daily_cap_reached:%s:%s', v_cap, v_spent);
            CONTINUE;
        END IF;
        v_s := NULL;
        IF p_spenders[i] IS NOT NULL THEN
            v_s := array_position(v_spender_ids, p_spenders[i]);
            IF v_s IS NULL THEN
                v_spender_ids := v_spender_ids || p_spenders[i];
                v_spender_spent := v_spender_spent || (
                    SELECT coalesce(sum(CASE h.state WHEN 'open' THEN h.amount WHEN 'captured' THEN h.captured ELSE 0 END), 0)
                    FROM holds h WHERE h.account_id = p_caller AND h.spender_id = p_spenders[i] AND h.created_at >= v_month);
                v_s := array_length(v_spender_ids, 1);
            END IF;
            IF p_limits[i] IS NOT NULL AND v_spender_spent[v_s] + p_amounts[i] > p_limits[i] THEN
                v_error[i] := format('member_limit_reached:%s:%s', p_limits[i], v_spender_spent[v_s]);
                CONTINUE;
            END IF;
        END IF;
        IF v_available < p_amounts[i] THEN
            v_error[i] := format('insufficient_credits:%s', v_available);
            CONTINUE;
        END IF;
        v_spent := v_spent + p_amounts[i];
        IF v_s IS NOT NULL THEN v_spender_spent[v_s] := v_spender_spent[v_s] + p_amounts[i]; END IF;
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
        INSERT INTO holds (id, account_id, amount, reference, operation, expires_at, spender_id)
        SELECT p_holds[n], p_caller, p_amounts[n], p_references[n], p_operations[n], now() + make_interval(secs => p_ttl_s),
               p_spenders[n]
        FROM unnest(v_new) n;
        INSERT INTO hold_lots (hold_id, lot_id, amount) SELECT * FROM unnest(v_part_hold, v_part_lot, v_part_amount);
        UPDATE lots SET remaining = lots.remaining - d.take
        FROM (SELECT u.lot, sum(u.amount) AS take FROM unnest(v_part_lot, v_part_amount) u(lot, amount) GROUP BY u.lot) d
        WHERE lots.id = d.lot;
        INSERT INTO idempotency_keys (caller, method, key, request, hold_id)
        SELECT p_caller, 'PlaceHold', p_keys[n], p_requests[n], p_holds[n] FROM unnest(v_new) n WHERE p_keys[n] IS NOT NULL;
    END IF;

    -- A placed hold is answered as placed (open, nothing captured), a replay too.
    RETURN QUERY
    SELECT u.n::integer, v_error[u.n], h.id, h.account_id, h.amount, 0::bigint, 'open'::text, h.reference,
           (extract(epoch FROM h.expires_at) * 1000000)::bigint
    FROM unnest(v_result) WITH ORDINALITY u(hold, n) LEFT JOIN holds h ON h.id = u.hold ORDER BY u.n;
END $fn$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off;

CREATE OR REPLACE FUNCTION billing_hold_batch(p_caller text, p_keys text[], p_requests bytea[], p_amounts bigint[], p_references text[],
                                              p_operations text[], p_holds uuid[], p_ttl_s bigint, p_period_s bigint)
RETURNS TABLE (o_n integer, o_error text, o_hold uuid, o_account text, o_amount bigint, o_captured bigint, o_state text,
               o_reference text, o_expires_us bigint) AS $fn$
    SELECT * FROM billing_hold_batch(p_caller, p_keys, p_requests, p_amounts, p_references, p_operations, p_holds, p_ttl_s,
                                     p_period_s, NULL::text[], NULL::bigint[]);
$fn$ LANGUAGE sql;
