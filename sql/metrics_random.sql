-- Randomized: thousands of mixed writes to the three hub metrics' tables (inserts, moves between
-- users and days, status flips, deletes, ON CONFLICT, rolled-back and released subtransactions,
-- rolled-back transactions, TRUNCATE, COPY), then every metric verifies and dashboard_metrics
-- equals the seed's view computed from scratch, row for row. Deterministic (setseed); prints only
-- counts.
SET TimeZone = 'UTC';
\set seed_query `cat sql/include/seed_dashboard_metrics_enhanced.sql`
CREATE TEMP VIEW seed_dashboard_metrics_enhanced AS :seed_query;
-- Every user's rows read one user at a time (from the dashboard cache where it is valid).
CREATE TEMP VIEW per_user AS
SELECT d.* FROM hub.users u,
    LATERAL (SELECT * FROM assistant_hub.dashboard_metrics d WHERE d.user_id = u.id OFFSET 0) d;
-- How many of those one-user reads the scan served from the cache plus newer deltas.
CREATE FUNCTION pg_temp.served_with_deltas() RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    line text;
    n int := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM per_user' LOOP
        n := n + coalesce((regexp_match(line, 'Users From Cache And Deltas: (\d+)'))[1]::int, 0);
    END LOOP;
    RETURN n;
END $$;
CREATE FUNCTION pg_temp.check_all()
    RETURNS TABLE(verify_differences bigint, only_ours bigint, only_seed bigint, per_user_differing bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM assistant_hub.metrics m, LATERAL assistant_hub.verify_metric(m.name)),
           (SELECT count(*) FROM (SELECT * FROM assistant_hub.dashboard_metrics
                                  EXCEPT ALL SELECT * FROM seed_dashboard_metrics_enhanced) d),
           (SELECT count(*) FROM (SELECT * FROM seed_dashboard_metrics_enhanced
                                  EXCEPT ALL SELECT * FROM assistant_hub.dashboard_metrics) d),
           (SELECT count(*) FROM ((SELECT * FROM per_user EXCEPT ALL SELECT * FROM seed_dashboard_metrics_enhanced)
                                  UNION ALL
                                  (SELECT * FROM seed_dashboard_metrics_enhanced EXCEPT ALL SELECT * FROM per_user)) d) $$;

-- Twelve users; each has email threads to file messages under.
CREATE TABLE random_users AS
SELECT row_number() OVER (ORDER BY email) AS n, id FROM hub.users ORDER BY email LIMIT 12;
INSERT INTO hub.email_threads (user_id, subject) SELECT id, 'random test' FROM random_users;
CREATE FUNCTION pg_temp.some_user() RETURNS uuid LANGUAGE sql AS
    $$ SELECT id FROM random_users ORDER BY n OFFSET floor(random() * 12)::int LIMIT 1 $$;
CREATE FUNCTION pg_temp.some_time() RETURNS timestamptz LANGUAGE sql AS
    $$ SELECT now() - random() * interval '110 days' $$;
CREATE FUNCTION pg_temp.thread_of(u uuid) RETURNS uuid LANGUAGE sql AS
    $$ SELECT id FROM hub.email_threads WHERE user_id = u ORDER BY created_at, id LIMIT 1 $$;

-- One random write; returns the number of statements it ran.
CREATE FUNCTION pg_temp.random_write(depth int DEFAULT 0) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    op int := floor(random() * 17)::int;
    u uuid := pg_temp.some_user();
    v uuid := pg_temp.some_user();
    n int := 1 + floor(random() * 4)::int;
    statements int := 1;
BEGIN
    CASE op
    WHEN 0 THEN
        INSERT INTO hub.journal_entries (user_id, entry_date, content, created_at)
        SELECT u, current_date - floor(random() * 25)::int, 'r', pg_temp.some_time() FROM generate_series(1, n);
    WHEN 1 THEN -- move entries between days
        UPDATE hub.journal_entries SET created_at = created_at + (random() * 20 - 10) * interval '1 day'
        WHERE user_id = u AND random() < 0.2;
    WHEN 2 THEN -- move entries between users
        UPDATE hub.journal_entries SET user_id = v WHERE user_id = u AND random() < 0.1;
    WHEN 3 THEN
        DELETE FROM hub.journal_entries WHERE user_id = u AND random() < 0.1;
    WHEN 4 THEN
        INSERT INTO hub.tasks (user_id, title, status, completed_at)
        SELECT u, 'r', s, CASE WHEN s = 'completed' OR random() < 0.2 THEN pg_temp.some_time() END
        FROM (SELECT (ARRAY['pending', 'completed', 'completed', 'cancelled'])[1 + floor(random() * 4)::int] AS s
              FROM generate_series(1, n)) x;
    WHEN 5 THEN -- status flips: completing
        UPDATE hub.tasks SET status = 'completed', completed_at = pg_temp.some_time()
        WHERE user_id = u AND status <> 'completed' AND random() < 0.3;
    WHEN 6 THEN -- status flips: reopening, completed_at kept or cleared
        UPDATE hub.tasks SET status = 'pending', completed_at = CASE WHEN random() < 0.5 THEN NULL ELSE completed_at END
        WHERE user_id = u AND status = 'completed' AND random() < 0.3;
    WHEN 7 THEN -- moves between users and days
        UPDATE hub.tasks SET user_id = v, completed_at = completed_at - interval '3 days' WHERE user_id = u AND random() < 0.2;
    WHEN 8 THEN
        DELETE FROM hub.tasks WHERE user_id = u AND random() < 0.15;
    WHEN 9 THEN -- ON CONFLICT: new rows, and existing ones completed on another day
        INSERT INTO hub.tasks (user_id, id, title, status, completed_at)
        SELECT u, coalesce(t.id, gen_random_uuid()), 'upsert', 'completed', pg_temp.some_time()
        FROM generate_series(1, n) g
        LEFT JOIN LATERAL (SELECT id FROM hub.tasks WHERE user_id = u ORDER BY id OFFSET g LIMIT 1) t ON true
        ON CONFLICT (user_id, id) DO UPDATE SET status = excluded.status, completed_at = excluded.completed_at;
    WHEN 10 THEN
        INSERT INTO hub.email_messages (user_id, thread_id, from_address, received_at)
        SELECT u, pg_temp.thread_of(u), 'r@example.com', pg_temp.some_time() FROM generate_series(1, n);
    WHEN 11 THEN
        UPDATE hub.email_messages SET received_at = received_at - random() * interval '5 days'
        WHERE user_id = u AND random() < 0.2;
    WHEN 12 THEN
        UPDATE hub.email_messages SET user_id = v, thread_id = pg_temp.thread_of(v) WHERE user_id = u AND random() < 0.1;
    WHEN 13 THEN
        DELETE FROM hub.email_messages WHERE user_id = u AND random() < 0.1;
    WHEN 14, 15 THEN -- a subtransaction: a few writes, then released or rolled back
        IF depth < 2 THEN
            BEGIN
                FOR i IN 1..n LOOP
                    statements := statements + pg_temp.random_write(depth + 1);
                END LOOP;
                IF op = 14 THEN
                    RAISE EXCEPTION USING ERRCODE = 'AHRND', MESSAGE = 'roll back';
                END IF;
            EXCEPTION WHEN SQLSTATE 'AHRND' THEN
                NULL;
            END;
        END IF;
    ELSE -- TRUNCATE, rarely
        IF random() < 0.05 THEN
            CASE floor(random() * 3)::int
            WHEN 0 THEN TRUNCATE hub.email_messages;
            WHEN 1 THEN TRUNCATE hub.tasks;
            ELSE TRUNCATE hub.journal_entries;
            END CASE;
        END IF;
    END CASE;
    RETURN statements;
END $$;

SELECT setseed(0.2024);
CREATE TEMP TABLE statements (n int);
INSERT INTO statements VALUES (0);
-- Writes in transactions of one to ten, a tenth of them rolled back.
CREATE PROCEDURE pg_temp.random_writes(writes int) LANGUAGE plpgsql AS $$
DECLARE
    done int := 0;
BEGIN
    FOR i IN 1..writes LOOP
        done := done + pg_temp.random_write();
        IF random() < 0.2 THEN
            IF random() < 0.1 THEN
                ROLLBACK;
            ELSE
                UPDATE statements SET n = n + done;
                done := 0;
                COMMIT;
            END IF;
        END IF;
    END LOOP;
    UPDATE statements SET n = n + done;
END $$;
CALL pg_temp.random_writes(1500);
SELECT * FROM pg_temp.check_all();
-- Consolidated: one-user reads come from the dashboard cache, until the next writes.
SELECT assistant_hub.consolidate_metrics() > 0 AS folded;
SELECT * FROM pg_temp.check_all();
-- COPY, into a table that has rows and one that was just truncated.
TRUNCATE hub.email_messages;
COPY hub.tasks (user_id, title, status, completed_at) FROM stdin;
30019c5f-cb08-eb71-edde-1a24178a6957	copied	completed	2020-01-01 10:00+00
30019c5f-cb08-eb71-edde-1a24178a6957	copied	pending	\N
e1df23b8-2571-58d6-bbe6-a97a0bc5463f	copied	completed	2099-01-01 10:00+00
\.
INSERT INTO hub.tasks (user_id, title, status, completed_at)
SELECT id, 'recent copy', 'completed', now() - interval '1 day' FROM random_users;
-- A COPY of recent messages, through a file in the (temporary) data directory.
SELECT current_setting('data_directory') || '/metrics_random_copy.tsv' AS copy_file \gset
COPY (SELECT u.id, pg_temp.thread_of(u.id), 'copy@example.com', now() - g * interval '9 hours'
      FROM random_users u, generate_series(1, 30) g) TO :'copy_file';
COPY hub.email_messages (user_id, thread_id, from_address, received_at) FROM :'copy_file';
SELECT * FROM pg_temp.check_all();
SELECT pg_temp.served_with_deltas() > 0 AS cached_rows_with_newer_deltas_served;
-- 1,500 more.
CALL pg_temp.random_writes(1500);
SELECT n > 3000 AS more_than_3000_statements FROM statements;
SELECT * FROM pg_temp.check_all();
-- After consolidation, still exact; and the dashboard shows what was just written.
INSERT INTO hub.journal_entries (user_id, entry_date, content) SELECT id, current_date, 'last' FROM random_users;
SELECT assistant_hub.consolidate_metrics() > 0 AS folded;
SELECT * FROM pg_temp.check_all();
-- (Only the twelve users who just wrote: whether other users still have entries this week depends
-- on the random writes, whose sequence depends on the random demo data's sizes.)
SELECT count(DISTINCT d.user_id) AS users_with_journal_entries_this_week
FROM assistant_hub.dashboard_metrics d JOIN random_users r ON r.id = d.user_id
WHERE d.metric_type = 'journal_entries' AND d.week_start = date_trunc('week', now());
DROP TABLE random_users;
