-- Metrics: create_metric, drop_metric, verify_metric, rebuild_metric, metric_daily,
-- consolidate_metrics, assistant_hub.metrics_timezone, and their bad input.
SET TimeZone = 'UTC';
\i sql/include/try.sql
-- A metric's stored values, as the tables hold them (counts + deltas, without pending ones).
CREATE FUNCTION pg_temp.stored(metric text) RETURNS TABLE(key text, day date, value bigint)
LANGUAGE sql AS $$
    SELECT v.key::text, v.day, sum(v.value)::bigint FROM assistant_hub.metrics m
    JOIN (SELECT metric_id, key::text, day, value FROM assistant_hub.metric_values_uuid
          UNION ALL SELECT metric_id, key::text, day, value FROM assistant_hub.metric_values_bigint
          UNION ALL SELECT metric_id, key, day, value FROM assistant_hub.metric_values_text) v
      ON v.metric_id = m.id
    WHERE m.name = metric GROUP BY 1, 2 HAVING sum(v.value) <> 0 ORDER BY 1, 2 $$;

CREATE TABLE public.metric_events (
    id        bigserial PRIMARY KEY,
    user_uuid uuid,
    account   bigint,
    team      integer,
    label     text,
    at        timestamptz,
    local_at  timestamp,
    on_day    date,
    kind      text NOT NULL DEFAULT 'a',
    amount    numeric
);
INSERT INTO metric_events (user_uuid, account, team, label, at, local_at, on_day, kind)
SELECT ('00000000-0000-0000-0000-00000000000' || (i % 3))::uuid, i % 2, i % 4, 'L' || (i % 3),
       '2024-03-01 20:00+00'::timestamptz + i * interval '1 hour',
       '2024-03-01 20:00'::timestamp + i * interval '1 hour',
       '2024-03-01'::date + i / 10, CASE WHEN i % 5 = 0 THEN 'b' ELSE 'a' END
FROM generate_series(1, 30) AS i;
INSERT INTO metric_events (user_uuid, at) VALUES (NULL, '2024-03-01'), ('00000000-0000-0000-0000-000000000001', NULL);

-- Bad input: a clear error, nothing created.
SELECT pg_temp.try(s) FROM unnest(ARRAY[
    $$SELECT assistant_hub.create_metric(NULL, 'metric_events', 'user_uuid', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', NULL, 'user_uuid', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', NULL, 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', NULL)$$,
    $$SELECT assistant_hub.create_metric('', 'metric_events', 'user_uuid', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 'no_such_table', 'user_uuid', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 12345678::oid::regclass, 'user_uuid', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 'pg_class', 'relname', 'relname')$$,
    $$SELECT assistant_hub.create_metric('bad', 'assistant_hub.metric_counts_uuid', 'key', 'day')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'nope', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'amount', 'at')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'nope')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'label')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'kind = ')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'amount + 1')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'nope = 1')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'kind IN (SELECT relname FROM pg_class)')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'EXISTS (SELECT 1)')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'random() < 0.5')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'at < now()')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'count(*) > 0')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'generate_series(1, 2) > 0')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'true; DROP TABLE metric_events')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'true FROM pg_class')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'true) OR (true')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'true AS x')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'metric_events IS NOT NULL')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', 'ctid IS NOT NULL')$$,
    $$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at', '$1 = 1')$$]) AS s;
CREATE VIEW metric_events_view AS SELECT * FROM metric_events;
CREATE TEMP TABLE temp_events (k uuid, t timestamptz);
SELECT pg_temp.try($$SELECT assistant_hub.create_metric('bad', 'metric_events_view', 'user_uuid', 'at')$$);
SELECT pg_temp.try($$SELECT assistant_hub.create_metric('bad', 'temp_events', 'k', 't')$$);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try($$SELECT assistant_hub.create_metric('bad', 'metric_events', 'user_uuid', 'at')$$);
ROLLBACK;
SELECT count(*) AS metrics_on_events, (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'metric_events'::regclass) AS triggers
FROM assistant_hub.metrics WHERE source = 'metric_events'::regclass;

-- One metric per key type and time type; the filter is stored parsed and shown deparsed.
SELECT assistant_hub.create_metric('by_uuid', 'metric_events', 'user_uuid', 'at', $$kind = 'a'$$);
SELECT assistant_hub.create_metric('by_bigint', 'metric_events', 'account', 'local_at');
SELECT assistant_hub.create_metric('by_integer', 'metric_events', 'team', 'on_day', 'team > 0 AND amount IS NULL');
SELECT assistant_hub.create_metric('by_text', 'metric_events', 'label', 'at', $$label LIKE 'L%' OR kind = 'b'$$);
SELECT name, source, key_type, time_type, filter, time_zone
FROM assistant_hub.metrics WHERE source = 'metric_events'::regclass ORDER BY id;
SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'metric_events'::regclass ORDER BY tgname COLLATE "C";
SELECT pg_temp.try($$SELECT assistant_hub.create_metric('by_uuid', 'metric_events', 'user_uuid', 'at')$$);

-- The backfill: rows without a key or a time are not counted; days are UTC days.
SELECT * FROM pg_temp.stored('by_uuid');
SELECT * FROM pg_temp.stored('by_bigint');
SELECT * FROM pg_temp.stored('by_integer');
SELECT * FROM pg_temp.stored('by_text');
SELECT m.name, count(v.*) AS differences FROM assistant_hub.metrics m
LEFT JOIN LATERAL assistant_hub.verify_metric(m.name) v ON true
WHERE m.source = 'metric_events'::regclass GROUP BY m.name ORDER BY m.name;

-- metric_daily: every day of the range, zero where nothing was counted; keys given as text.
SELECT * FROM assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000001', '2024-02-29', '2024-03-03');
SELECT * FROM assistant_hub.metric_daily('by_bigint', '1', '2024-03-02', '2024-03-02');
SELECT * FROM assistant_hub.metric_daily('by_integer', '3', '2024-03-03', '2024-03-04');
SELECT * FROM assistant_hub.metric_daily('by_text', 'L2', '2024-03-02', '2024-03-02');
SELECT pg_temp.try(s) FROM unnest(ARRAY[
    $$SELECT assistant_hub.metric_daily('nope', '1', '2024-03-01', '2024-03-02')$$,
    $$SELECT assistant_hub.metric_daily(NULL, '1', '2024-03-01', '2024-03-02')$$,
    $$SELECT assistant_hub.metric_daily('by_uuid', NULL, '2024-03-01', '2024-03-02')$$,
    $$SELECT assistant_hub.metric_daily('by_uuid', 'not-a-uuid', '2024-03-01', '2024-03-02')$$,
    $$SELECT assistant_hub.metric_daily('by_bigint', 'x', '2024-03-01', '2024-03-02')$$,
    $$SELECT assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000001', NULL, '2024-03-02')$$,
    $$SELECT assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000001', '2024-03-02', NULL)$$,
    $$SELECT assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000001', '2024-03-02', '2024-03-01')$$,
    $$SELECT assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000001', '1900-01-01', '2200-01-01')$$,
    $$SELECT assistant_hub.verify_metric('nope')$$,
    $$SELECT assistant_hub.verify_metric(NULL)$$,
    $$SELECT assistant_hub.rebuild_metric('nope')$$,
    $$SELECT assistant_hub.rebuild_metric('by_uuid', 'not-a-uuid')$$,
    $$SELECT assistant_hub.drop_metric('nope')$$,
    $$SELECT assistant_hub.drop_metric(NULL)$$]) AS s;

-- Every kind of write keeps every metric exact.
CREATE FUNCTION pg_temp.all_exact() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM assistant_hub.metrics m, LATERAL assistant_hub.verify_metric(m.name)
    WHERE m.source = 'metric_events'::regclass $$;
INSERT INTO metric_events (user_uuid, account, team, label, at, local_at, on_day)
VALUES ('00000000-0000-0000-0000-000000000002', 7, 7, 'new', '2024-03-05 12:00+00', '2024-03-05 12:00', '2024-03-05');
SELECT * FROM assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000002', '2024-03-05', '2024-03-05');
-- Moves between keys and days; a row that starts and one that stops matching the filter.
UPDATE metric_events SET user_uuid = '00000000-0000-0000-0000-000000000009' WHERE id <= 5;
UPDATE metric_events SET at = at + interval '3 days', local_at = local_at - interval '2 days' WHERE id BETWEEN 6 AND 12;
UPDATE metric_events SET kind = CASE kind WHEN 'a' THEN 'b' ELSE 'a' END WHERE id BETWEEN 13 AND 20;
UPDATE metric_events SET amount = 1 WHERE team = 3;
UPDATE metric_events SET label = NULL WHERE id = 21;
SELECT pg_temp.all_exact() AS differences;
SELECT * FROM pg_temp.stored('by_uuid');
DELETE FROM metric_events WHERE id % 7 = 0;
SELECT pg_temp.all_exact() AS differences;
-- COPY, and INSERT ... ON CONFLICT (inserting some rows, moving others to another day and key).
COPY metric_events (id, user_uuid, account, team, label, at, local_at, on_day, kind) FROM stdin;
1001	00000000-0000-0000-0000-000000000003	3	3	L3	2024-03-06 10:00+00	2024-03-06 10:00	2024-03-06	a
1002	00000000-0000-0000-0000-000000000003	3	3	L3	2024-03-06 11:00+00	2024-03-06 11:00	2024-03-06	b
\.
INSERT INTO metric_events (id, user_uuid, account, team, label, at, local_at, on_day)
VALUES (1001, '00000000-0000-0000-0000-000000000004', 4, 4, 'L4', '2024-03-07 10:00+00', '2024-03-07 10:00', '2024-03-07'),
       (1003, '00000000-0000-0000-0000-000000000004', 4, 4, 'L4', '2024-03-07 10:00+00', '2024-03-07 10:00', '2024-03-07')
ON CONFLICT (id) DO UPDATE SET user_uuid = excluded.user_uuid, account = excluded.account, team = excluded.team,
    label = excluded.label, at = excluded.at, local_at = excluded.local_at, on_day = excluded.on_day;
INSERT INTO metric_events (id, at) VALUES (1002, '2024-03-08') ON CONFLICT (id) DO NOTHING;
SELECT pg_temp.all_exact() AS differences;
SELECT * FROM assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000004', '2024-03-06', '2024-03-07');
-- MERGE: deletes, updates moving days and filter results, and inserts in one statement.
MERGE INTO metric_events e USING (SELECT i AS id FROM generate_series(18, 26) i UNION ALL SELECT 1003) s ON e.id = s.id
WHEN MATCHED AND s.id % 3 = 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET kind = CASE e.kind WHEN 'a' THEN 'b' ELSE 'a' END, at = e.at + interval '1 day'
WHEN NOT MATCHED THEN INSERT (id, user_uuid, account, team, label, at, local_at, on_day)
    VALUES (s.id + 2000, '00000000-0000-0000-0000-000000000004', 4, 4, 'L4', '2024-03-07 11:00+00', '2024-03-07 11:00', '2024-03-07');
SELECT pg_temp.all_exact() AS differences;
-- Rolled-back savepoints and exception blocks drop their deltas; released ones keep them.
BEGIN;
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000005', '2024-03-09 01:00+00');
SAVEPOINT s1;
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000005', '2024-03-09 02:00+00');
SAVEPOINT s2;
DELETE FROM metric_events WHERE user_uuid = '00000000-0000-0000-0000-000000000005';
ROLLBACK TO s2;
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000005', '2024-03-09 03:00+00');
RELEASE s2;
ROLLBACK TO s1;
SAVEPOINT s3;
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000005', '2024-03-09 04:00+00');
RELEASE s3;
-- Reads inside the transaction see its own pending deltas.
SELECT * FROM assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000005', '2024-03-09', '2024-03-09');
SELECT count(*) AS differences_inside_transaction FROM assistant_hub.verify_metric('by_uuid');
DO $$
BEGIN
    INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000005', '2024-03-09 05:00+00');
    BEGIN
        INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000005', '2024-03-09 06:00+00');
        RAISE EXCEPTION 'roll back the block';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
END $$;
COMMIT;
SELECT * FROM assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000005', '2024-03-09', '2024-03-09');
SELECT pg_temp.all_exact() AS differences;
-- A rolled-back transaction leaves nothing.
BEGIN;
INSERT INTO metric_events (user_uuid, at) SELECT '00000000-0000-0000-0000-000000000006', '2024-03-10' FROM generate_series(1, 10);
ROLLBACK;
SELECT count(*) AS rows_for_rolled_back_key FROM pg_temp.stored('by_uuid') WHERE key = '00000000-0000-0000-0000-000000000006';
-- TRUNCATE (in a savepoint that rolls back, then for real).
BEGIN;
SAVEPOINT t;
TRUNCATE metric_events;
SELECT count(*) AS values_seen_after_truncate FROM assistant_hub.metric_daily('by_uuid', '00000000-0000-0000-0000-000000000005', '2024-03-09', '2024-03-09') WHERE value > 0;
ROLLBACK TO t;
COMMIT;
SELECT pg_temp.all_exact() AS differences;
BEGIN;
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-000000000007', '2024-03-11');
TRUNCATE metric_events;
INSERT INTO metric_events (user_uuid, account, team, label, at, local_at, on_day)
VALUES ('00000000-0000-0000-0000-000000000007', 1, 1, 'x', '2024-03-12', '2024-03-12', '2024-03-12');
COMMIT;
SELECT * FROM pg_temp.stored('by_uuid');
SELECT pg_temp.all_exact() AS differences;

-- rebuild_metric: a corrupted value shows in verify_metric and is corrected, for one key or all.
INSERT INTO assistant_hub.metric_deltas_uuid (metric_id, key, day, delta)
SELECT id, '00000000-0000-0000-0000-000000000007'::uuid, '2024-03-12'::date, 5 FROM assistant_hub.metrics WHERE name = 'by_uuid'
UNION ALL
SELECT id, '00000000-0000-0000-0000-000000000008'::uuid, '2024-03-01'::date, 2 FROM assistant_hub.metrics WHERE name = 'by_uuid';
SELECT * FROM assistant_hub.verify_metric('by_uuid');
SELECT assistant_hub.rebuild_metric('by_uuid', '00000000-0000-0000-0000-000000000007') AS corrected;
SELECT * FROM assistant_hub.verify_metric('by_uuid');
SELECT assistant_hub.rebuild_metric('by_uuid') AS corrected;
SELECT * FROM assistant_hub.verify_metric('by_uuid');
-- consolidate_metrics folds delta rows into counts; values do not change.
CREATE TEMP TABLE before_consolidation AS SELECT * FROM pg_temp.stored('by_text');
SELECT assistant_hub.consolidate_metrics() > 0 AS folded;
SELECT (SELECT count(*) FROM assistant_hub.metric_deltas_uuid) + (SELECT count(*) FROM assistant_hub.metric_deltas_bigint)
     + (SELECT count(*) FROM assistant_hub.metric_deltas_text) AS delta_rows_left,
       (SELECT count(*) FROM (SELECT * FROM pg_temp.stored('by_text') EXCEPT SELECT * FROM before_consolidation) d) AS changed;
SELECT assistant_hub.consolidate_metrics() AS folded_again;
SELECT pg_temp.all_exact() AS differences;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try('SELECT assistant_hub.consolidate_metrics()');
ROLLBACK;

-- assistant_hub.metrics_timezone: days of new metrics are its days, whatever the session's TimeZone.
SHOW assistant_hub.metrics_timezone;
SELECT pg_temp.try($$SET assistant_hub.metrics_timezone = 'Mars/Olympus'$$);
SET assistant_hub.metrics_timezone = 'Asia/Tokyo';
SET TimeZone = 'America/Los_Angeles';
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-00000000000a', '2024-03-01 16:00+00');
SELECT assistant_hub.create_metric('tokyo_days', 'metric_events', 'user_uuid', 'at');
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-00000000000a', '2024-03-01 14:00+00');
RESET assistant_hub.metrics_timezone;
SET TimeZone = 'UTC';
SELECT (SELECT time_zone FROM assistant_hub.metrics WHERE name = 'tokyo_days') AS zone,
       (SELECT time_zone FROM assistant_hub.metrics WHERE name = 'by_uuid') AS other_zone;
SELECT * FROM pg_temp.stored('tokyo_days') WHERE key LIKE '%a';
-- A full rebuild re-buckets in the current setting.
SELECT assistant_hub.rebuild_metric('tokyo_days') > 0 AS corrected;
SELECT time_zone FROM assistant_hub.metrics WHERE name = 'tokyo_days';
SELECT * FROM pg_temp.stored('tokyo_days') WHERE key LIKE '%a';
SELECT count(*) AS differences FROM assistant_hub.verify_metric('tokyo_days');
SELECT assistant_hub._metric_day('2024-03-01 16:00+00'::timestamptz, 'Asia/Tokyo') AS tokyo,
       assistant_hub._metric_day('2024-03-01 16:00+00'::timestamptz, 'UTC') AS utc,
       assistant_hub._metric_day('infinity'::timestamptz, 'UTC') AS inf,
       pg_temp.try($$SELECT assistant_hub._metric_day(now(), 'Mars/Olympus')$$) AS bad_zone;

-- An application role that may write metric_events but has no privilege on the metric tables: its
-- writes are counted all the same (the trigger code writes values as the extension owner), and
-- it cannot read or change the values directly.
CREATE ROLE metrics_app_role NOLOGIN;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_events TO metrics_app_role;
GRANT USAGE ON SEQUENCE metric_events_id_seq TO metrics_app_role;
GRANT USAGE ON SCHEMA assistant_hub TO metrics_app_role;
SET ROLE metrics_app_role;
INSERT INTO metric_events (user_uuid, account, team, label, at, local_at, on_day)
VALUES ('00000000-0000-0000-0000-00000000000b', 11, 11, 'app', '2024-03-13', '2024-03-13', '2024-03-13');
UPDATE metric_events SET at = '2024-03-14' WHERE user_uuid = '00000000-0000-0000-0000-00000000000b';
SELECT pg_temp.try('SELECT count(*) FROM assistant_hub.metric_deltas_uuid');
SELECT pg_temp.try('INSERT INTO assistant_hub.metric_deltas_uuid VALUES (1, gen_random_uuid(), current_date, 1)');
SELECT pg_temp.try($$SELECT assistant_hub.create_metric('x', 'metric_events', 'user_uuid', 'at')$$);
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_metrics$$);
RESET ROLE;
SELECT * FROM pg_temp.stored('by_uuid') WHERE key LIKE '%b';
SELECT pg_temp.all_exact() AS differences;
-- After grant_app_role it reads the dashboards as itself: row-level security on the values shows
-- the current application user's only.
SELECT assistant_hub.grant_app_role('metrics_app_role');
INSERT INTO assistant_hub.metric_deltas_uuid
SELECT id, '00000000-0000-0000-0000-00000000000b'::uuid, '2024-03-14'::date, 1 FROM assistant_hub.metrics WHERE name = 'by_uuid'
UNION ALL SELECT id, '00000000-0000-0000-0000-00000000000c'::uuid, '2024-03-14'::date, 1 FROM assistant_hub.metrics WHERE name = 'by_uuid';
SET ROLE metrics_app_role;
SELECT count(DISTINCT key) AS keys_visible_without_user FROM assistant_hub.metric_values_uuid;
SET assistant_hub.user_id = '00000000-0000-0000-0000-00000000000b';
SELECT m.name, v.key, v.day, sum(v.value) FROM assistant_hub.metric_values_uuid v
JOIN assistant_hub.metrics m ON m.id = v.metric_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT pg_temp.try($$SELECT * FROM assistant_hub.dashboard_metrics$$);
RESET assistant_hub.user_id;
-- Its own DDL passes the metrics' event triggers untouched.
CREATE TEMP TABLE app_scratch (x int);
DROP TABLE app_scratch;
RESET ROLE;
SELECT assistant_hub.rebuild_metric('by_uuid') AS corrected;
-- The dashboards run as the caller.
SELECT p.oid::regprocedure, p.prosecdef FROM pg_proc p
WHERE p.pronamespace = 'assistant_hub'::regnamespace
  AND p.proname IN ('dashboard_summary', '_dashboard_summary', 'mood_trend', 'task_completion_weekly')
ORDER BY 1::text;
SELECT c.relname, c.reloptions FROM pg_class c
WHERE c.relnamespace = 'assistant_hub'::regnamespace AND c.relkind = 'v'
  AND (c.relname LIKE 'metric\_%' OR c.relname = 'dashboard_metrics') ORDER BY 1;

-- A partitioned source, with a partition whose columns are in another order, written through the
-- parent and directly, truncated one partition and then all.
CREATE TABLE visits (k text NOT NULL, at date NOT NULL, ok boolean) PARTITION BY RANGE (at);
CREATE TABLE visits_2024_03 PARTITION OF visits FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');
CREATE TABLE visits_2024_04 (ok boolean, at date NOT NULL, extra int, k text NOT NULL);
ALTER TABLE visits_2024_04 DROP COLUMN extra;
ALTER TABLE visits ATTACH PARTITION visits_2024_04 FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');
INSERT INTO visits SELECT 'k' || (i % 2), '2024-03-30'::date + i % 4, i % 3 > 0 FROM generate_series(1, 12) AS i;
SELECT pg_temp.try($$SELECT assistant_hub.create_metric('bad', 'visits_2024_03', 'k', 'at')$$);
SELECT assistant_hub.create_metric('visits_ok', 'visits', 'k', 'at', 'ok');
SELECT count(DISTINCT tgrelid) AS tables_with_triggers FROM pg_trigger WHERE tgname LIKE 'assistant_hub_metric_%'
  AND tgrelid IN ('visits'::regclass, 'visits_2024_03'::regclass, 'visits_2024_04'::regclass);
INSERT INTO visits VALUES ('k1', '2024-04-02', true), ('k1', '2024-03-02', true);
INSERT INTO visits_2024_04 (k, at, ok) VALUES ('k2', '2024-04-03', true);
UPDATE visits SET at = '2024-04-05' WHERE at = '2024-03-30';
UPDATE visits_2024_04 SET ok = NOT ok;
SELECT * FROM pg_temp.stored('visits_ok');
SELECT count(*) AS differences FROM assistant_hub.verify_metric('visits_ok');
TRUNCATE visits_2024_03;
SELECT * FROM pg_temp.stored('visits_ok');
TRUNCATE visits;
SELECT count(*) AS values_left FROM pg_temp.stored('visits_ok');
SELECT count(*) AS differences FROM assistant_hub.verify_metric('visits_ok');
-- Partitions created, attached (with rows), detached and dropped after the metric exists.
INSERT INTO visits VALUES ('k1', '2024-03-03', true), ('k1', '2024-04-04', true);
CREATE TABLE visits_2024_05 PARTITION OF visits FOR VALUES FROM ('2024-05-01') TO ('2024-06-01');
INSERT INTO visits_2024_05 VALUES ('k5', '2024-05-05', true);
CREATE TABLE visits_2024_06 (k text NOT NULL, at date NOT NULL, ok boolean);
INSERT INTO visits_2024_06 VALUES ('k6', '2024-06-06', true), ('k6', '2024-06-07', false);
ALTER TABLE visits ATTACH PARTITION visits_2024_06 FOR VALUES FROM ('2024-06-01') TO ('2024-07-01');
SELECT * FROM pg_temp.stored('visits_ok');
ALTER TABLE visits DETACH PARTITION visits_2024_03;
INSERT INTO visits_2024_03 VALUES ('k3', '2024-03-09', true);
DROP TABLE visits_2024_04;
SELECT * FROM pg_temp.stored('visits_ok');
SELECT count(*) AS differences FROM assistant_hub.verify_metric('visits_ok');
SELECT c.relname, count(t.tgname) AS metric_triggers FROM pg_class c
LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname LIKE 'assistant_hub_metric_%'
WHERE c.relname LIKE 'visits%' AND c.relkind IN ('r', 'p') GROUP BY c.relname ORDER BY c.relname;
DROP TABLE visits_2024_03;

-- convert_to_partitioned() keeps a table's rows in a partition of a new table of its name: the
-- metric follows to the new table (by column names: here a dropped column shifts them).
CREATE TABLE converted (id int, gone int, k int, at timestamptz NOT NULL, ok bool, PRIMARY KEY (id, at));
ALTER TABLE converted DROP COLUMN gone;
INSERT INTO converted SELECT i, i % 3, '2024-01-01'::timestamptz + i * interval '1 day', i % 2 = 0
FROM generate_series(1, 60) i;
SELECT assistant_hub.create_metric('converted_ok', 'converted', 'k', 'at', 'ok');
SELECT assistant_hub.convert_to_partitioned('converted', 'at', '1 month') AS rows_converted;
SELECT source, key_attnum, time_attnum FROM assistant_hub.metrics WHERE name = 'converted_ok';
SELECT bool_and(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = p.relid AND t.tgname LIKE 'assistant_hub_metric_%'))
       AS every_table_has_triggers
FROM pg_partition_tree('converted') p;
INSERT INTO converted VALUES (100, 1, '2024-01-05', true), (101, 2, '2024-01-06', true);
UPDATE converted SET ok = NOT ok WHERE id < 10;
SELECT count(*) AS differences FROM assistant_hub.verify_metric('converted_ok');
TRUNCATE converted;
SELECT count(*) AS differences, (SELECT count(*) FROM pg_temp.stored('converted_ok')) AS values_left
FROM assistant_hub.verify_metric('converted_ok');
DROP TABLE converted;

-- drop_metric: triggers and values go; deltas of the dropping transaction are not written.
SELECT id AS by_uuid_id FROM assistant_hub.metrics WHERE name = 'by_uuid' \gset
BEGIN;
INSERT INTO metric_events (user_uuid, at) VALUES ('00000000-0000-0000-0000-00000000000c', '2024-03-15');
SELECT assistant_hub.drop_metric('by_uuid');
COMMIT;
SELECT count(*) AS metric_rows, (SELECT count(*) FROM pg_trigger
        WHERE tgname LIKE 'assistant_hub_metric_' || :by_uuid_id || '_%') AS triggers_left,
       (SELECT count(*) FROM assistant_hub.metric_values_uuid WHERE metric_id = :by_uuid_id) AS values_left
FROM assistant_hub.metrics WHERE name = 'by_uuid';
SELECT count(*) AS orphan_values FROM assistant_hub.metric_values_uuid v
WHERE NOT EXISTS (SELECT 1 FROM assistant_hub.metrics m WHERE m.id = v.metric_id);
SELECT assistant_hub.drop_metric(name) FROM assistant_hub.metrics
WHERE source = 'metric_events'::regclass ORDER BY id;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'assistant_hub_metric_%'
  AND tgrelid = 'metric_events'::regclass;
-- Dropping a source drops its metrics.
DROP TABLE visits;
SELECT count(*) AS visits_metrics FROM assistant_hub.metrics WHERE name = 'visits_ok';
SELECT (SELECT count(*) FROM assistant_hub.metric_values_bigint) + (SELECT count(*) FROM assistant_hub.metric_values_text) AS values_left;
DROP VIEW metric_events_view;
DROP TABLE metric_events;
DROP OWNED BY metrics_app_role;
DROP ROLE metrics_app_role;
-- The hub metrics are untouched.
SELECT name, source FROM assistant_hub.metrics ORDER BY id;
