-- The dashboards on the hub metrics: dashboard_metrics against the seed's view computed from
-- scratch, dashboard_summary, mood_trend, task_completion_weekly.
SET TimeZone = 'UTC';
\i sql/include/try.sql
-- The seed's dashboard_metrics_enhanced (section 4.1), as a plain view over the hub tables.
\set seed_query `cat sql/include/seed_dashboard_metrics_enhanced.sql`
CREATE TEMP VIEW seed_dashboard_metrics_enhanced AS :seed_query;
-- Rows in one and not the other (with duplicates), both ways.
CREATE FUNCTION pg_temp.mismatches() RETURNS TABLE(rows bigint, only_ours bigint, only_seed bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM assistant_hub.dashboard_metrics),
           (SELECT count(*) FROM (SELECT * FROM assistant_hub.dashboard_metrics
                                  EXCEPT ALL SELECT * FROM seed_dashboard_metrics_enhanced) d),
           (SELECT count(*) FROM (SELECT * FROM seed_dashboard_metrics_enhanced
                                  EXCEPT ALL SELECT * FROM assistant_hub.dashboard_metrics) d) $$;

-- The demo data: the same rows and values, with the same column types.
SELECT rows > 100 AS has_rows, only_ours, only_seed FROM pg_temp.mismatches();
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       format_type(s.atttypid, s.atttypmod) = format_type(a.atttypid, a.atttypmod) AS same_as_seed
FROM pg_attribute a JOIN pg_attribute s ON s.attrelid = 'seed_dashboard_metrics_enhanced'::regclass AND s.attnum = a.attnum
WHERE a.attrelid = 'assistant_hub.dashboard_metrics'::regclass AND a.attnum > 0 ORDER BY a.attnum;
-- Always fresh: after writes of every kind, with no refresh.
UPDATE hub.tasks SET status = 'completed', completed_at = now() - interval '2 days'
WHERE status = 'pending' AND user_id IN (SELECT id FROM hub.users ORDER BY email LIMIT 5);
UPDATE hub.tasks SET status = 'cancelled' WHERE status = 'completed' AND completed_at < now() - interval '20 days'
  AND user_id IN (SELECT id FROM hub.users ORDER BY email LIMIT 3);
DELETE FROM hub.email_messages WHERE received_at < now() - interval '60 days';
UPDATE hub.journal_entries SET created_at = created_at - interval '1 day' WHERE mood_score = 5;
UPDATE hub.email_messages SET user_id = (SELECT id FROM hub.users ORDER BY email LIMIT 1),
       thread_id = (SELECT t.id FROM hub.email_threads t JOIN hub.users u ON u.id = t.user_id ORDER BY u.email, t.id LIMIT 1)
WHERE user_id = (SELECT id FROM hub.users ORDER BY email OFFSET 1 LIMIT 1);
DELETE FROM hub.users WHERE id = (SELECT id FROM hub.users ORDER BY email OFFSET 2 LIMIT 1);
SELECT rows > 100 AS has_rows, only_ours, only_seed FROM pg_temp.mismatches();
-- One user's rows, as the application reads them, are the seed's rows for that user.
SELECT count(*) > 0 AS has_rows,
       count(*) = (SELECT count(*) FROM seed_dashboard_metrics_enhanced s WHERE s.user_id = d.user_id) AS same_count
FROM assistant_hub.dashboard_metrics d
WHERE d.user_id = (SELECT id FROM hub.users ORDER BY email LIMIT 1) GROUP BY d.user_id;
-- Days are the metric's (UTC) days, not the session's: in another TimeZone only the seed changes.
SET TimeZone = 'UTC';
CREATE TEMP TABLE in_utc AS SELECT * FROM assistant_hub.dashboard_metrics;
SET TimeZone = 'Pacific/Kiritimati';
SELECT count(*) AS differences_from_utc_session FROM (
    SELECT * FROM assistant_hub.dashboard_metrics EXCEPT ALL SELECT * FROM in_utc) d;
SET TimeZone = 'UTC';

-- dashboard_summary: exact counts (the seed capped them at 10), today in the user's time zone.
INSERT INTO hub.users (id, email, timezone) VALUES
    ('00000000-0000-0000-0000-0000000000d1', 'd1@example.com', 'Pacific/Kiritimati'),
    ('00000000-0000-0000-0000-0000000000d2', 'd2@example.com', 'Pacific/Pago_Pago');
CREATE TEMP TABLE local_today AS
SELECT id AS user_id, (now() AT TIME ZONE timezone)::date AS today FROM hub.users
WHERE id IN ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-0000000000d2');
INSERT INTO hub.journal_entries (user_id, entry_date, content)
SELECT user_id, today + d, 'x' FROM local_today, unnest(ARRAY[0, 0, -1, 1, 1, 1, 1]) AS d;
INSERT INTO hub.tasks (user_id, title, status, due_date)
SELECT user_id, 'soon', 'pending', today + 3 FROM local_today, generate_series(1, 15)
UNION ALL SELECT user_id, 'overdue', 'pending', today - 3 FROM local_today
UNION ALL SELECT user_id, 'later', 'pending', today + 8 FROM local_today, generate_series(1, 2)
UNION ALL SELECT user_id, 'doing', 'in_progress', today FROM local_today;
INSERT INTO hub.tasks (user_id, title, status, due_date, completed_at)
SELECT user_id, 'done', 'completed', today, now() FROM local_today, generate_series(1, 3);
INSERT INTO hub.calendar_events (user_id, title, start_time, end_time, status)
SELECT user_id, 'soon', now() + h * interval '1 hour', now() + h * interval '1 hour', 'confirmed'
FROM local_today, generate_series(1, 12) AS h
UNION ALL SELECT user_id, 'tomorrow', now() + interval '25 hours', now() + interval '26 hours', 'confirmed' FROM local_today
UNION ALL SELECT user_id, 'maybe', now() + interval '2 hours', now() + interval '3 hours', 'tentative' FROM local_today
UNION ALL SELECT user_id, 'past', now() - interval '2 hours', now() - interval '1 hour', 'confirmed' FROM local_today;
INSERT INTO hub.email_threads (user_id, subject, is_read)
SELECT user_id, 'unread', false FROM local_today, generate_series(1, 11)
UNION ALL SELECT user_id, 'read', true FROM local_today, generate_series(1, 2);
SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000000d1');
SELECT * FROM assistant_hub.dashboard_summary(user_id => '00000000-0000-0000-0000-0000000000d2');
SELECT count(*) AS rows_for_unknown_user FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000000ff');
SELECT pg_temp.try('SELECT * FROM assistant_hub.dashboard_summary(NULL)');
-- The wrapper is inlined into the caller's query (planned once with it, not on every call).
EXPLAIN (COSTS OFF) SELECT * FROM assistant_hub.dashboard_summary('00000000-0000-0000-0000-0000000000d1');
-- How one user's dashboard_metrics is read (one scan node, that user's values): metrics_dashboard_scan.
-- The journal metric counts by created_at (now), in UTC days: both users' 7 entries, today.
SELECT value FROM assistant_hub.metric_daily('journal_entries', '00000000-0000-0000-0000-0000000000d1',
    assistant_hub._metric_day(now(), 'UTC'), assistant_hub._metric_day(now(), 'UTC'));

-- mood_trend: newest first; the averages also see the 30 days before from_day.
INSERT INTO hub.journal_entries (user_id, entry_date, content, mood_score)
SELECT '00000000-0000-0000-0000-0000000000d2', current_date + d, 'mood', m
FROM (VALUES (-25, 10), (-10, 2), (-5, 4), (-3, 6), (0, 8), (0, 9)) AS v(d, m);
SELECT entry_date - current_date AS day_offset, mood_score, round(rolling_avg_7d, 2) AS avg_7d,
       round(rolling_avg_30d, 2) AS avg_30d, mood_trend
FROM assistant_hub.mood_trend('00000000-0000-0000-0000-0000000000d2', current_date - 10, current_date);
SELECT pg_temp.try(s) FROM unnest(ARRAY[
    $$SELECT * FROM assistant_hub.mood_trend(NULL, current_date, current_date)$$,
    $$SELECT * FROM assistant_hub.mood_trend('00000000-0000-0000-0000-0000000000d2', NULL, current_date)$$,
    $$SELECT * FROM assistant_hub.mood_trend('00000000-0000-0000-0000-0000000000d2', current_date, NULL)$$,
    $$SELECT * FROM assistant_hub.mood_trend('00000000-0000-0000-0000-0000000000d2', '2024-01-02', '2024-01-01')$$]) AS s;

-- task_completion_weekly: the 12 most recent weeks (in the user's time zone), per user only.
INSERT INTO hub.users (id, email, timezone) VALUES ('00000000-0000-0000-0000-0000000000d3', 'd3@example.com', 'UTC');
INSERT INTO hub.tasks (user_id, title, status, priority, actual_duration, created_at, completed_at)
SELECT '00000000-0000-0000-0000-0000000000d3', 'w' || w, CASE WHEN i <= w % 4 THEN 'completed' ELSE 'pending' END,
       CASE WHEN i = 1 THEN 1 ELSE 3 END, CASE WHEN i <= w % 4 THEN 10 * i END,
       date_trunc('week', now()) - w * interval '1 week' + interval '1 day',
       CASE WHEN i <= w % 4 THEN now() END
FROM generate_series(0, 13) AS w, generate_series(1, 4) AS i;
SELECT (current_date - week_start) / 7 AS weeks_ago, week_end - week_start AS days, tasks_created, tasks_completed,
       completion_rate, avg_completion_time, high_priority_completed, previous_week_rate, rate_change
FROM assistant_hub.task_completion_weekly('00000000-0000-0000-0000-0000000000d3', now() - interval '20 weeks');
SELECT count(*) AS weeks_since_5_weeks_ago
FROM assistant_hub.task_completion_weekly('00000000-0000-0000-0000-0000000000d3', date_trunc('week', now()) - interval '5 weeks');
SELECT pg_temp.try(s) FROM unnest(ARRAY[
    $$SELECT * FROM assistant_hub.task_completion_weekly(NULL, now())$$,
    $$SELECT * FROM assistant_hub.task_completion_weekly('00000000-0000-0000-0000-0000000000d3', NULL)$$]) AS s;

-- All three hub metrics are still exact, and the view still equals the seed's.
SELECT name, (SELECT count(*) FROM assistant_hub.verify_metric(name)) AS differences
FROM assistant_hub.metrics ORDER BY id;
SELECT rows > 100 AS has_rows, only_ours, only_seed FROM pg_temp.mismatches();
