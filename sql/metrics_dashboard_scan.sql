-- How dashboard_metrics is read (assistant_hub._dashboard_metrics, a foreign table whose scan is
-- C++): with "user_id = x" it reads one user, from the value indexes or, when row-level security
-- or SERIALIZABLE applies, through SQL; in a join, once per outer row; else every user. Every way
-- gives the seed's rows, this transaction's own writes included.
SET TimeZone = 'UTC';
\i sql/include/try.sql
\set seed_query `cat sql/include/seed_dashboard_metrics_enhanced.sql`
CREATE TEMP VIEW seed AS :seed_query;
CREATE TEMP TABLE some_users AS SELECT id FROM hub.users ORDER BY email LIMIT 6;
ANALYZE some_users;
-- Users (of some_users) whose rows differ from the seed's, when read one user at a time.
CREATE FUNCTION pg_temp.users_differing() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM some_users u
    WHERE (SELECT array_agg(d::text ORDER BY d::text) FROM assistant_hub.dashboard_metrics d WHERE d.user_id = u.id)
          IS DISTINCT FROM (SELECT array_agg(s::text ORDER BY s::text) FROM seed s WHERE s.user_id = u.id) $$;
-- Rows of some_users' users in one and not the other, read through a join.
CREATE FUNCTION pg_temp.join_mismatches() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        (SELECT d.* FROM some_users u JOIN assistant_hub.dashboard_metrics d ON d.user_id = u.id
         EXCEPT ALL SELECT s.* FROM some_users u JOIN seed s ON s.user_id = u.id)
        UNION ALL
        (SELECT s.* FROM some_users u JOIN seed s ON s.user_id = u.id
         EXCEPT ALL SELECT d.* FROM some_users u JOIN assistant_hub.dashboard_metrics d ON d.user_id = u.id)) x $$;

-- The plans: one foreign scan node, for one user or for every user.
EXPLAIN (COSTS OFF) SELECT * FROM assistant_hub.dashboard_metrics
WHERE user_id = '00000000-0000-0000-0000-0000000000d1';
EXPLAIN (COSTS OFF) SELECT * FROM assistant_hub.dashboard_metrics WHERE metric_type = 'tasks_completed';
-- A join on user_id: a nested loop; the scan takes each outer row's user.
EXPLAIN (COSTS OFF) SELECT d.* FROM hub.users u JOIN assistant_hub.dashboard_metrics d ON d.user_id = u.id
WHERE u.email = 'someone@example.com';
EXPLAIN (COSTS OFF) SELECT d.* FROM some_users u,
    LATERAL (SELECT * FROM assistant_hub.dashboard_metrics d WHERE d.user_id = u.id OFFSET 0) d;

-- Every way gives the seed's rows: one user (a correlated subquery), a join, a prepared
-- statement's generic plan, and the scan of every user (also in metrics_dashboard).
SELECT count(*) AS users, pg_temp.users_differing() AS differing FROM some_users;
SELECT pg_temp.join_mismatches() AS join_mismatches;
SET plan_cache_mode = force_generic_plan;
PREPARE one_user(uuid) AS SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = $1;
EXPLAIN (COSTS OFF) EXECUTE one_user('00000000-0000-0000-0000-0000000000d1');
\set ECHO none
SELECT format('CREATE TEMP TABLE prepared_%s AS EXECUTE one_user(%L)', row_number() OVER (ORDER BY id), id)
FROM some_users \gexec
\set ECHO all
CREATE TEMP VIEW prepared_rows AS
SELECT * FROM prepared_1 UNION ALL SELECT * FROM prepared_2 UNION ALL SELECT * FROM prepared_3
UNION ALL SELECT * FROM prepared_4 UNION ALL SELECT * FROM prepared_5 UNION ALL SELECT * FROM prepared_6;
SELECT count(*) > 0 AS has_rows,
       (SELECT count(*) FROM (SELECT * FROM prepared_rows EXCEPT ALL
                              SELECT s.* FROM seed s JOIN some_users u ON u.id = s.user_id) x) AS only_ours,
       (SELECT count(*) FROM (SELECT s.* FROM seed s JOIN some_users u ON u.id = s.user_id
                              EXCEPT ALL SELECT * FROM prepared_rows) x) AS only_seed
FROM prepared_rows;
RESET plan_cache_mode;
SELECT count(*) AS rows_for_null_user FROM assistant_hub.dashboard_metrics WHERE user_id = NULL::uuid;
SELECT count(*) AS rows_for_unknown_user FROM assistant_hub.dashboard_metrics
WHERE user_id = '00000000-0000-0000-0000-00000000ffff';

-- This transaction's writes, not yet committed: counted by each way of reading.
BEGIN;
INSERT INTO hub.journal_entries (user_id, entry_date, content)
SELECT id, current_date, 'uncommitted' FROM some_users, generate_series(1, 3);
UPDATE hub.tasks SET status = 'completed', completed_at = now() - interval '8 days'
WHERE user_id IN (SELECT id FROM some_users) AND status = 'pending';
SELECT pg_temp.users_differing() AS differing_before_commit, pg_temp.join_mismatches() AS join_mismatches;
SELECT count(*) AS full_scan_mismatches FROM (
    SELECT * FROM assistant_hub.dashboard_metrics EXCEPT ALL SELECT * FROM seed) x;
ROLLBACK;
SELECT pg_temp.users_differing() AS differing_after_rollback;

-- SERIALIZABLE: through SQL (the executor takes the predicate locks); the same rows.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.users_differing() AS differing_serializable, pg_temp.join_mismatches() AS join_mismatches;
COMMIT;

-- Under row-level security (an application role): through SQL; the current user's rows only.
CREATE ROLE ah_scan_app NOLOGIN;
SELECT assistant_hub.grant_app_role('ah_scan_app');
CREATE TEMP TABLE first_user AS SELECT id FROM some_users ORDER BY id LIMIT 1;
CREATE TEMP TABLE first_user_rows AS
SELECT d.* FROM assistant_hub.dashboard_metrics d JOIN first_user f ON f.id = d.user_id;
GRANT SELECT ON first_user, first_user_rows, some_users TO ah_scan_app;
SELECT set_config('assistant_hub.user_id', id::text, false) IS NOT NULL AS user_set FROM first_user;
SET ROLE ah_scan_app;
SELECT count(*) > 0 AS has_rows,
       count(*) = (SELECT count(*) FROM first_user_rows) AS all_own_rows,
       count(*) FILTER (WHERE user_id <> (SELECT id FROM first_user)) AS other_users_rows
FROM assistant_hub.dashboard_metrics;
SELECT count(*) AS differing_from_superuser_read FROM (
    SELECT d.* FROM assistant_hub.dashboard_metrics d JOIN first_user f ON f.id = d.user_id
    EXCEPT ALL SELECT * FROM first_user_rows) x;
SELECT count(*) AS other_users_by_key FROM assistant_hub.dashboard_metrics
WHERE user_id = (SELECT id FROM some_users ORDER BY id OFFSET 1 LIMIT 1);
RESET ROLE;
RESET assistant_hub.user_id;

-- Privileges are the caller's: SELECT on the view alone is not enough to read the values.
CREATE ROLE ah_scan_view_only NOLOGIN;
GRANT USAGE ON SCHEMA assistant_hub TO ah_scan_view_only;
GRANT SELECT ON assistant_hub.dashboard_metrics, assistant_hub._dashboard_metrics TO ah_scan_view_only;
SET ROLE ah_scan_view_only;
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = '00000000-0000-0000-0000-0000000000d1'$$);
SELECT pg_temp.try('SELECT count(*) FROM assistant_hub.dashboard_metrics');
RESET ROLE;
SELECT pg_temp.try('SELECT count(*) FROM assistant_hub.dashboard_metrics');
DROP OWNED BY ah_scan_app, ah_scan_view_only;
DROP ROLE ah_scan_app, ah_scan_view_only;

-- Read-only.
SELECT pg_temp.try('INSERT INTO assistant_hub._dashboard_metrics (user_id) VALUES (gen_random_uuid())');
SELECT pg_temp.try('DELETE FROM assistant_hub.dashboard_metrics');

-- Its numeric arithmetic (averages, week-over-week changes, computed without numeric's
-- functions) against numeric's functions, byte for byte.
SELECT * FROM assistant_hub._dashboard_arithmetic_selftest(300);
SELECT pg_temp.try('SELECT assistant_hub._dashboard_arithmetic_selftest(0)');
SELECT assistant_hub._dashboard_arithmetic_selftest(NULL) IS NULL AS null_for_null;
