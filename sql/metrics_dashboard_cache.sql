-- The dashboard cache: consolidate_metrics() keeps each user's dashboard_metrics rows packed in
-- assistant_hub.dashboard_cache; a one-user read returns them only while they are what computing
-- them would give (same day, no unconsolidated or pending deltas of the user, no row-level
-- security, not SERIALIZABLE), and computes them otherwise. Either way: the seed's rows.
SET TimeZone = 'UTC';
\i sql/include/try.sql
\set seed_query `cat sql/include/seed_dashboard_metrics_enhanced.sql`
CREATE TEMP VIEW seed AS :seed_query;
CREATE TEMP TABLE some_users AS SELECT id, row_number() OVER (ORDER BY email) AS n
FROM hub.users ORDER BY email LIMIT 6;
-- How the scan served one user's read: 'cache', 'cache+deltas' (the cached values plus newer
-- deltas) or 'computed' (EXPLAIN ANALYZE's counters).
CREATE FUNCTION pg_temp.served(uid uuid) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON)'
            ' SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = $1' INTO plan USING uid;
    RETURN CASE WHEN (plan->0->'Plan'->>'Users From Cache')::int = 1 THEN 'cache'
                WHEN (plan->0->'Plan'->>'Users From Cache And Deltas')::int = 1 THEN 'cache+deltas'
                WHEN (plan->0->'Plan'->>'Users Computed')::int = 1 THEN 'computed' END;
END $$;
CREATE FUNCTION pg_temp.served_all() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(n || ':' || pg_temp.served(id), ' ' ORDER BY n) FROM some_users $$;
CREATE FUNCTION pg_temp.user_n(k int) RETURNS uuid LANGUAGE sql AS $$
    SELECT id FROM some_users WHERE n = k $$;
-- Rows of some_users read one user at a time (cached or not) that differ from the seed's.
CREATE FUNCTION pg_temp.differing() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        (SELECT d.* FROM some_users u, LATERAL (SELECT * FROM assistant_hub.dashboard_metrics d
                                                 WHERE d.user_id = u.id OFFSET 0) d
         EXCEPT ALL SELECT s.* FROM some_users u JOIN seed s ON s.user_id = u.id)
        UNION ALL
        (SELECT s.* FROM some_users u JOIN seed s ON s.user_id = u.id
         EXCEPT ALL SELECT d.* FROM some_users u, LATERAL (SELECT * FROM assistant_hub.dashboard_metrics d
                                                           WHERE d.user_id = u.id OFFSET 0) d)) x $$;

-- Consolidation fills the cache for the period of "today" in the hub metrics' zone (UTC here).
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT valid_from = date_trunc('day', now()) AND valid_until = date_trunc('day', now()) + interval '1 day'
    AS period_is_today FROM assistant_hub.dashboard_cache_state;
SELECT count(*) = (SELECT count(DISTINCT user_id) FROM assistant_hub.dashboard_metrics) AS every_user_cached,
       bool_and(c.valid_from = s.valid_from AND c.valid_until = s.valid_until) AS cached_for_the_period,
       max(length(c.rows)) < 8000 AS kept_in_the_row
FROM assistant_hub.dashboard_cache c, assistant_hub.dashboard_cache_state s;
SELECT pg_temp.served_all();
SELECT pg_temp.differing();
-- Every user's rows, read one user at a time, as text, in the order the scan returns them.
CREATE TEMP VIEW one_by_one AS
SELECT u.id AS uid, d.ord, d.r::text AS r FROM hub.users u,
    LATERAL (SELECT row_number() OVER () AS ord, d AS r FROM assistant_hub.dashboard_metrics d WHERE d.user_id = u.id) d;
-- Those rows read as the cache allows, then computed (assistant_hub.dashboard_cache = off): the
-- rows only one of them gave.
CREATE FUNCTION pg_temp.cached_vs_computed(OUT has_rows boolean, OUT only_cached bigint,
                                           OUT only_computed bigint) LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE cached_rows AS SELECT * FROM one_by_one;
    PERFORM set_config('assistant_hub.dashboard_cache', 'off', false);
    CREATE TEMP TABLE computed_rows AS SELECT * FROM one_by_one;
    PERFORM set_config('assistant_hub.dashboard_cache', 'on', false);
    SELECT (SELECT count(*) FROM cached_rows) > 0,
           (SELECT count(*) FROM (SELECT * FROM cached_rows EXCEPT ALL SELECT * FROM computed_rows) x),
           (SELECT count(*) FROM (SELECT * FROM computed_rows EXCEPT ALL SELECT * FROM cached_rows) x)
    INTO has_rows, only_cached, only_computed;
    DROP TABLE cached_rows, computed_rows;
END $$;
-- Cached rows are byte for byte the computed ones, every user, in the same order.
SET assistant_hub.dashboard_cache = off;
SELECT pg_temp.served(pg_temp.user_n(1)) AS served_when_off;
RESET assistant_hub.dashboard_cache;
SELECT * FROM pg_temp.cached_vs_computed();
-- A user without values: nothing cached, nothing to show.
SELECT pg_temp.served('00000000-0000-0000-0000-00000000ffff') AS unknown_user_served,
       (SELECT count(*) FROM assistant_hub.dashboard_metrics WHERE user_id = '00000000-0000-0000-0000-00000000ffff') AS unknown_user_rows;

-- A committed write not yet consolidated: that user is computed (the others still cached), and
-- shows it; consolidation caches the user again.
INSERT INTO hub.journal_entries (user_id, entry_date, content)
SELECT pg_temp.user_n(1), current_date, 'after consolidation' FROM generate_series(1, 4);
UPDATE hub.tasks SET status = 'completed', completed_at = now() - interval '20 days'
WHERE user_id = pg_temp.user_n(2) AND status = 'pending';
SELECT pg_temp.served_all();
SELECT pg_temp.differing();
SELECT assistant_hub.consolidate_metrics() > 0 AS folded;
SELECT pg_temp.served_all();
SELECT pg_temp.differing();

-- This transaction's own writes (pending deltas), and a rolled back one: computed while pending.
BEGIN;
INSERT INTO hub.journal_entries (user_id, entry_date, content)
VALUES (pg_temp.user_n(3), current_date, 'pending');
SELECT pg_temp.served(pg_temp.user_n(3)) AS own_write, pg_temp.served(pg_temp.user_n(4)) AS other_user;
SELECT pg_temp.differing() AS differing_with_pending;
ROLLBACK;
SELECT pg_temp.served(pg_temp.user_n(3)) AS after_rollback, pg_temp.differing();
-- Subtransactions: a rolled back one's deltas are gone (cached again), a released one's stay.
BEGIN;
SAVEPOINT s;
INSERT INTO hub.journal_entries (user_id, entry_date, content) VALUES (pg_temp.user_n(3), current_date, 'sub');
SELECT pg_temp.served(pg_temp.user_n(3)) AS in_savepoint;
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.served(pg_temp.user_n(3)) AS rolled_back_to_savepoint;
SAVEPOINT t;
INSERT INTO hub.journal_entries (user_id, entry_date, content) VALUES (pg_temp.user_n(3), current_date, 'sub');
RELEASE SAVEPOINT t;
SELECT pg_temp.served(pg_temp.user_n(3)) AS released, pg_temp.differing();
ROLLBACK;

-- Deltas of another uuid-keyed metric do not stop the cache; creating or dropping a metric
-- clears it (counts changed without consolidation) and the next consolidation rebuilds it.
SELECT assistant_hub.create_metric('contacts_added', 'hub.contacts', 'user_id', 'created_at');
SELECT count(*) AS cached_after_create FROM assistant_hub.dashboard_cache;
SELECT pg_temp.served_all();
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT count(*) > 0 AS rebuilt FROM assistant_hub.dashboard_cache;
INSERT INTO hub.contacts (user_id, display_name) VALUES (pg_temp.user_n(1), 'New Contact');
SELECT pg_temp.served(pg_temp.user_n(1)) AS with_other_metric_delta, pg_temp.differing();
SELECT assistant_hub.drop_metric('contacts_added');
SELECT count(*) AS cached_after_drop FROM assistant_hub.dashboard_cache;
SELECT pg_temp.differing();
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT pg_temp.served_all();

-- rebuild_metric, a repair, empties the cache (the cached values are the counts, which may be what
-- was wrong: damaged by hand here): computed, and right, until consolidated.
UPDATE assistant_hub.metric_counts_uuid SET value = value + 7
WHERE key = pg_temp.user_n(5) AND day = (SELECT max(day) FROM assistant_hub.metric_counts_uuid WHERE key = pg_temp.user_n(5));
SELECT assistant_hub.rebuild_metric(name, pg_temp.user_n(5)::text) AS corrected
FROM assistant_hub.metrics WHERE name IN ('journal_entries', 'tasks_completed', 'emails_received') ORDER BY name;
SELECT pg_temp.served(pg_temp.user_n(5)) AS after_rebuild, pg_temp.differing();
SELECT assistant_hub.consolidate_metrics() > 0 AS folded;
SELECT pg_temp.served(pg_temp.user_n(5)) AS after_consolidation, pg_temp.differing();
-- Newer deltas on the cached values: an entry created 70 days ago, one 200 days ago (before the
-- window), and a whole day of entries deleted.
INSERT INTO hub.journal_entries (user_id, entry_date, content, created_at)
VALUES (pg_temp.user_n(5), current_date, 'old day', now() - interval '70 days'),
       (pg_temp.user_n(5), current_date, 'older day', now() - interval '200 days');
DELETE FROM hub.journal_entries WHERE user_id = pg_temp.user_n(5)
  AND created_at::date = (SELECT max(created_at::date) FROM hub.journal_entries
                          WHERE user_id = pg_temp.user_n(5) AND content NOT LIKE 'old%');
SELECT pg_temp.served(pg_temp.user_n(5)) AS with_newer_deltas, pg_temp.differing();

-- Another day: rows computed for an earlier "today" are not served; the consolidation of the
-- new period recomputes every user.
UPDATE assistant_hub.dashboard_cache SET valid_until = now() WHERE user_id = pg_temp.user_n(6);
SELECT pg_temp.served(pg_temp.user_n(6)) AS expired, pg_temp.served(pg_temp.user_n(1)) AS not_expired;
UPDATE assistant_hub.dashboard_cache SET valid_from = now() + interval '1 hour' WHERE user_id = pg_temp.user_n(1);
SELECT pg_temp.served(pg_temp.user_n(1)) AS not_yet_valid;
UPDATE assistant_hub.dashboard_cache_state SET valid_until = now();
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT pg_temp.served_all();
SELECT pg_temp.differing();

-- A damaged cache row is never trusted: computed instead.
UPDATE assistant_hub.dashboard_cache SET rows = substring(rows FROM 1 FOR 200)
WHERE user_id = pg_temp.user_n(1);
UPDATE assistant_hub.dashboard_cache SET rows = '\x00' WHERE user_id = pg_temp.user_n(2);
UPDATE assistant_hub.dashboard_cache SET rows = overlay(rows PLACING '\xffffffff' FROM 1) WHERE user_id = pg_temp.user_n(3);
-- One bit of a value (the checksum), and a numeric's length made shorter than its own header.
UPDATE assistant_hub.dashboard_cache SET rows = set_byte(rows, 150, get_byte(rows, 150) # 1)
WHERE user_id = pg_temp.user_n(4);
UPDATE assistant_hub.dashboard_cache SET rows = overlay(rows PLACING '\x0c000000' FROM position('\x6a6f75726e616c5f656e7472696573'::bytea IN rows) - 4)
WHERE user_id = pg_temp.user_n(5);
SELECT pg_temp.served_all();
SELECT pg_temp.differing();

-- Damage in the day values alone: a read without newer deltas still uses the (checked) rows; one
-- with newer deltas, which needs the day values, computes.
UPDATE assistant_hub.dashboard_cache SET rows = set_byte(rows, length(rows) - 1, get_byte(rows, length(rows) - 1) # 1)
WHERE user_id = pg_temp.user_n(6);
SELECT pg_temp.served(pg_temp.user_n(6)) AS days_damaged;
INSERT INTO hub.journal_entries (user_id, entry_date, content) VALUES (pg_temp.user_n(6), current_date, 'days damaged');
SELECT pg_temp.served(pg_temp.user_n(6)) AS days_damaged_with_deltas, pg_temp.differing();

-- A consolidation whose cache refresh fails still folds the deltas, and empties the cache (the
-- cached rows were computed without them): reads compute until the next consolidation.
CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused by the test';
END $$;
CREATE TRIGGER refuse BEFORE INSERT ON assistant_hub.dashboard_cache
    FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse();
INSERT INTO hub.journal_entries (user_id, entry_date, content) VALUES (pg_temp.user_n(4), current_date, 'refused');
SELECT assistant_hub.consolidate_metrics() > 0 AS folded;
SELECT count(*) AS deltas_left FROM assistant_hub.metric_deltas_uuid;
SELECT count(*) AS cached_after_failure FROM assistant_hub.dashboard_cache;
SELECT pg_temp.served_all();
SELECT pg_temp.differing();
DROP TRIGGER refuse ON assistant_hub.dashboard_cache;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT pg_temp.served_all();
-- A missing state row is put back.
DELETE FROM assistant_hub.dashboard_cache_state;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT count(*) AS state_rows FROM assistant_hub.dashboard_cache_state;

-- SERIALIZABLE: computed through SQL, for the executor's predicate locks.
UPDATE assistant_hub.dashboard_cache_state SET valid_until = now();
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.served(pg_temp.user_n(1)) AS serializable, pg_temp.differing();
COMMIT;

-- Hub metrics in different zones: the cache is valid while "today" is the same in each (the
-- intersection of their days), and its rows, with or without newer deltas, are the computed ones.
SET assistant_hub.metrics_timezone = 'Asia/Tokyo';
SELECT assistant_hub.rebuild_metric('tasks_completed') >= 0 AS rezoned;
RESET assistant_hub.metrics_timezone;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT valid_from = greatest(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                             date_trunc('day', now() AT TIME ZONE 'Asia/Tokyo') AT TIME ZONE 'Asia/Tokyo')
   AND valid_until = least((date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day') AT TIME ZONE 'UTC',
                           (date_trunc('day', now() AT TIME ZONE 'Asia/Tokyo') + interval '1 day') AT TIME ZONE 'Asia/Tokyo')
    AS period_is_both_todays
FROM assistant_hub.dashboard_cache_state;
UPDATE hub.tasks SET status = 'completed', completed_at = now() - interval '3 days'
WHERE user_id = pg_temp.user_n(1) AND status <> 'completed';
SELECT pg_temp.served(pg_temp.user_n(1)) AS zoned_with_deltas, pg_temp.served(pg_temp.user_n(2)) AS zoned;
SELECT * FROM pg_temp.cached_vs_computed();
SELECT assistant_hub.rebuild_metric('tasks_completed') >= 0 AS back_to_utc;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT pg_temp.differing();

-- The caller's privileges and row-level security hold for cached users too.
CREATE ROLE ah_cache_app NOLOGIN;
SELECT assistant_hub.grant_app_role('ah_cache_app');
GRANT SELECT ON some_users TO ah_cache_app;
GRANT EXECUTE ON FUNCTION pg_temp.served(uuid), pg_temp.user_n(int) TO ah_cache_app;
SELECT set_config('assistant_hub.user_id', pg_temp.user_n(1)::text, false) IS NOT NULL AS user_set;
SET ROLE ah_cache_app;
SELECT pg_temp.served(pg_temp.user_n(1)) AS own_user_under_rls,
       (SELECT count(*) > 0 FROM assistant_hub.dashboard_metrics WHERE user_id = pg_temp.user_n(1)) AS own_rows,
       (SELECT count(*) FROM assistant_hub.dashboard_metrics WHERE user_id = pg_temp.user_n(2)) AS other_users_rows;
SELECT pg_temp.try('SELECT * FROM assistant_hub.dashboard_cache');
RESET ROLE;
RESET assistant_hub.user_id;
CREATE ROLE ah_cache_view_only NOLOGIN;
GRANT USAGE ON SCHEMA assistant_hub TO ah_cache_view_only;
GRANT SELECT ON assistant_hub.dashboard_metrics, assistant_hub._dashboard_metrics TO ah_cache_view_only;
SELECT pg_temp.user_n(1) AS cached_user \gset
SET ROLE ah_cache_view_only;
SELECT pg_temp.try(format('SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = %L', :'cached_user'));
RESET ROLE;
DROP OWNED BY ah_cache_app, ah_cache_view_only;
DROP ROLE ah_cache_app, ah_cache_view_only;

-- The refresh wants the list of users that changed (empty: none), not null.
SELECT pg_temp.try('SELECT assistant_hub._dashboard_cache_refresh(NULL)');
SELECT assistant_hub._dashboard_cache_refresh('{}') AS refreshed_none;
-- The maintenance functions are the extension's, not the public's.
SELECT has_function_privilege('public', 'assistant_hub._dashboard_cache_refresh(uuid[])', 'EXECUTE') AS public_refresh,
       has_function_privilege('public', 'assistant_hub._dashboard_cache_build(uuid[])', 'EXECUTE') AS public_build,
       has_table_privilege('public', 'assistant_hub.dashboard_cache', 'SELECT') AS public_select;
DROP FUNCTION pg_temp.served_all(), pg_temp.differing(), pg_temp.user_n(int), pg_temp.served(uuid),
    pg_temp.cached_vs_computed();
DROP VIEW one_by_one;
