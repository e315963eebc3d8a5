import Postgres

/// Billing's tables, in the `billing` database that only Billing reads.
///
/// The money invariant: for every account, `accounts.total` = the sum of its ledger entries
/// = the credits left in its lots + the credits reserved by its open holds; `accounts.held` = the
/// open holds' amounts. Checked after every money test (Tests/TestSupport/LedgerInvariants.swift).
enum BillingSchema {
    static let migrations = [
        Migration(version: 1, name: "ledger", sql: """
            CREATE TABLE ledger_entries (
                id bigserial PRIMARY KEY,
                account_id text NOT NULL,
                amount bigint NOT NULL CHECK (amount <> 0),
                kind text NOT NULL,
                reference text NOT NULL DEFAULT '',
                idempotency_key text NOT NULL UNIQUE,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);
            -- The ledger is append-only: a correction is a new entry, never an edit.
            CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger_entries is append-only' USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
                FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
            """),
        Migration(version: 2, name: "accounts, lots, holds, prices, purchases, subscriptions", sql: """
            -- Entries now say what they paid for and the balance they left; the key is per call, not per entry.
            ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_idempotency_key_key;
            ALTER TABLE ledger_entries ALTER COLUMN idempotency_key DROP NOT NULL;
            ALTER TABLE ledger_entries
                ADD COLUMN operation text NOT NULL DEFAULT '',
                ADD COLUMN hold_id uuid,
                ADD COLUMN balance_after bigint NOT NULL DEFAULT 0,
                ADD CONSTRAINT ledger_entries_kind CHECK (kind IN
                    ('purchase', 'subscription_grant', 'promotional_grant', 'refund', 'spend', 'expiry', 'correction'));
            CREATE INDEX ledger_entries_created ON ledger_entries (created_at);

            CREATE TABLE accounts (
                account_id text PRIMARY KEY,
                total bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
                held bigint NOT NULL DEFAULT 0 CHECK (held >= 0 AND held <= total),
                -- The day (UTC) and the credits captured or held that day, for the tier's daily cap.
                spent_day date,
                spent_amount bigint NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now()
            );

            -- Credits arrive in lots; spending takes promotional lots first, then those expiring
            -- soonest, then the oldest.
            CREATE TABLE lots (
                id bigserial PRIMARY KEY,
                account_id text NOT NULL REFERENCES accounts,
                source text NOT NULL CHECK (source IN ('purchase', 'subscription', 'promotional', 'refund')),
                granted bigint NOT NULL CHECK (granted > 0),
                remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= granted),
                expires_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            -- Indexes on columns that never change: a spend is then a HOT update of its lot. (A
            -- predicate naming `remaining` made every spend a non-HOT update that bloated a busy
            -- account's index: docs/performance.md.)
            CREATE INDEX lots_account ON lots (account_id);
            CREATE INDEX lots_expiring ON lots (expires_at) WHERE expires_at IS NOT NULL;

            CREATE TABLE holds (
                id uuid PRIMARY KEY,
                account_id text NOT NULL REFERENCES accounts,
                amount bigint NOT NULL CHECK (amount > 0),
                captured bigint NOT NULL DEFAULT 0 CHECK (captured >= 0 AND captured <= amount),
                state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'captured', 'released', 'expired')),
                reference text NOT NULL DEFAULT '',
                operation text NOT NULL DEFAULT '',
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                resolved_at timestamptz
            );
            CREATE INDEX holds_open ON holds (expires_at) WHERE state = 'open';
            CREATE INDEX holds_account ON holds (account_id, created_at);
            -- Which lots an open hold reserved, and how much of each.
            CREATE TABLE hold_lots (
                hold_id uuid NOT NULL REFERENCES holds,
                lot_id bigint NOT NULL REFERENCES lots,
                amount bigint NOT NULL CHECK (amount > 0),
                PRIMARY KEY (hold_id, lot_id)
            );

            -- Every mutating call's first answer, by caller, method and key; a retry gets it back.
            -- Hold-type calls (billing_hold_once, billing_resolve_once) keep the hold instead of the
            -- answer's bytes: the answer is rebuilt from it (a capture or release is final, so it
            -- reads the same; a placed hold is answered as it was placed: open, nothing captured).
            CREATE TABLE idempotency_keys (
                caller text NOT NULL,
                method text NOT NULL,
                key text NOT NULL,
                request bytea NOT NULL,
                response bytea,
                hold_id uuid,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (caller, method, key)
            );

            CREATE TABLE price_lists (
                version serial PRIMARY KEY,
                fast_lane_percent integer NOT NULL CHECK (fast_lane_percent BETWEEN 100 AND 1000),
                created_by text NOT NULL DEFAULT 'system',
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE prices (
                version integer NOT NULL REFERENCES price_lists,
                operation text NOT NULL,
                credits bigint NOT NULL CHECK (credits >= 0),
                per_megapixel bigint NOT NULL DEFAULT 0 CHECK (per_megapixel >= 0),
                included_megapixels integer NOT NULL DEFAULT 0 CHECK (included_megapixels >= 0),
                PRIMARY KEY (version, operation)
            );
            INSERT INTO price_lists (fast_lane_percent) VALUES (150);
            INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels) VALUES
                (1, 'resize', 1, 0, 0), (1, 'thumbnail', 1, 0, 0), (1, 'crop', 1, 0, 0), (1, 'rotate', 1, 0, 0),
                (1, 'convert', 1, 0, 0), (1, 'compress', 1, 0, 0), (1, 'adjust', 1, 0, 0), (1, 'watermark', 1, 0, 0),
                (1, 'ocr', 1, 0, 0), (1, 'deduplicate', 1, 0, 0),
                (1, 'restoration', 2, 1, 12), (1, 'colourization', 3, 1, 12), (1, 'colourization+restoration', 4, 1, 12),
                (1, 'remove_background', 2, 0, 0), (1, 'upscale', 2, 1, 4), (1, 'generation', 5, 0, 0),
                (1, 'train_model', 100, 0, 0), (1, 'generate_with_model', 6, 0, 0);

            CREATE TABLE packs (
                id text PRIMARY KEY,
                name text NOT NULL,
                price_cents bigint NOT NULL CHECK (price_cents > 0),
                currency text NOT NULL DEFAULT 'usd',
                credits bigint NOT NULL CHECK (credits > 0),
                active boolean NOT NULL DEFAULT true,
                position integer NOT NULL DEFAULT 0
            );
            INSERT INTO packs (id, name, price_cents, credits, position) VALUES
                ('starter', 'Starter', 499, 10, 1), ('standard', 'Standard', 1299, 30, 2), ('studio', 'Studio', 3999, 100, 3);

            CREATE TABLE checkouts (
                id uuid PRIMARY KEY,
                account_id text NOT NULL REFERENCES accounts,
                pack_id text,
                credits bigint NOT NULL CHECK (credits > 0),
                amount_cents bigint NOT NULL CHECK (amount_cents > 0),
                currency text NOT NULL,
                provider text NOT NULL,
                provider_session_id text UNIQUE,
                payment_url text NOT NULL DEFAULT '',
                status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'expired')),
                created_at timestamptz NOT NULL DEFAULT now(),
                completed_at timestamptz
            );
            CREATE SEQUENCE receipt_numbers;
            CREATE TABLE receipts (
                id uuid PRIMARY KEY,
                number bigint NOT NULL UNIQUE DEFAULT nextval('receipt_numbers'),
                account_id text NOT NULL REFERENCES accounts,
                checkout_id uuid UNIQUE REFERENCES checkouts,
                amount_cents bigint NOT NULL,
                currency text NOT NULL,
                credits bigint NOT NULL,
                description text NOT NULL,
                provider text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX receipts_account ON receipts (account_id, created_at DESC);
            -- Each provider event is applied once, whatever the number of deliveries.
            CREATE TABLE webhook_events (
                provider text NOT NULL,
                event_id text NOT NULL,
                kind text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (provider, event_id)
            );

            CREATE TABLE tiers (
                id text PRIMARY KEY,
                name text NOT NULL,
                price_cents bigint NOT NULL CHECK (price_cents >= 0),
                monthly_credits bigint NOT NULL CHECK (monthly_credits >= 0),
                priority boolean NOT NULL,
                max_output_pixels integer NOT NULL,
                daily_cap bigint NOT NULL CHECK (daily_cap > 0),
                rank integer NOT NULL
            );
            INSERT INTO tiers VALUES
                ('free', 'Free', 0, 3, false, 480, 50, 0),
                ('plus', 'Plus', 999, 200, true, 720, 1000, 1),
                ('pro', 'Pro', 2999, 1000, true, 720, 5000, 2);
            CREATE TABLE subscriptions (
                account_id text PRIMARY KEY REFERENCES accounts,
                tier text NOT NULL REFERENCES tiers,
                next_tier text REFERENCES tiers,
                period_start timestamptz NOT NULL,
                period_end timestamptz NOT NULL
            );
            CREATE INDEX subscriptions_renewal ON subscriptions (period_end);

            -- Signals for notifications (low balance), read in order by id.
            CREATE TABLE events (
                id bigserial PRIMARY KEY,
                account_id text NOT NULL,
                kind text NOT NULL,
                balance bigint NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(version: 3, name: "ledger functions", sql: """
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
            """),
        // Jobs' probe operation (a pause, no pixels): free in the current list; admins may price it.
        Migration(version: 4, name: "noop price", sql: """
            INSERT INTO prices (version, operation, credits, per_megapixel, included_megapixels)
            SELECT max(version), 'noop', 0, 0, 0 FROM price_lists
            ON CONFLICT DO NOTHING;
            """),
        Migration(version: 5, name: "batch holds", sql: """
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
            """),
        Migration(version: 6, name: "fewer checks per hold row", sql: """
            -- Holds and their parts are written only by the ledger functions, under the account's row
            -- lock, after the account exists and from the account's own lots. The foreign keys repeated
            -- that per row (a locking lookup of the account, the hold and the lot for each part: a fifth
            -- of a batch's time, docs/performance.md); the tests' ledger invariants check the stronger fact that
            -- every part is of one of its account's lots.
            ALTER TABLE holds DROP CONSTRAINT IF EXISTS holds_account_id_fkey;
            ALTER TABLE hold_lots DROP CONSTRAINT IF EXISTS hold_lots_hold_id_fkey;
            ALTER TABLE hold_lots DROP CONSTRAINT IF EXISTS hold_lots_lot_id_fkey;
            -- Entries arrive in time order and reports read them by time range: a block-range index
            -- answers that at almost no cost per insert.
            DROP INDEX ledger_entries_created;
            CREATE INDEX ledger_entries_created ON ledger_entries USING brin (created_at);
            """),
    ]
}
