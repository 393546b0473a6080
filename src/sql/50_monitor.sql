-- Monitoring: a live performance snapshot, table health, top statements from pg_stat_statements,
-- settings advice from the real machine, and a history table filled by a scheduled job.

CREATE VIEW assistant_hub.table_health AS
SELECT s.schemaname::text                 AS schema_name,
       s.relname::text                    AS table_name,
       pg_catalog.pg_total_relation_size(s.relid) AS total_bytes,
       pg_catalog.pg_table_size(s.relid)  AS table_bytes,
       pg_catalog.pg_indexes_size(s.relid) AS index_bytes,
       s.n_tup_ins                        AS inserts,
       s.n_tup_upd                        AS updates,
       s.n_tup_del                        AS deletes,
       s.n_live_tup                       AS live_tuples,
       s.n_dead_tup                       AS dead_tuples,
       round(100.0 * s.n_dead_tup / NULLIF(s.n_live_tup + s.n_dead_tup, 0), 2) AS dead_tuple_pct
FROM pg_catalog.pg_stat_user_tables s;
COMMENT ON VIEW assistant_hub.table_health IS
    'Size (table = heap + TOAST, index, total), write counts and dead tuples of every user table.';
REVOKE ALL ON assistant_hub.table_health FROM PUBLIC;

CREATE FUNCTION assistant_hub.performance_snapshot(
    OUT snapshot_time timestamptz, OUT active_connections int, OUT waiting_locks int,
    OUT cache_hit_ratio numeric, OUT long_running_queries int, OUT slow_queries_today bigint,
    OUT top_tables jsonb)
    RETURNS record
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT pg_catalog.now(),
       (SELECT count(*) FROM pg_catalog.pg_stat_activity
        WHERE state = 'active' AND backend_type = 'client backend')::int,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock')::int,
       (SELECT round(100.0 * blks_hit / NULLIF(blks_hit + blks_read, 0), 2)
        FROM pg_catalog.pg_stat_database WHERE datname = pg_catalog.current_database()),
       (SELECT count(*) FROM pg_catalog.pg_stat_activity
        WHERE state = 'active' AND backend_type = 'client backend'
          AND query_start < pg_catalog.now() - interval '5 minutes')::int,
       (SELECT count(*) FROM assistant_hub.query_performance_log
        WHERE logged_at >= pg_catalog.date_trunc('day', pg_catalog.now())),
       (SELECT COALESCE(jsonb_agg(t ORDER BY t.total_bytes DESC, t.schema_name, t.table_name), '[]')
        FROM (SELECT schema_name, table_name, total_bytes, live_tuples, dead_tuples
              FROM assistant_hub.table_health
              ORDER BY total_bytes DESC, schema_name, table_name LIMIT 5) t)
$$;
COMMENT ON FUNCTION assistant_hub.performance_snapshot() IS
    'Live performance figures: active and lock-waiting sessions, cache hit ratio (%), statements active over 5 minutes, slow queries logged today, the 5 largest tables.';
REVOKE ALL ON FUNCTION assistant_hub.performance_snapshot() FROM PUBLIC;

CREATE TABLE assistant_hub.performance_history (
    snapshot_time        timestamptz NOT NULL PRIMARY KEY,
    active_connections   int         NOT NULL,
    waiting_locks        int         NOT NULL,
    cache_hit_ratio      numeric,
    long_running_queries int         NOT NULL,
    slow_queries_today   bigint      NOT NULL,
    top_tables           jsonb       NOT NULL
);
COMMENT ON TABLE assistant_hub.performance_history IS
    'performance_snapshot() rows recorded by record_performance_snapshot(), for trends.';
REVOKE ALL ON assistant_hub.performance_history FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.performance_history', '');

CREATE FUNCTION assistant_hub.record_performance_snapshot() RETURNS timestamptz
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
INSERT INTO assistant_hub.performance_history
SELECT * FROM assistant_hub.performance_snapshot()
ON CONFLICT (snapshot_time) DO NOTHING
RETURNING snapshot_time
$$;
COMMENT ON FUNCTION assistant_hub.record_performance_snapshot() IS
    'Appends performance_snapshot() to performance_history; for a scheduled job (e.g. every 5 minutes).';
REVOKE ALL ON FUNCTION assistant_hub.record_performance_snapshot() FROM PUBLIC;

CREATE FUNCTION assistant_hub.top_queries(n int DEFAULT 10)
    RETURNS TABLE(queryid bigint, query text, calls bigint, total_exec_time double precision,
                  mean_exec_time double precision, rows bigint, hit_percent numeric)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    pgss_schema name;
BEGIN
    PERFORM assistant_hub._require(n, 'n', 'top_queries');
    IF n < 1 THEN
        RAISE EXCEPTION 'top_queries: n must be at least 1, got %', n
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT ns.nspname INTO pgss_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace ns ON ns.oid = e.extnamespace
    WHERE e.extname = 'pg_stat_statements';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'top_queries: pg_stat_statements is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add pg_stat_statements to shared_preload_libraries, restart, then run CREATE EXTENSION pg_stat_statements.';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows,
                round(100.0 * s.shared_blks_hit / NULLIF(s.shared_blks_hit + s.shared_blks_read, 0), 2)
         FROM %I.pg_stat_statements s
         ORDER BY s.mean_exec_time DESC, s.queryid
         LIMIT $1', pgss_schema) USING n;
END $$;
COMMENT ON FUNCTION assistant_hub.top_queries(int) IS
    'The n statements with the highest mean execution time, from pg_stat_statements (PostgreSQL 15 columns).';
REVOKE ALL ON FUNCTION assistant_hub.top_queries(int) FROM PUBLIC;

CREATE FUNCTION assistant_hub.machine_resources(OUT memory_bytes bigint, OUT cpu_count int)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'machine_resources';
COMMENT ON FUNCTION assistant_hub.machine_resources() IS
    'Memory (physical, or the cgroup limit when lower) and CPUs available to this server, read from the operating system.';
REVOKE ALL ON FUNCTION assistant_hub.machine_resources() FROM PUBLIC;

CREATE FUNCTION assistant_hub.recommend_settings()
    RETURNS TABLE(setting text, current_value text, recommended_value text, reason text)
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'recommend_settings';
COMMENT ON FUNCTION assistant_hub.recommend_settings() IS
    'Memory and parallelism settings advised for this machine''s real memory and CPU count, next to their current values.';
REVOKE ALL ON FUNCTION assistant_hub.recommend_settings() FROM PUBLIC;
