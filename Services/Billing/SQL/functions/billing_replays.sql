-- The idempotency keys of a batch of ledger calls: takes every key's advisory lock (in hash order,
-- so two batches cannot deadlock) and answers, aligned with the items, the hold a repeated request
-- already produced (o_holds) or 'idempotency_key_reused' for a key used with a different request
-- (o_errors). An item without a key (NULL) is never a replay. The only place a key is judged.
--
-- One index probe per key (LIMIT 1 keeps the planner from turning the probes into a scan of all the
-- caller's keys).
CREATE OR REPLACE FUNCTION billing_replays(p_caller text, p_methods text[], p_keys text[], p_requests bytea[],
                                           OUT o_holds uuid[], OUT o_errors text[]) AS $fn$
BEGIN
    PERFORM pg_advisory_xact_lock(s.h)
    FROM (SELECT DISTINCT hashtext(p_caller || '|' || u.m || '|' || u.k) AS h
          FROM unnest(p_methods, p_keys) u(m, k) WHERE u.k IS NOT NULL ORDER BY 1) s;
    SELECT array_agg(CASE WHEN i.request = u.request THEN i.hold_id END ORDER BY u.n),
           array_agg(CASE WHEN i.request <> u.request THEN 'idempotency_key_reused' END ORDER BY u.n)
    INTO o_holds, o_errors
    FROM unnest(p_methods, p_keys, p_requests) WITH ORDINALITY u(method, key, request, n)
    LEFT JOIN LATERAL (SELECT j.request, j.hold_id FROM idempotency_keys j
                       WHERE j.caller = p_caller AND j.method = u.method AND j.key = u.key LIMIT 1) i ON true;
END $fn$ LANGUAGE plpgsql SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off;
