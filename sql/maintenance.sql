-- run_maintenance(), run_cleanup() and their settings. Everything that depends on the data runs
-- in one transaction that is rolled back: now() stays put, and the hub rows of the other tests
-- are left as they were.
-- A step of a report, by name.
CREATE FUNCTION pg_temp.step(report jsonb, name text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT s FROM jsonb_array_elements(report->'steps') s WHERE s->>'step' = name
$$;

BEGIN;
-- Only this test's rows are expired: the other tests' expired rows go first.
DELETE FROM hub.activity_logs WHERE created_at < now() - interval '1 year';
DELETE FROM hub.cache_entries WHERE expires_at < now();
DELETE FROM assistant_hub.query_performance_log WHERE logged_at < now() - interval '90 days';
INSERT INTO hub.users (id, email) VALUES ('6d61696e-7400-4000-8000-000000000001', 'maint@example.com');
-- 25 activity rows older than a year and 5 newer; 12 expired cache entries and 3 live ones.
INSERT INTO hub.activity_logs (user_id, activity_type, created_at)
SELECT '6d61696e-7400-4000-8000-000000000001', 'login', now() - interval '1 year' - g * interval '1 hour'
FROM generate_series(1, 25) g;
INSERT INTO hub.activity_logs (user_id, activity_type, created_at)
SELECT '6d61696e-7400-4000-8000-000000000001', 'login', now() - interval '1 year' + g * interval '1 day'
FROM generate_series(1, 5) g;
INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
SELECT '6d61696e-7400-4000-8000-000000000001', 'k' || g, '{}', now() - g * interval '1 minute'
FROM generate_series(1, 12) g;
INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
SELECT '6d61696e-7400-4000-8000-000000000001', 'live' || g, '{}', now() + g * interval '1 minute'
FROM generate_series(1, 3) g;

-- Slow-query log: 3 rows older than 90 days, 2 newer.
INSERT INTO assistant_hub.query_performance_log (logged_at, started_at, query_hash, query_text,
                                                 execution_time_ms, rows_returned, status)
SELECT now() - g * interval '31 days', now() - g * interval '31 days', g, 'SELECT $1', 1500, 1, 'ok'
FROM generate_series(1, 5) g;
-- Batches of 4 rows, at most 2 full batches per table and run: the first run removes 8 of each.
SET LOCAL assistant_hub.maintenance_batch_rows = 4;
SET LOCAL assistant_hub.maintenance_max_batches = 2;
CREATE TEMP TABLE run1 AS SELECT assistant_hub.run_maintenance() AS r;
SELECT r->>'status' AS status, jsonb_typeof(r->'run_id') AS run_id, jsonb_typeof(r->'duration_ms') AS duration_ms
FROM run1;
-- Every step reports its status and its time.
SELECT s->>'step' AS step, s->>'status' AS status, s->>'reason' AS reason, jsonb_typeof(s->'ms') AS ms
FROM run1, jsonb_array_elements(r->'steps') s;
SELECT s->>'step' AS step, s->'rows_deleted' AS rows_deleted, s->'complete' AS complete,
       s->'partitions_dropped' AS partitions_dropped
FROM run1, jsonb_array_elements(r->'steps') s WHERE s ? 'rows_deleted';
-- Recorded in the log, with the same report.
SELECT l.status, l.report->'steps' = r->'steps' AS same_steps, l.finished_at >= l.started_at AS ordered
FROM run1 JOIN assistant_hub.maintenance_log l ON l.id = (r->>'run_id')::bigint;
-- The next runs go on where it stopped, and only expired rows go.
SELECT pg_temp.step(assistant_hub.run_maintenance(), 'activity_logs_retention')->'rows_deleted' AS second_run;
SELECT pg_temp.step(assistant_hub.run_maintenance(), 'activity_logs_retention')->'rows_deleted' AS third_run,
       pg_temp.step(assistant_hub.run_maintenance(), 'activity_logs_retention')->'complete' AS fourth_complete;
SELECT (SELECT count(*) FROM hub.activity_logs WHERE user_id = '6d61696e-7400-4000-8000-000000000001') AS activity_left,
       (SELECT min(created_at) >= now() - interval '1 year' FROM hub.activity_logs
        WHERE user_id = '6d61696e-7400-4000-8000-000000000001') AS only_recent,
       (SELECT string_agg(cache_key, ',' ORDER BY cache_key) FROM hub.cache_entries
        WHERE user_id = '6d61696e-7400-4000-8000-000000000001') AS cache_left;

-- A failing step is rolled back alone and reported; the other steps still run.
CREATE FUNCTION public.refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'deletes are refused here' USING ERRCODE = 'insufficient_privilege'; END $$;
INSERT INTO hub.activity_logs (user_id, activity_type, created_at)
VALUES ('6d61696e-7400-4000-8000-000000000001', 'old', now() - interval '2 years');
INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
VALUES ('6d61696e-7400-4000-8000-000000000001', 'old', '{}', now() - interval '1 day');
CREATE TRIGGER refuse_delete BEFORE DELETE ON hub.activity_logs
    FOR EACH ROW EXECUTE FUNCTION public.refuse_delete();
SAVEPOINT failing;
CREATE TEMP TABLE run2 AS SELECT assistant_hub.run_maintenance() AS r;
SELECT r->>'status' AS status,
       pg_temp.step(r, 'activity_logs_retention') - 'ms' AS failed_step,
       pg_temp.step(r, 'cache_entries_expiry')->'rows_deleted' AS cache_rows_deleted
FROM run2;
SELECT count(*) AS old_activity_kept FROM hub.activity_logs WHERE activity_type = 'old';
ROLLBACK TO SAVEPOINT failing;
DROP TRIGGER refuse_delete ON hub.activity_logs;
DROP FUNCTION public.refuse_delete();
-- A cancel (here a statement timeout) is not a failing step: it stops the whole run.
CREATE FUNCTION public.stall_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(30); RETURN OLD; END $$;
CREATE TRIGGER stall_delete BEFORE DELETE ON hub.activity_logs
    FOR EACH ROW EXECUTE FUNCTION public.stall_delete();
SAVEPOINT cancelled;
SET LOCAL statement_timeout = '100ms';
\set SHOW_CONTEXT never
SELECT assistant_hub.run_maintenance();
\set SHOW_CONTEXT errors
ROLLBACK TO SAVEPOINT cancelled;
DROP TRIGGER stall_delete ON hub.activity_logs;
DROP FUNCTION public.stall_delete();

-- A table range-partitioned on its time column: expired partitions are dropped whole, the rows
-- of the partition that straddles the cutoff are deleted, later partitions are left alone.
SAVEPOINT ranged;
DROP TABLE hub.cache_entries;
CREATE TABLE hub.cache_entries (user_id uuid NOT NULL, cache_key text NOT NULL, value jsonb NOT NULL,
                                expires_at timestamptz NOT NULL) PARTITION BY RANGE (expires_at);
CREATE TABLE hub.cache_entries_old PARTITION OF hub.cache_entries
    FOR VALUES FROM (MINVALUE) TO (now() - interval '1 day');
CREATE TABLE hub.cache_entries_now PARTITION OF hub.cache_entries
    FOR VALUES FROM (now() - interval '1 day') TO (now() + interval '1 day');
CREATE TABLE hub.cache_entries_later PARTITION OF hub.cache_entries
    FOR VALUES FROM (now() + interval '1 day') TO (MAXVALUE);
INSERT INTO hub.cache_entries
SELECT '6d61696e-7400-4000-8000-000000000001', 'k' || g, '{}', now() + g * interval '1 hour'
FROM generate_series(-72, 72, 6) g;
SELECT pg_temp.step(assistant_hub.run_maintenance(), 'cache_entries_expiry')
       - 'ms' - 'batches' AS range_partitioned_step;
SELECT tableoid::regclass AS partition, count(*), min(expires_at) >= now() AS none_expired
FROM hub.cache_entries GROUP BY 1 ORDER BY 1;
ROLLBACK TO SAVEPOINT ranged;

-- A table dropped by its owner: a NOTICE, that step skipped, the rest done.
DROP TABLE hub.cache_entries;
SELECT r->>'status' AS status, pg_temp.step(r, 'cache_entries_expiry') - 'ms' AS cache_step,
       pg_temp.step(r, 'activity_logs_retention')->'rows_deleted' AS activity_rows_deleted
FROM (SELECT assistant_hub.run_maintenance() AS r) t;
ROLLBACK;

-- run_cleanup() removes everything expired, committing after each bounded round.
INSERT INTO hub.users (id, email) VALUES ('6d61696e-7400-4000-8000-000000000002', 'cleanup@example.com');
INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
SELECT '6d61696e-7400-4000-8000-000000000002', 'k' || g, '{}', now() - interval '1 hour'
FROM generate_series(1, 30) g;
SET assistant_hub.maintenance_batch_rows = 5;
SET assistant_hub.maintenance_max_batches = 1;
SET client_min_messages = warning; -- its NOTICE counts the other tests' expired rows too
CALL assistant_hub.run_cleanup();
RESET client_min_messages;
SELECT count(*) AS expired_left FROM hub.cache_entries WHERE expires_at < now();
DELETE FROM hub.users WHERE id = '6d61696e-7400-4000-8000-000000000002';
RESET assistant_hub.maintenance_batch_rows;
RESET assistant_hub.maintenance_max_batches;
-- It commits, so it cannot run inside a transaction block; bad arguments.
BEGIN;
CALL assistant_hub.run_cleanup();
ROLLBACK;
CALL assistant_hub.run_cleanup(0);
CALL assistant_hub.run_cleanup(NULL);

-- The other subsystems' steps do their work: a new journal entry leaves a metric delta that the
-- run folds into the daily counts (which stay exact), and partition maintenance reports.
INSERT INTO hub.users (id, email) VALUES ('6d61696e-7400-4000-8000-000000000004', 'fold@example.com');
INSERT INTO hub.journal_entries (user_id, entry_date, content)
VALUES ('6d61696e-7400-4000-8000-000000000004', current_date, 'folded');
SELECT (pg_temp.step(r, 'metric_consolidation')->>'rows_folded')::bigint >= 1 AS deltas_folded,
       jsonb_typeof(pg_temp.step(r, 'partition_maintenance')->'actions') AS partition_actions
FROM (SELECT assistant_hub.run_maintenance() AS r) t;
SELECT count(*) AS inexact_days FROM assistant_hub.verify_metric('journal_entries');
DELETE FROM hub.users WHERE id = '6d61696e-7400-4000-8000-000000000004';

-- ANALYZE of the tables that changed enough since their last ANALYZE, and only those.
CREATE TABLE hub.maintenance_probe (id int) WITH (autovacuum_enabled = false);
INSERT INTO hub.maintenance_probe SELECT generate_series(1, 2000);
SELECT pg_stat_force_next_flush(); -- the INSERT's statistics reach pg_stat_user_tables now
SET assistant_hub.analyze_min_changes = 1500;
SELECT pg_temp.step(r, 'analyze')->'analyzed' @> '[{"table": "hub.maintenance_probe", "changed_rows": 2000}]' AS analyzed
FROM (SELECT assistant_hub.run_maintenance() AS r) t;
SELECT last_analyze IS NOT NULL AS has_statistics, n_mod_since_analyze
FROM pg_stat_user_tables WHERE relid = 'hub.maintenance_probe'::regclass;
SELECT pg_temp.step(r, 'analyze')->'analyzed' @> '[{"table": "hub.maintenance_probe"}]' AS analyzed_again
FROM (SELECT assistant_hub.run_maintenance() AS r) t;
-- A table still draining expired rows is analyzed once it has settled, not after every batch.
ALTER TABLE hub.cache_entries SET (autovacuum_enabled = false); -- no ANALYZE but ours meanwhile
INSERT INTO hub.users (id, email) VALUES ('6d61696e-7400-4000-8000-000000000003', 'drain@example.com');
INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
SELECT '6d61696e-7400-4000-8000-000000000003', 'k' || g, '{}', now() - interval '1 hour'
FROM generate_series(1, 40) g;
SELECT pg_stat_force_next_flush();
SET assistant_hub.analyze_min_changes = 10;
SET assistant_hub.maintenance_batch_rows = 10;
SET assistant_hub.maintenance_max_batches = 1;
SELECT pg_temp.step(r, 'cache_entries_expiry')->'complete' AS complete,
       pg_temp.step(r, 'analyze')->'deferred_while_cleaning' ? 'hub.cache_entries' AS analyze_deferred
FROM (SELECT assistant_hub.run_maintenance() AS r) t;
RESET assistant_hub.maintenance_max_batches;
SELECT pg_temp.step(r, 'cache_entries_expiry')->'complete' AS complete,
       pg_temp.step(r, 'analyze')->'analyzed' @> '[{"table": "hub.cache_entries"}]' AS analyzed_now
FROM (SELECT assistant_hub.run_maintenance() AS r) t;
RESET assistant_hub.maintenance_batch_rows;
DELETE FROM hub.users WHERE id = '6d61696e-7400-4000-8000-000000000003';
ALTER TABLE hub.cache_entries RESET (autovacuum_enabled);
RESET assistant_hub.analyze_min_changes;
DROP TABLE hub.maintenance_probe;

-- Settings: positive batch sizes only, and only for superusers.
SET assistant_hub.maintenance_batch_rows = 0;
SET assistant_hub.maintenance_max_batches = -1;
CREATE ROLE maintenance_app;
GRANT USAGE ON SCHEMA assistant_hub TO maintenance_app;
SET ROLE maintenance_app;
SET assistant_hub.maintenance_batch_rows = 10;
SELECT assistant_hub.run_maintenance();
RESET ROLE;
REVOKE USAGE ON SCHEMA assistant_hub FROM maintenance_app;
DROP ROLE maintenance_app;
