-- Monitoring: performance_snapshot(), table_health, record_performance_snapshot() and its history,
-- top_queries(), recommend_settings() and machine_resources(). Live figures are checked as
-- ranges and booleans, never as values.
\set SHOW_CONTEXT never
SELECT snapshot_time = now() AS is_now,
       active_connections >= 1 AS sees_itself,
       waiting_locks >= 0 AS waiting_locks_ok,
       cache_hit_ratio BETWEEN 0 AND 100 AS hit_ratio_is_percent,
       long_running_queries >= 0 AS long_running_ok,
       slow_queries_today >= 0 AS slow_today_ok,
       jsonb_typeof(top_tables) AS top_tables,
       jsonb_array_length(top_tables) BETWEEN 1 AND 5 AS up_to_five,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(top_tables -> 0) k) AS table_keys
FROM assistant_hub.performance_snapshot();

-- table_health: exact counts once this backend's statistics are flushed.
-- (autovacuum off: an automatic ANALYZE would re-estimate the tuple counts)
CREATE TABLE monitor_t (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false);
INSERT INTO monitor_t SELECT g, repeat('x', 100) FROM generate_series(1, 100) g;
UPDATE monitor_t SET note = 'y' WHERE id <= 5;
DELETE FROM monitor_t WHERE id > 90;
SELECT pg_stat_force_next_flush();
SELECT schema_name, table_name, inserts, updates, deletes, live_tuples, dead_tuples, dead_tuple_pct,
       total_bytes = table_bytes + index_bytes AS sizes_add_up, index_bytes > 0 AS has_index
FROM assistant_hub.table_health WHERE table_name = 'monitor_t';

-- History: a scheduled job calls record_performance_snapshot().
SELECT count(*) AS history_before FROM assistant_hub.performance_history;
SELECT assistant_hub.record_performance_snapshot() = now() AS recorded;
SELECT count(*) AS history_after, bool_and(jsonb_typeof(top_tables) = 'array') AS tables_kept
FROM assistant_hub.performance_history;

-- top_queries: bad input first, then a clear error without pg_stat_statements.
\set VERBOSITY sqlstate
SELECT * FROM assistant_hub.top_queries(-1);
SELECT * FROM assistant_hub.top_queries(0);
SELECT * FROM assistant_hub.top_queries(NULL);
\set VERBOSITY default
SELECT * FROM assistant_hub.top_queries(-1);
SELECT * FROM assistant_hub.top_queries(NULL);
SELECT * FROM assistant_hub.top_queries();
SELECT pg_get_function_result('assistant_hub.top_queries(int)'::regprocedure) AS columns;

-- recommend_settings: from the machine's memory and CPUs, next to the current values.
SELECT m.memory_bytes > 0 AS has_memory, m.cpu_count >= 1 AS has_cpus,
       m.memory_bytes <= (SELECT (regexp_match(pg_read_file('/proc/meminfo'), 'MemTotal:\s+(\d+) kB'))[1]::bigint * 1024)
           AS at_most_physical,
       m.cpu_count <= (SELECT count(*) FROM regexp_matches(pg_read_file('/proc/cpuinfo'), '^processor', 'gn'))
           AS at_most_cpus_present
FROM assistant_hub.machine_resources() m;
SELECT setting, current_value = current_setting(setting) AS current_is_live,
       recommended_value ~ '^\d+(MB|GB)?$' AS well_formed, reason <> '' AS has_reason
FROM assistant_hub.recommend_settings() ORDER BY setting;
-- The advice follows the machine: 25% of memory for shared_buffers, one parallel worker per CPU.
SELECT pg_size_bytes(r.recommended_value) = greatest(m.memory_bytes / 4 / 1048576, 128) * 1048576
           AS shared_buffers_is_quarter
FROM assistant_hub.recommend_settings() r, assistant_hub.machine_resources() m
WHERE r.setting = 'shared_buffers';
SELECT r.recommended_value::int = m.cpu_count AS one_worker_per_cpu
FROM assistant_hub.recommend_settings() r, assistant_hub.machine_resources() m
WHERE r.setting = 'max_parallel_workers';
DROP TABLE monitor_t;
