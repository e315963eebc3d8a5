import Postgres

/// Jobs' tables, in the `jobs` database that only Jobs reads.
///
/// `jobs` holds every job's record; `job_queue` holds a narrow row for each job that is queued or
/// running (since migration 7): workers claim queued rows with FOR UPDATE SKIP LOCKED in
/// (priority, fair_seq) order and hold them by a lease they renew there, and a job's queue row is
/// deleted in the statement that makes it final. Every statement that changes a job's status
/// locks its queue row first, so two of them never wait on each other's rows in opposite orders.
/// A job reaching a final state writes its webhook deliveries and moves its batch's counter in the
/// same transaction (a trigger), whichever path got it there. Wake-ups (`jobs_queued`, `job_events`) are sent by the service after
/// its statements, batched (`JobNotifications`): a NOTIFY inside every transaction would serialise
/// their commits on PostgreSQL's notification lock.
enum JobsSchema {
    static let migrations = [
        Migration(version: 1, name: "jobs", sql: """
            CREATE TABLE jobs (
                id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                tool text NOT NULL,
                parameters jsonb NOT NULL DEFAULT '{}',
                status text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'expired')),
                idempotency_key text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (owner_id, idempotency_key)
            );
            CREATE INDEX jobs_queued ON jobs (created_at) WHERE status = 'queued';
            """),
        // Version 1's placeholder table never held a job: replaced by the queue.
        Migration(version: 2, name: "queue", sql: """
            DROP TABLE jobs;

            CREATE TABLE batches (
                id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                tool text NOT NULL,
                lane text NOT NULL,
                job_count integer NOT NULL CHECK (job_count > 0),
                -- Jobs not yet final; batch.completed is sent when it reaches 0.
                remaining integer NOT NULL CHECK (remaining >= 0),
                quoted_credits bigint NOT NULL,
                idempotency_key text NOT NULL,
                request bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (owner_id, idempotency_key)
            );
            CREATE INDEX batches_owner ON batches (owner_id, created_at DESC, id);

            CREATE TABLE jobs (
                id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                batch_id uuid REFERENCES batches,
                tool text NOT NULL,
                steps jsonb NOT NULL,
                input_blob_ids text[] NOT NULL,
                output_blob_ids text[] NOT NULL DEFAULT '{}',
                thumbnail_blob_ids text[] NOT NULL DEFAULT '{}',
                result_json text NOT NULL DEFAULT '',
                lane text NOT NULL CHECK (lane IN ('fast', 'batch')),
                tier text NOT NULL,
                -- Lower runs first: fast lane before batch lane, paid tiers before free within a lane.
                priority smallint NOT NULL,
                -- Fair queuing: a user's jobs are numbered from the queue's current head, so one
                -- user's long batch interleaves with everyone else's jobs instead of going first.
                fair_seq bigint NOT NULL,
                max_output_edge integer NOT NULL DEFAULT 0,
                delete_originals boolean NOT NULL DEFAULT false,
                status text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'expired')),
                progress_percent smallint NOT NULL DEFAULT 0,
                progress_message text NOT NULL DEFAULT '',
                attempts integer NOT NULL DEFAULT 0,
                max_attempts integer NOT NULL,
                last_error text NOT NULL DEFAULT '',
                quoted_credits bigint NOT NULL CHECK (quoted_credits >= 0),
                charged_credits bigint NOT NULL DEFAULT 0,
                hold_id text,
                -- none: free; held: reserved at submit; *_pending: the job is final and Billing is
                -- still to hear it (the settler retries); captured or released once Billing answered.
                credits text NOT NULL
                    CHECK (credits IN ('none', 'held', 'capture_pending', 'release_pending', 'captured', 'released')),
                run_after timestamptz NOT NULL DEFAULT now(),
                deadline timestamptz NOT NULL,
                lease_owner text,
                lease_expires timestamptz,
                idempotency_key text,
                request bytea,
                created_at timestamptz NOT NULL DEFAULT now(),
                started_at timestamptz,
                finished_at timestamptz,
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (owner_id, idempotency_key)
            );
            CREATE INDEX jobs_claim ON jobs (priority, fair_seq) WHERE status = 'queued';
            CREATE INDEX jobs_head ON jobs (fair_seq) WHERE status = 'queued';
            CREATE INDEX jobs_leases ON jobs (lease_expires) WHERE status = 'running';
            CREATE INDEX jobs_running_owner ON jobs (owner_id) WHERE status = 'running';
            CREATE INDEX jobs_deadline ON jobs (deadline) WHERE status = 'queued';
            CREATE INDEX jobs_owner ON jobs (owner_id, created_at DESC, id);
            CREATE INDEX jobs_created ON jobs (created_at DESC, id);
            CREATE INDEX jobs_batch ON jobs (batch_id) WHERE batch_id IS NOT NULL;
            CREATE INDEX jobs_unsettled ON jobs (updated_at) WHERE credits IN ('capture_pending', 'release_pending');

            -- The last fair_seq given to each user's jobs.
            CREATE TABLE owner_queues (owner_id text PRIMARY KEY, last_seq bigint NOT NULL);

            CREATE TABLE webhooks (
                id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                url text NOT NULL,
                events text[] NOT NULL,
                secret text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX webhooks_owner ON webhooks (owner_id);

            CREATE TABLE deliveries (
                id bigserial PRIMARY KEY,
                webhook_id uuid NOT NULL REFERENCES webhooks ON DELETE CASCADE,
                owner_id text NOT NULL,
                event text NOT NULL,
                payload text NOT NULL,
                status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
                attempts integer NOT NULL DEFAULT 0,
                last_status_code integer NOT NULL DEFAULT 0,
                last_error text NOT NULL DEFAULT '',
                next_attempt_at timestamptz NOT NULL DEFAULT now(),
                created_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
            CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id DESC);

            CREATE TABLE idempotency_keys (
                caller text NOT NULL,
                method text NOT NULL,
                key text NOT NULL,
                request bytea NOT NULL,
                response bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (caller, method, key)
            );

            -- How far Jobs has read Billing's event feed (low-balance warnings).
            CREATE TABLE feed_cursors (name text PRIMARY KEY, position bigint NOT NULL);

            -- Deliveries for one event to every webhook of `owner` that wants it.
            CREATE FUNCTION jobs_enqueue_deliveries(owner text, event text, data jsonb) RETURNS void
            LANGUAGE sql AS $$
                INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                SELECT w.id, owner, event, jsonb_build_object(
                    'id', gen_random_uuid(), 'type', event,
                    'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                    'data', data)::text
                FROM webhooks w
                WHERE w.owner_id = owner AND (cardinality(w.events) = 0 OR event = ANY (w.events))
            $$;

            CREATE FUNCTION jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                was_final boolean := TG_OP = 'UPDATE' AND OLD.status IN ('succeeded', 'failed', 'canceled', 'expired');
                is_final boolean := NEW.status IN ('succeeded', 'failed', 'canceled', 'expired');
                left_over integer;
            BEGIN
                IF is_final AND NOT was_final THEN
                    PERFORM jobs_enqueue_deliveries(NEW.owner_id, 'job.' || NEW.status, jsonb_build_object(
                        'job_id', NEW.id, 'status', NEW.status, 'tool', NEW.tool, 'batch_id', NEW.batch_id,
                        'output_blob_ids', to_jsonb(NEW.output_blob_ids), 'error', NEW.last_error,
                        'quoted_credits', NEW.quoted_credits, 'charged_credits', NEW.charged_credits));
                    IF NEW.batch_id IS NOT NULL THEN
                        UPDATE batches SET remaining = remaining - 1 WHERE id = NEW.batch_id RETURNING remaining INTO left_over;
                        IF left_over = 0 THEN
                            PERFORM jobs_enqueue_deliveries(NEW.owner_id, 'batch.completed', jsonb_build_object('batch_id', NEW.batch_id));
                        END IF;
                    END IF;
                ELSIF was_final AND NOT is_final AND NEW.batch_id IS NOT NULL THEN
                    UPDATE batches SET remaining = remaining + 1 WHERE id = NEW.batch_id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER jobs_changed AFTER UPDATE OF status ON jobs FOR EACH ROW
                WHEN (OLD.status IS DISTINCT FROM NEW.status AND (NEW.status NOT IN ('queued', 'running') OR OLD.status NOT IN ('queued', 'running')))
                EXECUTE FUNCTION jobs_changed();
            """),
        // One trigger call per statement instead of per row: a completion of many jobs writes its
        // deliveries in one INSERT and moves each batch's counter once. Batch rows are locked in id
        // order — the per-row trigger locked them in the order the jobs came, and two workers
        // finishing jobs of the same batches deadlocked (26 times in a 50 s no-op drain).
        Migration(version: 3, name: "statement trigger", sql: """
            DROP TRIGGER jobs_changed ON jobs;
            -- The queue's head is read from jobs_claim, priority by priority (Submissions).
            DROP INDEX jobs_head;
            DROP FUNCTION jobs_changed();

            -- A webhook delivery's body: the envelope every event shares.
            CREATE FUNCTION jobs_delivery_payload(event text, data jsonb) RETURNS text LANGUAGE sql AS $$
                SELECT jsonb_build_object(
                    'id', gen_random_uuid(), 'type', event,
                    'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                    'data', data)::text
            $$;
            CREATE OR REPLACE FUNCTION jobs_enqueue_deliveries(owner text, event text, data jsonb) RETURNS void
            LANGUAGE sql AS $$
                INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                SELECT w.id, owner, event, jobs_delivery_payload(event, data)
                FROM webhooks w
                WHERE w.owner_id = owner AND (cardinality(w.events) = 0 OR event = ANY (w.events))
            $$;

            -- Whether a status is final (inlined where it is used).
            CREATE FUNCTION jobs_final(status text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
                SELECT status IN ('succeeded', 'failed', 'canceled', 'expired')
            $$;

            -- The jobs of one UPDATE whose finality changed: delta -1 when a job became final, +1 when a
            -- final job went back to the queue (an admin's retry).
            CREATE FUNCTION jobs_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (
                    SELECT 1 FROM new_jobs n JOIN old_jobs o ON o.id = n.id
                    WHERE jobs_final(o.status) <> jobs_final(n.status)
                ) THEN
                    RETURN NULL;
                END IF;

                INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                SELECT w.id, n.owner_id, 'job.' || n.status, jobs_delivery_payload('job.' || n.status, jsonb_build_object(
                    'job_id', n.id, 'status', n.status, 'tool', n.tool, 'batch_id', n.batch_id,
                    'output_blob_ids', to_jsonb(n.output_blob_ids), 'error', n.last_error,
                    'quoted_credits', n.quoted_credits, 'charged_credits', n.charged_credits))
                FROM new_jobs n JOIN old_jobs o ON o.id = n.id JOIN webhooks w ON w.owner_id = n.owner_id
                WHERE jobs_final(n.status) AND NOT jobs_final(o.status)
                      AND (cardinality(w.events) = 0 OR 'job.' || n.status = ANY (w.events));

                -- Locks first, in id order, so that two statements never wait on each other's batches.
                -- (= ANY of an array: an IN over the transition table planned a scan of every batch.)
                PERFORM 1 FROM batches WHERE id = ANY (ARRAY(SELECT DISTINCT batch_id FROM new_jobs WHERE batch_id IS NOT NULL))
                ORDER BY id FOR UPDATE;
                WITH moved AS (
                    SELECT n.batch_id,
                           sum(CASE WHEN jobs_final(o.status) THEN 1 ELSE -1 END)::integer AS delta
                    FROM new_jobs n JOIN old_jobs o ON o.id = n.id
                    WHERE n.batch_id IS NOT NULL AND jobs_final(o.status) <> jobs_final(n.status)
                    GROUP BY n.batch_id
                ), counted AS (
                    UPDATE batches b SET remaining = b.remaining + m.delta FROM moved m
                    WHERE b.id = m.batch_id
                    RETURNING b.id, b.owner_id, b.remaining, m.delta
                )
                INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                SELECT w.id, c.owner_id, 'batch.completed', jobs_delivery_payload('batch.completed', jsonb_build_object('batch_id', c.id))
                FROM counted c JOIN webhooks w ON w.owner_id = c.owner_id
                WHERE c.remaining = 0 AND c.delta < 0
                      AND (cardinality(w.events) = 0 OR 'batch.completed' = ANY (w.events));
                RETURN NULL;
            END $$;
            CREATE TRIGGER jobs_transitions AFTER UPDATE ON jobs
                REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
                FOR EACH STATEMENT EXECUTE FUNCTION jobs_transitions();
            """),
        // Completions no longer lock batch rows. Both worker loops finish jobs of the same batches,
        // and each completion held those rows until its commit reached the disk, so the other loop
        // waited (1–6 ms a completion in a no-op drain). The trigger now logs how each statement
        // moved its batches; BatchCounting applies the log every JOBS_BATCH_COUNT_INTERVAL_MS.
        Migration(version: 4, name: "batch progress log", sql: """
            -- How final jobs moved their batches, not yet applied to batches.remaining.
            CREATE TABLE batch_progress (batch_id uuid NOT NULL, delta integer NOT NULL);

            CREATE OR REPLACE FUNCTION jobs_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (
                    SELECT 1 FROM new_jobs n JOIN old_jobs o ON o.id = n.id
                    WHERE jobs_final(o.status) <> jobs_final(n.status)
                ) THEN
                    RETURN NULL;
                END IF;

                INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                SELECT w.id, n.owner_id, 'job.' || n.status, jobs_delivery_payload('job.' || n.status, jsonb_build_object(
                    'job_id', n.id, 'status', n.status, 'tool', n.tool, 'batch_id', n.batch_id,
                    'output_blob_ids', to_jsonb(n.output_blob_ids), 'error', n.last_error,
                    'quoted_credits', n.quoted_credits, 'charged_credits', n.charged_credits))
                FROM new_jobs n JOIN old_jobs o ON o.id = n.id JOIN webhooks w ON w.owner_id = n.owner_id
                WHERE jobs_final(n.status) AND NOT jobs_final(o.status)
                      AND (cardinality(w.events) = 0 OR 'job.' || n.status = ANY (w.events));

                -- -1 for each job that became final, +1 for each final job queued again (an admin's retry).
                INSERT INTO batch_progress (batch_id, delta)
                SELECT n.batch_id, sum(CASE WHEN jobs_final(o.status) THEN 1 ELSE -1 END)::integer
                FROM new_jobs n JOIN old_jobs o ON o.id = n.id
                WHERE n.batch_id IS NOT NULL AND jobs_final(o.status) <> jobs_final(n.status)
                GROUP BY n.batch_id;
                RETURN NULL;
            END $$;

            -- Applies the logged progress: each batch moves once by the sum of its entries, and one that
            -- reached zero gets its batch.completed deliveries. One process counts at a time (the others
            -- skip the round), and a DELETE's snapshot holds whole committed statements, so `remaining`
            -- only ever takes values it would have had with the per-statement update. Answers how many
            -- batches moved.
            CREATE FUNCTION jobs_count_batches() RETURNS integer LANGUAGE plpgsql AS $$
            DECLARE
                moved_batches integer;
            BEGIN
                IF NOT pg_try_advisory_xact_lock(hashtext('jobs_count_batches')) THEN
                    RETURN 0;
                END IF;
                WITH taken AS (
                    DELETE FROM batch_progress RETURNING batch_id, delta
                ), moved AS (
                    SELECT batch_id, sum(delta)::integer AS delta FROM taken GROUP BY batch_id
                ), counted AS (
                    UPDATE batches b SET remaining = b.remaining + m.delta FROM moved m
                    WHERE b.id = m.batch_id
                    RETURNING b.id, b.owner_id, b.remaining, m.delta
                ), delivered AS (
                    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                    SELECT w.id, c.owner_id, 'batch.completed', jobs_delivery_payload('batch.completed', jsonb_build_object('batch_id', c.id))
                    FROM counted c JOIN webhooks w ON w.owner_id = c.owner_id
                    WHERE c.remaining = 0 AND c.delta < 0
                          AND (cardinality(w.events) = 0 OR 'batch.completed' = ANY (w.events))
                )
                SELECT count(*) INTO moved_batches FROM counted;
                RETURN moved_batches;
            END $$;
            """),
        // The claim's cached plan, made while the queue looked small, took the expiry index instead
        // of jobs_claim (same predicate, fewer pages) and sorted every queued job on each claim:
        // 30,000 rows read for 13 claimed under a backlog. The expiry scan's `deadline < now()`
        // implies the added condition and the claim's query does not: jobs_claim is its only index.
        // The idempotency key's unique index skips batch jobs, which have no key.
        Migration(version: 5, name: "queue indexes", sql: """
            DROP INDEX jobs_deadline;
            CREATE INDEX jobs_deadline ON jobs (deadline) WHERE status = 'queued' AND deadline IS NOT NULL;

            -- A batch's jobs have no key of their own: their NULLs took an entry at every insert and update.
            ALTER TABLE jobs DROP CONSTRAINT jobs_owner_id_idempotency_key_key;
            CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
            """),
        // Every UPDATE of jobs fires the statement trigger — claims, lease renewals and progress too,
        // which move no job into or out of a final status. The first test no longer joins the
        // transition tables for those (two scans decide), and a statement that does move jobs joins
        // them once for both its deliveries and its batch log, not once for each.
        Migration(version: 6, name: "trigger joins once", sql: """
            CREATE OR REPLACE FUNCTION jobs_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM new_jobs WHERE jobs_final(status))
                   AND NOT EXISTS (SELECT 1 FROM old_jobs WHERE jobs_final(status)) THEN
                    RETURN NULL;
                END IF;

                WITH moved AS MATERIALIZED (
                    SELECT n.id, n.owner_id, n.status, n.tool, n.batch_id, n.output_blob_ids, n.last_error,
                           n.quoted_credits, n.charged_credits, jobs_final(o.status) AS was_final
                    FROM new_jobs n JOIN old_jobs o ON o.id = n.id
                    WHERE jobs_final(o.status) <> jobs_final(n.status)
                ), delivered AS (
                    INSERT INTO deliveries (webhook_id, owner_id, event, payload)
                    SELECT w.id, m.owner_id, 'job.' || m.status, jobs_delivery_payload('job.' || m.status, jsonb_build_object(
                        'job_id', m.id, 'status', m.status, 'tool', m.tool, 'batch_id', m.batch_id,
                        'output_blob_ids', to_jsonb(m.output_blob_ids), 'error', m.last_error,
                        'quoted_credits', m.quoted_credits, 'charged_credits', m.charged_credits))
                    FROM moved m JOIN webhooks w ON w.owner_id = m.owner_id
                    WHERE NOT m.was_final AND (cardinality(w.events) = 0 OR 'job.' || m.status = ANY (w.events))
                )
                -- -1 for each job that became final, +1 for each final job queued again (an admin's retry).
                INSERT INTO batch_progress (batch_id, delta)
                SELECT batch_id, sum(CASE WHEN was_final THEN 1 ELSE -1 END)::integer
                FROM moved WHERE batch_id IS NOT NULL GROUP BY batch_id;
                RETURN NULL;
            END $$;
            """),
        // The queue moves out of `jobs` into a narrow table of the jobs that are queued or running.
        // Every claim and completion changed `status`, which five of the ten indexes on `jobs` name in
        // their predicates, so no update of a job's wide row could be HOT: each wrote a new entry in
        // every index (about 23 per no-op job) and PostgreSQL's index insertions were a fifth of its
        // CPU in the drain. Now `jobs` is indexed only by what never changes after the insert (and
        // by `credits` for the settler), its pages keep room for a row's next versions, and the
        // scheduling columns that claims, leases and the sweeper search live in `job_queue`: a row
        // per live job, inserted with the job, deleted when it reaches a final state.
        Migration(version: 7, name: "narrow queue", sql: """
            CREATE TABLE job_queue (
                job_id uuid PRIMARY KEY,
                owner_id text NOT NULL,
                priority smallint NOT NULL,
                fair_seq bigint NOT NULL,
                run_after timestamptz NOT NULL,
                deadline timestamptz NOT NULL,
                -- NULL while queued; the worker holding it and its lease while running.
                worker text,
                lease_expires timestamptz,
                CHECK ((worker IS NULL) = (lease_expires IS NULL))
            );
            CREATE INDEX job_queue_claim ON job_queue (priority, fair_seq) WHERE worker IS NULL;
            -- `deadline IS NOT NULL` keeps the claim off this index (migration 5).
            CREATE INDEX job_queue_deadline ON job_queue (deadline) WHERE worker IS NULL AND deadline IS NOT NULL;
            CREATE INDEX job_queue_leases ON job_queue (lease_expires) WHERE worker IS NOT NULL;
            CREATE INDEX job_queue_running ON job_queue (owner_id) WHERE worker IS NOT NULL;

            -- Running jobs per owner (leaving out `excluded`), for the claim; always through
            -- job_queue_running. Until autovacuum first analyzes job_queue (up to a minute after a
            -- burst of submissions) the planner takes `worker IS NOT NULL` to hold for nearly every row
            -- and read the whole queue instead: 14–29 ms a claim behind a backlog of 150,000 jobs.
            CREATE FUNCTION jobs_running_owners(excluded uuid[]) RETURNS TABLE (owner_id text, running bigint)
            LANGUAGE sql STABLE SET enable_seqscan = off AS $$
                SELECT owner_id, count(*) FROM job_queue WHERE worker IS NOT NULL AND job_id <> ALL (excluded) GROUP BY owner_id
            $$;

            INSERT INTO job_queue (job_id, owner_id, priority, fair_seq, run_after, deadline, worker, lease_expires)
            SELECT id, owner_id, priority, fair_seq, run_after, deadline,
                   CASE WHEN status = 'running' THEN coalesce(lease_owner, '') END,
                   CASE WHEN status = 'running' THEN coalesce(lease_expires, now()) END
            FROM jobs WHERE status IN ('queued', 'running');

            DROP INDEX jobs_claim;
            DROP INDEX jobs_deadline;
            DROP INDEX jobs_leases;
            DROP INDEX jobs_running_owner;
            -- By id, not updated_at: every update sets updated_at, and an indexed column that changes
            -- rules out a HOT update. The settler's rows are few; it sorts them itself.
            DROP INDEX jobs_unsettled;
            CREATE INDEX jobs_unsettled ON jobs (id) WHERE credits IN ('capture_pending', 'release_pending');
            ALTER TABLE jobs DROP COLUMN lease_expires;
            -- Half of each new page is left for later versions of its rows (claim, end, settlement).
            ALTER TABLE jobs SET (fillfactor = 50);
            """),
        // A batch's jobs are inserted by the statement that inserts the batch (SubmissionStatements),
        // and neither batches nor jobs are ever deleted: the foreign key could not fail, yet it
        // checked and share-locked the batch row once per job, which cost submissions a fifth of
        // their time and the no-op drain 11 % (docs/performance.md, session 11).
        // `batchesFinishingTogether` checks that every job's batch exists.
        Migration(version: 8, name: "batch key unchecked", sql: """
            ALTER TABLE jobs DROP CONSTRAINT jobs_batch_id_fkey;
            """),
        // A claim writes only the queue row. It also rewrote the job's wide row (status running, the
        // attempt, the start), which fired the transition trigger and cost the no-op drain about 5 %
        // (docs/performance.md, session 14). A job's `jobs` row now stays `queued` while it runs:
        // readers take `running`, the worker, the attempt under way and the start from its queue row
        // (`JobRecord.source`), and the statement that ends a run writes them into the job's row.
        // `jobs.attempts` counts the attempts that ended.
        Migration(version: 9, name: "claims write the queue row only", sql: """
            -- When the job first started (kept across its attempts) and when this run was claimed.
            ALTER TABLE job_queue ADD COLUMN started_at timestamptz, ADD COLUMN claimed_at timestamptz;
            UPDATE job_queue q SET started_at = j.started_at, claimed_at = CASE WHEN q.worker IS NOT NULL THEN j.updated_at END
            FROM jobs j WHERE j.id = q.job_id;
            UPDATE jobs j SET status = 'queued', attempts = greatest(j.attempts - 1, 0)
            FROM job_queue q WHERE q.job_id = j.id AND j.status = 'running';
            -- The worker holding a job is its queue row's `worker`.
            ALTER TABLE jobs DROP COLUMN lease_owner;
            -- The claim counts running jobs itself (ClaimStatements).
            DROP FUNCTION jobs_running_owners(uuid[]);
            """),
        Migration(version: 10, name: "standard webhooks", sql: """
            -- A rotated secret keeps signing beside the new one until it expires.
            ALTER TABLE webhooks ADD COLUMN previous_secret text, ADD COLUMN previous_secret_expires_at timestamptz;
            -- The webhook-id a delivery is sent with: a redelivery repeats its event's (NULL: 'dlv_' || id).
            ALTER TABLE deliveries ADD COLUMN message_id text;
            """),
    ]
}
