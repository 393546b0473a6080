-- Slow-query capture with the library preloaded: the executor and utility hooks, the shared ring,
-- normalization, errors and cancels, nesting, plans, the stats invariant, bad settings.
-- Nothing here depends on timing: a captured statement sleeps past the threshold, and each check
-- is a boolean or a text that does not change between runs.
\set SHOW_CONTEXT never
-- Settings, with their defaults and units.
SELECT name, setting, unit, context FROM pg_settings
WHERE name LIKE 'assistant\_hub.%' AND name <> 'assistant_hub.user_id' ORDER BY name;

-- Start from an empty log (earlier tests may have had slow statements).
SELECT assistant_hub.flush_slow_queries() >= 0 AS flushed;
TRUNCATE assistant_hub.query_performance_log, assistant_hub.slow_query_alerts;

-- Invalid bytes cut at the truncation point (a SQL_ASCII database clips anywhere, and accepts
-- any bytes): flushed into this UTF8 database as valid text.
CREATE DATABASE slowlog_sql_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c slowlog_sql_ascii
SET assistant_hub.slow_query_ms = 50;
SELECT format('SELECT count(*) AS ascii_db FROM (SELECT pg_sleep(0.1) %s) s',
              string_agg(', 1 AS "' || repeat('é', 10) || g || '"', ''))
FROM generate_series(1, 60) g \gexec
\c contrib_regression
SET assistant_hub.slow_query_ms = 50;
DROP DATABASE slowlog_sql_ascii;

CREATE FUNCTION pg_temp.invariant_holds() RETURNS boolean LANGUAGE sql AS $$
    SELECT captured = flushed + dropped + buffer_used FROM assistant_hub.slow_query_stats()
$$;

SELECT buffer_size, pg_temp.invariant_holds() AS invariant
FROM assistant_hub.slow_query_stats();

-- A statement past the threshold is captured with its duration, rows, database, role,
-- application, the application's user and its text; literals never leave the ring.
SET assistant_hub.slow_query_ms = 50;
SET assistant_hub.user_id = '7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2c';
SELECT pg_sleep(0.1) AS first_capture, 'canary_7f3a' AS secret, 739158264 AS number;
RESET assistant_hub.user_id;
SELECT query_text, status, sqlstate, rows_returned, execution_time_ms >= 100 AS took_100ms,
       database_name = current_database() AS this_db, role_name = current_user AS this_role,
       application_name, user_id
FROM assistant_hub.pending_slow_queries() WHERE query_text LIKE '%first_capture%';

-- Off (-1): nothing is captured, however slow.
SET assistant_hub.slow_query_ms = -1;
SELECT pg_sleep(0.1) AS while_off;
SET assistant_hub.slow_query_ms = 50;
SELECT count(*) AS captured_while_off FROM assistant_hub.pending_slow_queries()
WHERE query_text LIKE '%while_off%';

-- A statement cancelled by statement_timeout, one cancelled by pg_cancel_backend, and one that
-- fails: captured with their SQLSTATE.
SET statement_timeout = '150ms';
SELECT pg_sleep(5) AS timed_out;
RESET statement_timeout;
SELECT pg_sleep(0.1) AS cancelled_by_request, pg_cancel_backend(pg_backend_pid()), pg_sleep(5);
SELECT 1 / (x - x) AS failed FROM (SELECT pg_sleep(0.1), 1 AS x) s;
SELECT substring(query_text FROM 'AS (\w+)') AS statement, status, sqlstate,
       execution_time_ms >= 100 AS took_100ms
FROM assistant_hub.pending_slow_queries()
WHERE query_text ~ 'AS (timed_out|cancelled_by_request|failed)' ORDER BY logged_at;

-- Utility statements are timed too (ProcessUtility).
CREATE TABLE slowlog_t AS SELECT pg_sleep(0.1) IS NULL AS utility_capture, g FROM generate_series(1, 3) g;
SELECT query_text, rows_returned FROM assistant_hub.pending_slow_queries()
WHERE query_text LIKE 'CREATE TABLE slowlog_t%';

-- Nested statements: only the top-level one unless assistant_hub.track_nested is on.
DO $$ BEGIN PERFORM pg_sleep(0.1) AS nested_off; END $$;
SET assistant_hub.track_nested = on;
DO $$ BEGIN PERFORM pg_sleep(0.1) AS nested_on; END $$;
SET assistant_hub.track_nested = off;
SELECT query_text FROM assistant_hub.pending_slow_queries()
WHERE query_text ~ '^DO|nested_' ORDER BY logged_at;

-- Plans (EXPLAIN, costs off), normalized like the text.
SET assistant_hub.log_plans = on;
SELECT count(*) AS with_plan FROM slowlog_t, pg_sleep(0.1) WHERE g > 1 AND g::text <> 'canary_7f3a';
SET assistant_hub.log_plans = off;
SELECT plan FROM assistant_hub.pending_slow_queries() WHERE query_text LIKE '%with_plan%';

-- Long statements are cut to track_activity_query_size on a character boundary.
SELECT format('SELECT count(*) AS long_mb FROM (SELECT pg_sleep(0.1) %s) s',
              string_agg(format(', 1 AS %I', repeat('é', 30) || g), ''))
FROM generate_series(1, 20) g \gexec
SELECT query_text NOT LIKE '%) s' AS clipped, position('?' IN query_text) = 0 AS whole_characters,
       query_text LIKE 'SELECT count(*) AS long_mb FROM (SELECT pg_sleep($1) , $2 AS "éé%' AS normalized
FROM assistant_hub.pending_slow_queries() WHERE query_text LIKE '%long_mb%';

-- Flush: everything pending moves to the log, normalized; one alert row per query hash.
SELECT pg_temp.invariant_holds() AS invariant_before_flush;
SELECT assistant_hub.flush_slow_queries() >= 10 AS flushed;
SELECT count(*) AS pending_after_flush FROM assistant_hub.pending_slow_queries()
WHERE query_text ~ 'first_capture|timed_out|long_mb|ascii_db';
SELECT query_text, status, user_id FROM assistant_hub.query_performance_log
WHERE query_text LIKE '%first_capture%';
SELECT query_text NOT LIKE '%) s' AS clipped,
       query_text ~ '^SELECT count\(\*\) AS ascii_db FROM \(SELECT pg_sleep\(\$1\) , \$2 AS "\?{20}1"' AS normalized,
       query_text ~ '^[ -~]*$' AS printable_ascii,
       database_name IS NULL AS database_dropped
FROM assistant_hub.query_performance_log WHERE query_text LIKE '%ascii_db%';
-- The canary literal is nowhere: not in the log, not in the alerts, not in the ring.
SELECT (SELECT count(*) FROM assistant_hub.query_performance_log l
        WHERE l::text LIKE '%canary%' OR l::text LIKE '%739158264%') AS in_log,
       (SELECT count(*) FROM assistant_hub.slow_query_alerts a WHERE a::text LIKE '%canary%') AS in_alerts,
       (SELECT count(*) FROM assistant_hub.pending_slow_queries() p WHERE p::text LIKE '%canary%') AS in_ring;
-- Alerts: once per query hash per flush, counting the executions.
SELECT pg_sleep(0.1) AS repeated \gset
SELECT pg_sleep(0.1) AS repeated \gset
SELECT assistant_hub.flush_slow_queries() >= 2 AS flushed;
SELECT a.alert_count, a.threshold_ms, a.first_alert_at <= a.last_alert_at AS ordered
FROM assistant_hub.slow_query_alerts a
JOIN (SELECT DISTINCT query_hash FROM assistant_hub.query_performance_log
      WHERE query_text LIKE '%AS repeated%') l USING (query_hash);
SELECT pg_sleep(0.1) AS repeated \gset
SELECT assistant_hub.flush_slow_queries() >= 1 AS flushed;
SELECT a.alert_count FROM assistant_hub.slow_query_alerts a
JOIN (SELECT DISTINCT query_hash FROM assistant_hub.query_performance_log
      WHERE query_text LIKE '%AS repeated%') l USING (query_hash);

-- A flush that rolls back (or whose savepoint does) leaves its entries in the ring.
SELECT pg_sleep(0.1) AS rolled_back \gset
BEGIN;
SELECT assistant_hub.flush_slow_queries() >= 1 AS flushed;
ROLLBACK;
SELECT count(*) AS still_pending FROM assistant_hub.pending_slow_queries()
WHERE query_text LIKE '%rolled_back%';
BEGIN;
SAVEPOINT s;
SELECT assistant_hub.flush_slow_queries() >= 1 AS flushed;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT count(*) AS still_pending FROM assistant_hub.pending_slow_queries()
WHERE query_text LIKE '%rolled_back%';
BEGIN;
SAVEPOINT s;
SELECT assistant_hub.flush_slow_queries() >= 1 AS flushed;
RELEASE SAVEPOINT s;
COMMIT;
SELECT count(*) AS still_pending FROM assistant_hub.pending_slow_queries()
WHERE query_text LIKE '%rolled_back%';
SELECT count(*) AS logged_once FROM assistant_hub.query_performance_log
WHERE query_text LIKE '%rolled_back%';

-- Every statement at threshold 0: the counters still add up, drops included.
SELECT captured AS captured_before FROM assistant_hub.slow_query_stats() \gset
SET assistant_hub.slow_query_ms = 0;
SET assistant_hub.track_nested = on;
DO $$ BEGIN FOR i IN 1..1500 LOOP PERFORM i; END LOOP; END $$;
SET assistant_hub.track_nested = off;
SET assistant_hub.slow_query_ms = -1;
SELECT captured - :captured_before >= 1500 AS captured_all, pg_temp.invariant_holds() AS invariant
FROM assistant_hub.slow_query_stats();
SELECT assistant_hub.flush_slow_queries() >= 0 AS flushed;
SELECT buffer_used = 0 AS empty, pg_temp.invariant_holds() AS invariant
FROM assistant_hub.slow_query_stats();

-- Bad settings: rejected by the GUC machinery, with units.
SET assistant_hub.slow_query_ms = -2;
SET assistant_hub.slow_query_ms = '1 apple';
SET assistant_hub.slow_query_ms = '2s';
SHOW assistant_hub.slow_query_ms;
SET assistant_hub.flush_interval_ms = 100;
ALTER SYSTEM SET assistant_hub.flush_interval_ms = 5;
ALTER SYSTEM SET assistant_hub.slow_query_buffer = 0;
SET assistant_hub.slow_query_buffer = 10;
SET assistant_hub.track_nested = maybe;
RESET assistant_hub.slow_query_ms;
DROP TABLE slowlog_t;
