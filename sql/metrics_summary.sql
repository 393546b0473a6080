-- dashboard_summary's two paths: the counts read from the indexes (src/metrics/dashboard_summary*)
-- and the SQL body (_dashboard_summary_sql). Each call below says which path it took (DEBUG1) and
-- shows that both give the same row: far-from-UTC users, the +7-day and +24-hour boundaries,
-- rows not yet all-visible and all-visible, a missing or default journal partition, SERIALIZABLE,
-- row-level security, missing privileges, and a hub whose indexes are not as created.
SET TimeZone = 'UTC';
SET jit = off;
\i sql/include/try.sql
-- The row _dashboard_summary gives (the path that applies) and whether the SQL body agrees.
CREATE FUNCTION pg_temp.summary(uid uuid)
RETURNS TABLE(user_id uuid, journal bigint, tasks bigint, events bigint, unread bigint, sql_agrees boolean)
LANGUAGE sql AS $$
    SELECT s.user_id, s.today_journal_entries, s.upcoming_tasks, s.today_events, s.unread_emails,
           (SELECT row(s.*)::text FROM assistant_hub._dashboard_summary(uid) s) IS NOT DISTINCT FROM
           (SELECT row(q.*)::text FROM assistant_hub._dashboard_summary_sql(uid) q)
    FROM (SELECT NULL) one LEFT JOIN assistant_hub._dashboard_summary(uid) s ON true $$;

-- UTC+14, UTC-11 (their days differ by one or two), UTC-3:30 and UTC.
INSERT INTO hub.users (id, email, timezone) VALUES
    ('00000000-0000-0000-0000-0000000005a1', 's1@example.com', 'Pacific/Kiritimati'),
    ('00000000-0000-0000-0000-0000000005a2', 's2@example.com', 'Pacific/Pago_Pago'),
    ('00000000-0000-0000-0000-0000000005a3', 's3@example.com', 'America/St_Johns'),
    ('00000000-0000-0000-0000-0000000005a4', 's4@example.com', 'UTC');
-- In one transaction, so that now() is the same for the users' days, the rows and the reads.
BEGIN;
CREATE TEMP TABLE summary_users AS
SELECT id AS user_id, (now() AT TIME ZONE timezone)::date AS today FROM hub.users
WHERE email LIKE 's_@example.com';
-- Two entries on the user's today; the days around it do not count.
INSERT INTO hub.journal_entries (user_id, entry_date, content)
SELECT user_id, today + d, 'x' FROM summary_users, unnest(ARRAY[0, 0, -1, 1]) AS d;
-- Pending and due by today + 7 (the boundary included) or overdue: 3 per user.
INSERT INTO hub.tasks (user_id, title, status, due_date)
SELECT user_id, t.title, t.status, today + t.days FROM summary_users,
    (VALUES ('at the boundary', 'pending', 7), ('today', 'pending', 0), ('overdue', 'pending', -30),
            ('a day late', 'pending', 8), ('undated', 'pending', NULL), ('doing', 'in_progress', 1),
            ('done', 'completed', 1), ('dropped', 'cancelled', 1)) AS t(title, status, days);
-- Confirmed and starting in [now(), now() + 24 hours], both ends included: 2 per user.
INSERT INTO hub.calendar_events (user_id, title, start_time, end_time, status)
SELECT user_id, e.title, now() + e.offs, now() + e.offs + interval '1 hour', e.status FROM summary_users,
    (VALUES ('now', interval '0', 'confirmed'), ('in 24 hours', interval '24 hours', 'confirmed'),
            ('just after', interval '24 hours 1 microsecond', 'confirmed'),
            ('just before', interval '-1 microsecond', 'confirmed'),
            ('tentative', interval '1 hour', 'tentative'), ('cancelled', interval '1 hour', 'cancelled'))
    AS e(title, offs, status);
-- Unread threads: 3 per user.
INSERT INTO hub.email_threads (user_id, subject, is_read)
SELECT user_id, 'thread', r FROM summary_users, unnest(ARRAY[false, false, false, true, true]) AS r;
SET client_min_messages = debug1;
SELECT s.* FROM summary_users u, pg_temp.summary(u.user_id) s ORDER BY u.user_id;
RESET client_min_messages;
COMMIT;

-- All-visible pages: counted from the index alone, with the same result.
VACUUM (ANALYZE) hub.users, hub.journal_entries, hub.tasks, hub.calendar_events, hub.email_threads;
SET client_min_messages = debug1;
SELECT s.user_id, s.journal, s.tasks, s.unread, s.sql_agrees
FROM summary_users u, pg_temp.summary(u.user_id) s ORDER BY u.user_id;
RESET client_min_messages;
-- Every user in the hub (the demo data of the earlier tests too): the same rows on both paths.
SELECT count(*) > 10 AS many_users,
       count(*) FILTER (WHERE (SELECT row(s.*)::text FROM assistant_hub._dashboard_summary(u.id) s) IS DISTINCT FROM
                              (SELECT row(q.*)::text FROM assistant_hub._dashboard_summary_sql(u.id) q)) AS disagreeing
FROM hub.users u;
SET client_min_messages = debug1;
-- An unknown user: no row on either path.
SELECT count(*) AS rows_for_unknown_user FROM assistant_hub._dashboard_summary('00000000-0000-0000-0000-0000000005ff');
SELECT count(*) AS sql_rows_for_unknown_user FROM assistant_hub._dashboard_summary_sql('00000000-0000-0000-0000-0000000005ff');
-- SERIALIZABLE: the SQL body, whose scans take the predicate locks.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a1');
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a1');
COMMIT;
RESET client_min_messages;

-- No partition for the user's today: nothing counted; then a default partition that holds it.
BEGIN;
SELECT format('ALTER TABLE hub.journal_entries DETACH PARTITION %s', j.tableoid::regclass) AS detach
FROM hub.journal_entries j JOIN summary_users u USING (user_id)
WHERE u.user_id = '00000000-0000-0000-0000-0000000005a1' AND j.entry_date = u.today LIMIT 1 \gset
:detach;
SET client_min_messages = debug1;
SELECT * FROM pg_temp.summary('00000000-0000-0000-0000-0000000005a1');
RESET client_min_messages;
CREATE TABLE hub.journal_entries_summary_default PARTITION OF hub.journal_entries DEFAULT;
INSERT INTO hub.journal_entries (user_id, entry_date, content)
SELECT user_id, today, 'in the default partition' FROM summary_users
WHERE user_id = '00000000-0000-0000-0000-0000000005a1';
SET client_min_messages = debug1;
SELECT * FROM pg_temp.summary('00000000-0000-0000-0000-0000000005a1');
RESET client_min_messages;
ROLLBACK;

-- The hub not as created (an index missing, or with another predicate): the SQL body, until
-- the index is back.
BEGIN;
DROP INDEX hub.idx_email_threads_unread_count;
SET client_min_messages = debug1;
SELECT * FROM pg_temp.summary('00000000-0000-0000-0000-0000000005a2');
RESET client_min_messages;
CREATE INDEX idx_email_threads_unread_count ON hub.email_threads (user_id, is_read) WHERE is_archived = false;
SET client_min_messages = debug1;
SELECT * FROM pg_temp.summary('00000000-0000-0000-0000-0000000005a2');
RESET client_min_messages;
ROLLBACK;
SET client_min_messages = debug1;
SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a2');
RESET client_min_messages;

-- A time zone PostgreSQL does not know: the same error on both paths.
BEGIN;
UPDATE hub.users SET timezone = 'Mars/Olympus_Mons' WHERE id = '00000000-0000-0000-0000-0000000005a4';
SELECT pg_temp.try($$SELECT * FROM assistant_hub._dashboard_summary('00000000-0000-0000-0000-0000000005a4')$$) AS fast,
       pg_temp.try($$SELECT * FROM assistant_hub._dashboard_summary_sql('00000000-0000-0000-0000-0000000005a4')$$) AS sql;
ROLLBACK;

-- Application roles. Under row-level security: the SQL body, and the current user's row only.
CREATE ROLE ah_summary_app NOLOGIN;
SELECT assistant_hub.grant_app_role('ah_summary_app');
SET ROLE ah_summary_app;
BEGIN;
SET LOCAL assistant_hub.user_id = '00000000-0000-0000-0000-0000000005a1';
SET client_min_messages = debug1;
SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a1');
SELECT count(*) AS other_users_rows FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a2');
RESET client_min_messages;
-- With row_security off, the executor's error (not a silent bypass).
SET LOCAL row_security = off;
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a1')$$);
COMMIT;
RESET ROLE;
-- A role that bypasses row-level security, without SELECT on the tables: the SQL body, which
-- fails as a query would (it needs EXECUTE too).
CREATE ROLE ah_summary_none NOLOGIN BYPASSRLS;
GRANT USAGE ON SCHEMA hub, assistant_hub TO ah_summary_none;
GRANT EXECUTE ON FUNCTION assistant_hub.dashboard_summary(uuid), assistant_hub._dashboard_summary(uuid),
    assistant_hub._require(anyelement, text, text) TO ah_summary_none;
SET ROLE ah_summary_none;
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a3')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION assistant_hub._dashboard_summary_sql(uuid) TO ah_summary_none;
SET ROLE ah_summary_none;
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a3')$$);
-- Column privileges are enough for the SQL body, so the fast path must not refuse them.
RESET ROLE;
GRANT SELECT (id, timezone) ON hub.users TO ah_summary_none;
GRANT SELECT (user_id, entry_date) ON hub.journal_entries TO ah_summary_none;
GRANT SELECT (user_id, status, due_date) ON hub.tasks TO ah_summary_none;
GRANT SELECT (user_id, status, start_time) ON hub.calendar_events TO ah_summary_none;
GRANT SELECT (user_id, is_read) ON hub.email_threads TO ah_summary_none;
SET ROLE ah_summary_none;
SET client_min_messages = debug1;
SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a3');
RESET client_min_messages;
-- With SELECT on the tables, a role that bypasses row-level security reads from the indexes.
RESET ROLE;
GRANT SELECT ON hub.users, hub.journal_entries, hub.tasks, hub.calendar_events, hub.email_threads
    TO ah_summary_none;
SET ROLE ah_summary_none;
SET client_min_messages = debug1;
SELECT * FROM pg_temp.summary('00000000-0000-0000-0000-0000000005a3');
RESET client_min_messages;
RESET ROLE;
DROP OWNED BY ah_summary_app, ah_summary_none;
DROP ROLE ah_summary_app, ah_summary_none;

-- A backend that found an index missing notices it again under its name (rename or create).
ALTER INDEX hub.idx_email_threads_unread_count RENAME TO idx_email_threads_unread_count_away;
\c
SET client_min_messages = debug1;
SELECT unread_emails FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a2');
RESET client_min_messages;
ALTER INDEX hub.idx_email_threads_unread_count_away RENAME TO idx_email_threads_unread_count;
SET client_min_messages = debug1;
SELECT unread_emails FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000005a2');
RESET client_min_messages;
