-- Tenant isolation and privileges, as a non-superuser application role.
\set SHOW_CONTEXT never
CREATE ROLE ah_app NOLOGIN;
CREATE ROLE ah_nobody NOLOGIN;
SELECT assistant_hub.grant_app_role('ah_app');
-- Two known users with a row in every table.
INSERT INTO hub.users (id, email, timezone) VALUES
    ('aaaaaaaa-0000-0000-0000-000000000001', 'alice@example.com', 'UTC'),
    ('bbbbbbbb-0000-0000-0000-000000000002', 'bob@example.com', 'Asia/Tokyo');
INSERT INTO hub.journal_entries (user_id, entry_date, title, content, mood_score)
SELECT id, (now() AT TIME ZONE timezone)::date, 'secret of ' || email, 'private diary', 5 FROM hub.users
WHERE email IN ('alice@example.com', 'bob@example.com');
INSERT INTO hub.tasks (user_id, title) SELECT id, 'task of ' || email FROM hub.users
WHERE email IN ('alice@example.com', 'bob@example.com');

-- Every hub table has row-level security on and a policy.
SELECT c.relname, c.relrowsecurity, count(p.polname) AS policies
FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.relnamespace = 'hub'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
GROUP BY c.relname, c.relrowsecurity ORDER BY 1;

SET ROLE ah_app;
-- No current user: nothing visible.
SELECT t, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM hub.%I', t), false, true, '')))[1]::text AS visible
FROM assistant_hub.hub_tables() AS t;
-- Alice sees her rows only.
BEGIN;
SET LOCAL assistant_hub.user_id = 'aaaaaaaa-0000-0000-0000-000000000001';
SELECT email FROM hub.users;
SELECT title FROM hub.journal_entries;
SELECT title FROM hub.tasks;
-- Through the dashboards and analytics she sees her own numbers and nothing of Bob's.
SELECT today_journal_entries FROM assistant_hub.dashboard_summary('aaaaaaaa-0000-0000-0000-000000000001');
SELECT count(*) AS bob_summary_rows FROM assistant_hub.dashboard_summary('bbbbbbbb-0000-0000-0000-000000000002');
SELECT count(*) AS bob_mood_rows
FROM assistant_hub.mood_trend('bbbbbbbb-0000-0000-0000-000000000002', current_date - 30, current_date + 1);
SELECT count(*) AS bob_task_weeks
FROM assistant_hub.task_completion_weekly('bbbbbbbb-0000-0000-0000-000000000002', now() - interval '1 year');
SELECT count(*) AS alice_mood_rows
FROM assistant_hub.mood_trend('aaaaaaaa-0000-0000-0000-000000000001', current_date - 30, current_date + 1);
SELECT DISTINCT user_id FROM assistant_hub.dashboard_metrics;
SELECT count(*) AS bob_metric_values FROM assistant_hub.metric_values_uuid
WHERE key = 'bbbbbbbb-0000-0000-0000-000000000002';
SAVEPOINT s0;
SELECT * FROM assistant_hub.metric_daily('journal_entries', 'bbbbbbbb-0000-0000-0000-000000000002', current_date, current_date);
ROLLBACK TO SAVEPOINT s0;
-- She cannot insert for Bob, move her row to Bob, or change Bob's rows.
SAVEPOINT s;
INSERT INTO hub.tasks (user_id, title) VALUES ('bbbbbbbb-0000-0000-0000-000000000002', 'planted');
ROLLBACK TO SAVEPOINT s;
UPDATE hub.tasks SET user_id = 'bbbbbbbb-0000-0000-0000-000000000002';
ROLLBACK TO SAVEPOINT s;
UPDATE hub.tasks SET title = 'hijacked' WHERE user_id = 'bbbbbbbb-0000-0000-0000-000000000002';
DELETE FROM hub.journal_entries WHERE user_id = 'bbbbbbbb-0000-0000-0000-000000000002';
-- Partitions are not reachable directly (they would bypass the parent's policies).
SAVEPOINT s2;
SELECT count(*) FROM hub.activity_logs_p0;
ROLLBACK TO SAVEPOINT s2;
-- Her own rows she can write.
INSERT INTO hub.tasks (user_id, title) VALUES ('aaaaaaaa-0000-0000-0000-000000000001', 'new task');
SELECT count(*) AS alice_tasks FROM hub.tasks;
COMMIT;
-- SET LOCAL ended with the transaction: nothing visible again.
SELECT count(*) AS visible_after_commit FROM hub.tasks;
-- Extension internals are not the application's business.
SELECT assistant_hub.create_hub_schema();
SELECT assistant_hub.generate_demo_data(1, 1);
SELECT assistant_hub.grant_app_role('ah_nobody');
SELECT count(*) FROM assistant_hub.app_privileges;
RESET ROLE;
-- Bob's rows are untouched.
SELECT title FROM hub.tasks WHERE user_id = 'bbbbbbbb-0000-0000-0000-000000000002';
SELECT count(*) AS bob_journal FROM hub.journal_entries WHERE user_id = 'bbbbbbbb-0000-0000-0000-000000000002';
-- ... and he does have dashboard numbers, which Alice could not see above.
SELECT count(*) > 0 AS bob_has_metric_values FROM assistant_hub.metric_values_uuid
WHERE key = 'bbbbbbbb-0000-0000-0000-000000000002';
SELECT count(*) AS bob_summary_rows_for_owner FROM assistant_hub.dashboard_summary('bbbbbbbb-0000-0000-0000-000000000002');

-- Every function with our code in SQL or PL/pgSQL pins search_path, so objects created in public
-- cannot stand in for the ones it means; every SECURITY DEFINER function does. Except two SQL
-- functions kept inlinable (a SET clause forbids it), whose bodies call no operator.
SELECT p.oid::regprocedure AS unpinned
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'assistant_hub'::regnamespace
  AND (l.lanname IN ('sql', 'plpgsql') OR p.prosecdef)
  AND p.proname NOT IN ('hub_tables', 'dashboard_summary')
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');
-- A hijack attempt: public functions shadowing built-ins the extension calls change nothing.
CREATE FUNCTION public.format(text, name) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'hijacked'; END $$;
CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE sql AS $$ SELECT NULL::regclass $$;
SET search_path = public, pg_catalog;
SELECT to_regclass('hub.users') IS NULL AS session_sees_the_impostor;
SELECT assistant_hub.grant_app_role('ah_app');  -- would fail with "the hub schema does not exist"
RESET search_path;
DROP FUNCTION public.format(text, name);
DROP FUNCTION public.to_regclass(text);
-- No table or view of the extension is readable by PUBLIC.
SELECT c.oid::regclass AS public_relation FROM pg_class c
WHERE c.relnamespace = 'assistant_hub'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
  AND has_table_privilege('public', c.oid, 'SELECT');

-- Bad input.
SELECT assistant_hub.grant_app_role(NULL);
SELECT assistant_hub.grant_app_role('no_such_role');
SELECT assistant_hub.grant_app_role('x; drop table hub.users');
CREATE ROLE ah_super SUPERUSER NOLOGIN;
SELECT assistant_hub.grant_app_role('ah_super');
DROP ROLE ah_super;
DELETE FROM hub.users WHERE email IN ('alice@example.com', 'bob@example.com');
DROP OWNED BY ah_app, ah_nobody;
DROP ROLE ah_app, ah_nobody;
