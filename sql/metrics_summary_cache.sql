-- dashboard_summary's cache: consolidate_metrics() keeps, per user, what the four counts can be
-- during the cache period (assistant_hub.dashboard_summary_cache); a read picks them for its own
-- now() and today while no change to the user's rows is newer than the cached row (a delta or
-- marker row of the user, or a pending change of the transaction), and counts otherwise. Either
-- way: _dashboard_summary_sql's row.
SET TimeZone = 'UTC';
\i sql/include/try.sql
-- How dashboard_summary served uid ('cache', 'indexes' or 'sql'), and whether its row differs
-- from the SQL body's.
CREATE FUNCTION pg_temp.served(uid uuid) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    before record;
    after record;
    got text;
    want text;
BEGIN
    SELECT * INTO before FROM assistant_hub._dashboard_summary_paths();
    SELECT row(s.*)::text INTO got FROM assistant_hub.dashboard_summary(uid) s;
    SELECT * INTO after FROM assistant_hub._dashboard_summary_paths();
    SELECT row(q.*)::text INTO want FROM assistant_hub._dashboard_summary_sql(uid) q;
    RETURN CASE WHEN after.from_cache > before.from_cache THEN 'cache'
                WHEN after.from_indexes > before.from_indexes THEN 'indexes' ELSE 'sql' END
        || CASE WHEN got IS NOT DISTINCT FROM want THEN ''
                ELSE ' DIFFERS: ' || coalesce(got, 'no row') || ' vs ' || coalesce(want, 'no row') END;
END $$;
-- Every user read once: how many were served each way, and how many rows differ from the SQL body's.
CREATE FUNCTION pg_temp.served_all(OUT users bigint, OUT from_cache bigint, OUT differing bigint)
LANGUAGE sql AS $$
    SELECT count(*), count(*) FILTER (WHERE s LIKE 'cache%'), count(*) FILTER (WHERE s LIKE '%DIFFERS%')
    FROM (SELECT pg_temp.served(id) AS s FROM hub.users) x $$;

-- Users far from UTC, with rows on both sides of every boundary of the counts.
INSERT INTO hub.users (id, email, timezone) VALUES
    ('00000000-0000-0000-0000-0000000006a1', 'c1@example.com', 'Pacific/Kiritimati'),
    ('00000000-0000-0000-0000-0000000006a2', 'c2@example.com', 'Pacific/Pago_Pago'),
    ('00000000-0000-0000-0000-0000000006a3', 'c3@example.com', 'UTC');
CREATE TEMP TABLE cache_users AS
SELECT id AS user_id, (now() AT TIME ZONE timezone)::date AS today FROM hub.users
WHERE email LIKE 'c_@example.com';
INSERT INTO hub.journal_entries (user_id, entry_date, content)
SELECT user_id, today + d, 'x' FROM cache_users, unnest(ARRAY[0, 0, -1, 1]) AS d;
INSERT INTO hub.tasks (user_id, title, status, due_date)
SELECT user_id, t.title, t.status, today + t.days FROM cache_users,
    (VALUES ('boundary', 'pending', 7), ('today', 'pending', 0), ('late', 'pending', 8),
            ('undated', 'pending', NULL), ('doing', 'in_progress', 1)) AS t(title, status, days);
INSERT INTO hub.calendar_events (user_id, title, start_time, end_time, status)
SELECT user_id, e.title, now() + e.offs, now() + e.offs + interval '1 hour', e.status FROM cache_users,
    (VALUES ('soon', interval '1 hour', 'confirmed'), ('tomorrow', interval '20 hours', 'confirmed'),
            ('later', interval '30 hours', 'confirmed'), ('tentative', interval '1 hour', 'tentative'))
    AS e(title, offs, status);
INSERT INTO hub.email_threads (user_id, subject, is_read)
SELECT user_id, 'thread', r FROM cache_users, unnest(ARRAY[false, false, true]) AS r;

-- Before consolidation the writes' markers send the reads to the indexes.
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS written_not_consolidated;
SELECT count(*) > 0 AS has_markers FROM assistant_hub.metric_deltas_uuid
WHERE metric_id = 0 AND key = '00000000-0000-0000-0000-0000000006a1';
-- Consolidation caches every user (whose zone PostgreSQL names) for the period; markers are
-- deleted, never counted.
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT count(*) = (SELECT count(*) FROM hub.users) AS every_user_cached,
       bool_and(c.valid_from = s.valid_from AND c.valid_until = s.valid_until) AS for_the_period
FROM assistant_hub.dashboard_summary_cache c, assistant_hub.dashboard_cache_state s;
SELECT count(*) AS marker_rows_left FROM assistant_hub.metric_deltas_uuid WHERE metric_id = 0;
SELECT count(*) AS marker_counts FROM assistant_hub.metric_counts_uuid WHERE metric_id = 0;
-- Far from UTC, the user's today may be another day than UTC's: a count per day it can be.
SELECT u.email, c.first_day = (c.valid_from AT TIME ZONE u.timezone)::date AS first_day_is_local,
       cardinality(c.journal_entries) BETWEEN 1 AND 3 AS days
FROM assistant_hub.dashboard_summary_cache c JOIN hub.users u ON u.id = c.user_id
WHERE u.email LIKE 'c_@example.com' ORDER BY u.email;
SELECT * FROM pg_temp.served_all();
SELECT u.email, pg_temp.served(u.id) FROM hub.users u WHERE u.email LIKE 'c_@example.com' ORDER BY 1;

-- Every kind of change sends that user's reads to the indexes until consolidation, including
-- those that change no metric value (a journal entry's entry_date, a task's due date).
CREATE FUNCTION pg_temp.after(change text, uid uuid) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE change;
    RETURN pg_temp.served(uid);
END $$;
SELECT pg_temp.after($$UPDATE hub.journal_entries SET entry_date = entry_date - 1
                       WHERE user_id = '00000000-0000-0000-0000-0000000006a1' AND entry_date >= current_date - 1$$,
                     '00000000-0000-0000-0000-0000000006a1') AS entry_date_moved;
SELECT pg_temp.after($$UPDATE hub.tasks SET due_date = due_date + 30 WHERE user_id = '00000000-0000-0000-0000-0000000006a2'
                       AND title = 'today'$$, '00000000-0000-0000-0000-0000000006a2') AS due_date_moved;
SELECT pg_temp.after($$UPDATE hub.calendar_events SET start_time = start_time + interval '5 minutes'
                       WHERE user_id = '00000000-0000-0000-0000-0000000006a3' AND title = 'soon'$$,
                     '00000000-0000-0000-0000-0000000006a3') AS event_moved;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS a1,
       pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS a2,
       pg_temp.served('00000000-0000-0000-0000-0000000006a3') AS a3;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS a1,
       pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS a2,
       pg_temp.served('00000000-0000-0000-0000-0000000006a3') AS a3;
-- A read in the writing transaction sees its pending change; a rolled-back savepoint changes
-- nothing (the read may count, and gives the same row).
BEGIN;
UPDATE hub.email_threads SET is_read = true WHERE user_id = '00000000-0000-0000-0000-0000000006a1' AND NOT is_read;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS pending_read_change;
SAVEPOINT s;
DELETE FROM hub.calendar_events WHERE user_id = '00000000-0000-0000-0000-0000000006a2';
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS after_rollback_to_savepoint;
UPDATE hub.users SET timezone = 'Asia/Kolkata' WHERE id = '00000000-0000-0000-0000-0000000006a3';
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a3') AS zone_changed;
COMMIT;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS a1,
       pg_temp.served('00000000-0000-0000-0000-0000000006a3') AS a3;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT * FROM pg_temp.served_all();
-- A deleted user (its rows go by cascade): no row, on every path.
DELETE FROM hub.users WHERE id = '00000000-0000-0000-0000-0000000006a3';
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a3') AS deleted_user;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a3') AS deleted_user_consolidated;
-- Other ways rows change: COPY, INSERT ... ON CONFLICT, an UPDATE that moves a row to another
-- partition, a write to a partition by name. Each leaves a marker (or a metric delta) of the user.
COPY hub.email_threads (user_id, subject) FROM stdin;
00000000-0000-0000-0000-0000000006a1	copied
\.
INSERT INTO hub.tasks (id, user_id, title, status, due_date)
SELECT id, user_id, title, 'pending', current_date FROM hub.tasks
WHERE user_id = '00000000-0000-0000-0000-0000000006a2' AND title = 'late'
ON CONFLICT (user_id, id) DO UPDATE SET due_date = excluded.due_date;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS copied,
       pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS upserted;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
UPDATE hub.journal_entries SET entry_date = entry_date + 40
WHERE user_id = '00000000-0000-0000-0000-0000000006a1' AND entry_date = (now() AT TIME ZONE 'Pacific/Kiritimati')::date;
SELECT format('INSERT INTO %s (user_id, entry_date, content) VALUES (%L, %L, ''by name'')',
              tableoid::regclass, user_id, entry_date) AS by_name
FROM hub.journal_entries WHERE user_id = '00000000-0000-0000-0000-0000000006a2' LIMIT 1 \gset
:by_name;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS moved_partition,
       pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS written_by_name;
SELECT count(*) AS markers FROM assistant_hub.metric_deltas_uuid
WHERE metric_id = 0 AND key IN ('00000000-0000-0000-0000-0000000006a1', '00000000-0000-0000-0000-0000000006a2');
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT * FROM pg_temp.served_all();
-- TRUNCATE removes rows without row changes: it empties the caches (rolled back here).
BEGIN;
TRUNCATE hub.email_threads CASCADE;
SELECT count(*) AS cached_after_truncate FROM assistant_hub.dashboard_summary_cache;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS truncated;
ROLLBACK;
SELECT * FROM pg_temp.served_all();

-- A zone PostgreSQL does not know: that user is not cached (the read raises the SQL body's
-- error), and consolidation goes on for the others.
UPDATE hub.users SET timezone = 'Mars/Olympus_Mons' WHERE id = '00000000-0000-0000-0000-0000000006a2';
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT count(*) AS cached_unknown_zone, (SELECT count(*) > 0 FROM assistant_hub.dashboard_summary_cache) AS others_cached
FROM assistant_hub.dashboard_summary_cache WHERE user_id = '00000000-0000-0000-0000-0000000006a2';
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000006a2')$$) AS unknown_zone;
UPDATE hub.users SET timezone = 'Pacific/Pago_Pago' WHERE id = '00000000-0000-0000-0000-0000000006a2';
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;

-- The counts picked for the read's now(): start times of [now(), now() + 24 hours], both ends
-- included, and the count of the user's today.
BEGIN;
UPDATE assistant_hub.dashboard_summary_cache
SET event_starts = ARRAY[now() - interval '1 microsecond', now(), now() + interval '24 hours',
                         now() + interval '24 hours 1 microsecond'],
    journal_entries = ARRAY(SELECT 100 + i FROM generate_series(1, cardinality(journal_entries)) i),
    unread_emails = 42
WHERE user_id = '00000000-0000-0000-0000-0000000006a1';
SELECT s.today_journal_entries - 100 = ((now() AT TIME ZONE 'Pacific/Kiritimati')::date - c.first_day) + 1
           AS todays_count, s.today_events, s.unread_emails
FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000006a1') s,
     assistant_hub.dashboard_summary_cache c WHERE c.user_id = '00000000-0000-0000-0000-0000000006a1';
-- Rows that do not cover the read (another period, too few days, nulls in an array): counted.
UPDATE assistant_hub.dashboard_summary_cache SET valid_from = now() + interval '1 second'
WHERE user_id = '00000000-0000-0000-0000-0000000006a1';
UPDATE assistant_hub.dashboard_summary_cache SET journal_entries = '{}', upcoming_tasks = '{}'
WHERE user_id = '00000000-0000-0000-0000-0000000006a2';
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS not_yet_valid,
       pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS no_day;
UPDATE assistant_hub.dashboard_summary_cache SET event_starts = ARRAY[NULL::timestamptz]
WHERE user_id = '00000000-0000-0000-0000-0000000006a2';
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a2') AS null_start;
ROLLBACK;
-- The setting off, SERIALIZABLE, row-level security: not from the cache.
SET assistant_hub.dashboard_cache = off;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS cache_off;
RESET assistant_hub.dashboard_cache;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS serializable;
COMMIT;
CREATE ROLE ah_summary_cache_app NOLOGIN;
SELECT assistant_hub.grant_app_role('ah_summary_cache_app');
GRANT EXECUTE ON FUNCTION pg_temp.served(uuid), assistant_hub._dashboard_summary_paths() TO ah_summary_cache_app;
SET ROLE ah_summary_cache_app;
SET assistant_hub.user_id = '00000000-0000-0000-0000-0000000006a1';
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS own_user_under_rls;
SELECT count(*) AS other_users_rows FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000006a2');
RESET assistant_hub.user_id;
RESET ROLE;
DROP OWNED BY ah_summary_cache_app;
DROP ROLE ah_summary_cache_app;

-- DDL that can change rows without the triggers empties the cache; the cache is built only while
-- every table (and partition) carries the triggers, enabled.
SELECT count(*) > 0 AS cached FROM assistant_hub.dashboard_summary_cache;
ALTER TABLE hub.tasks DISABLE TRIGGER assistant_hub_summary_update;
SELECT count(*) AS cached_after_disable FROM assistant_hub.dashboard_summary_cache;
SELECT assistant_hub._summary_triggers_ready() AS ready;
UPDATE hub.tasks SET due_date = NULL WHERE user_id = '00000000-0000-0000-0000-0000000006a1';
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT count(*) AS cached_while_disabled FROM assistant_hub.dashboard_summary_cache;
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS while_disabled;
ALTER TABLE hub.tasks ENABLE TRIGGER assistant_hub_summary_update;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT * FROM pg_temp.served_all();
-- A dropped trigger empties it too; create_hub_schema() puts it back.
DROP TRIGGER assistant_hub_summary_delete ON hub.calendar_events;
SELECT count(*) AS cached_after_drop, assistant_hub._summary_triggers_ready() AS ready
FROM assistant_hub.dashboard_summary_cache;
SELECT assistant_hub.create_hub_schema();
SELECT assistant_hub._summary_triggers_ready() AS ready_again;
-- A new partition of the journal gets the triggers, and the cache is emptied (rows may come with
-- an attached partition).
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
CREATE TABLE hub.journal_entries_cache_test PARTITION OF hub.journal_entries
    FOR VALUES FROM ('2090-01-01') TO ('2090-02-01');
SELECT count(*) AS triggers_on_new_partition FROM pg_trigger
WHERE tgrelid = 'hub.journal_entries_cache_test'::regclass AND tgname LIKE 'assistant\_hub\_summary\_%';
SELECT count(*) AS cached_after_new_partition FROM assistant_hub.dashboard_summary_cache;
DROP TABLE hub.journal_entries_cache_test;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT * FROM pg_temp.served_all();
-- A renamed touch trigger (which could then be dropped unseen) empties the caches too, and the
-- cache is not built until it has its name again.
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
ALTER TRIGGER assistant_hub_summary_update ON hub.email_threads RENAME TO renamed_touch;
SELECT count(*) AS cached_after_rename, assistant_hub._summary_triggers_ready() AS ready
FROM assistant_hub.dashboard_summary_cache;
ALTER TRIGGER renamed_touch ON hub.email_threads RENAME TO assistant_hub_summary_update;
-- A journal partition in another schema: not built (a drop there would go unseen).
CREATE SCHEMA summary_elsewhere;
CREATE TABLE summary_elsewhere.journal_2091 PARTITION OF hub.journal_entries
    FOR VALUES FROM ('2091-01-01') TO ('2091-02-01');
SELECT assistant_hub._summary_triggers_ready() AS ready_with_partition_elsewhere;
DROP SCHEMA summary_elsewhere CASCADE;
SELECT assistant_hub._summary_triggers_ready() AS ready_again;
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT * FROM pg_temp.served_all();
-- An inheritance child of a plain source (its rows count, its writes fire no trigger of the
-- parent): neither the cache nor the indexes, until it is gone.
CREATE TABLE hub.tasks_child () INHERITS (hub.tasks);
SELECT assistant_hub._summary_triggers_ready() AS ready_with_child,
       count(*) AS cached_with_child FROM assistant_hub.dashboard_summary_cache;
INSERT INTO hub.tasks_child (user_id, title, due_date) VALUES ('00000000-0000-0000-0000-0000000006a1', 'child', current_date);
SELECT pg_temp.served('00000000-0000-0000-0000-0000000006a1') AS with_child;
DROP TABLE hub.tasks_child;
VACUUM ANALYZE hub.tasks; -- clears relhassubclass
SELECT assistant_hub.consolidate_metrics() >= 0 AS consolidated;
SELECT * FROM pg_temp.served_all();
-- Another role's trigger of the same name on its own table changes nothing.
CREATE TEMP TABLE not_hub_t (user_id uuid);
CREATE TRIGGER assistant_hub_summary_insert AFTER INSERT ON not_hub_t
    FOR EACH STATEMENT EXECUTE FUNCTION suppress_redundant_updates_trigger();
DROP TRIGGER assistant_hub_summary_insert ON not_hub_t;
DROP TABLE not_hub_t;
SELECT count(*) > 0 AS still_cached FROM assistant_hub.dashboard_summary_cache;
-- The trigger refuses to be anything but a statement trigger with a uuid column.
CREATE TEMP TABLE not_hub (user_id text);
CREATE TRIGGER t AFTER INSERT ON not_hub REFERENCING NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION assistant_hub._summary_touch_trigger('user_id');
SELECT pg_temp.try($$INSERT INTO not_hub VALUES ('x')$$);
DROP TABLE not_hub;
CREATE TEMP TABLE not_hub (user_id uuid);
CREATE TRIGGER t AFTER INSERT ON not_hub FOR EACH ROW
    EXECUTE FUNCTION assistant_hub._summary_touch_trigger('user_id');
SELECT pg_temp.try($$INSERT INTO not_hub VALUES (gen_random_uuid())$$) AS row_level;
DROP TRIGGER t ON not_hub;
CREATE TRIGGER t AFTER INSERT ON not_hub REFERENCING NEW TABLE AS n FOR EACH STATEMENT
    EXECUTE FUNCTION assistant_hub._summary_touch_trigger();
SELECT pg_temp.try($$INSERT INTO not_hub VALUES (gen_random_uuid())$$) AS no_argument;
DROP TABLE not_hub;
-- The metric trigger shares those checks.
CREATE TEMP TABLE not_hub (user_id uuid);
CREATE TRIGGER t AFTER INSERT ON not_hub FOR EACH ROW EXECUTE FUNCTION assistant_hub._metric_trigger('1');
SELECT pg_temp.try($$INSERT INTO not_hub VALUES (gen_random_uuid())$$) AS metric_row_level;
DROP TABLE not_hub;
