-- Without shared_preload_libraries: the settings exist, the slow-query functions raise a clear
-- error whose hint says what to set, and the monitoring functions work.
\set SHOW_CONTEXT never
CREATE EXTENSION IF NOT EXISTS assistant_hub;
SELECT assistant_hub.version() IS NOT NULL AS loaded;
SHOW assistant_hub.slow_query_ms;
SET assistant_hub.slow_query_ms = 0;
SELECT pg_sleep(0.01) AS nothing_captured;
SELECT assistant_hub.flush_slow_queries();
SELECT * FROM assistant_hub.pending_slow_queries();
SELECT * FROM assistant_hub.slow_query_stats();
RESET assistant_hub.slow_query_ms;
SELECT count(*) AS recommendations FROM assistant_hub.recommend_settings();
SELECT active_connections >= 1 AS snapshot_works FROM assistant_hub.performance_snapshot();
SELECT count(*) >= 0 AS table_health_works FROM assistant_hub.table_health;
