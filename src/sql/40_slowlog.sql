-- Slow queries: captured by executor hooks into a shared-memory ring (needs
-- shared_preload_libraries = 'assistant_hub'), flushed here with literals replaced by $n.

CREATE TABLE assistant_hub.query_performance_log (
    id                bigserial        PRIMARY KEY,
    logged_at         timestamptz      NOT NULL,   -- when the statement finished
    started_at        timestamptz      NOT NULL,
    query_hash        bigint           NOT NULL,   -- hash of the normalized text
    query_id          bigint,                      -- core compute_query_id, when computed
    query_text        text             NOT NULL,   -- normalized: literals are $n
    execution_time_ms double precision NOT NULL,
    rows_returned     bigint           NOT NULL,
    user_id           uuid,                        -- assistant_hub.user_id at capture
    role_name         text,
    database_name     text,
    application_name  text,
    status            text             NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
    sqlstate          text,
    plan              text                         -- EXPLAIN (costs off), normalized
);
CREATE INDEX query_performance_log_logged_at_idx ON assistant_hub.query_performance_log (logged_at);
CREATE INDEX query_performance_log_hash_idx
    ON assistant_hub.query_performance_log (query_hash, logged_at);
COMMENT ON TABLE assistant_hub.query_performance_log IS
    'Statements that ran past assistant_hub.slow_query_ms, normalized (no literals). A role sees its own rows only, unless it has pg_read_all_stats.';
-- Like pg_stat_statements: another role's statements only for pg_read_all_stats.
ALTER TABLE assistant_hub.query_performance_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_statements_or_read_all_stats ON assistant_hub.query_performance_log
    FOR SELECT
    USING (role_name = current_user OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'));
REVOKE ALL ON assistant_hub.query_performance_log FROM PUBLIC;

CREATE TABLE assistant_hub.slow_query_alerts (
    query_hash     bigint      PRIMARY KEY,
    threshold_ms   integer     NOT NULL,
    alert_count    bigint      NOT NULL,   -- slow executions seen, added once per flush
    first_alert_at timestamptz NOT NULL,
    last_alert_at  timestamptz NOT NULL
);
COMMENT ON TABLE assistant_hub.slow_query_alerts IS
    'One row per normalized query that was slow: upserted once per query hash per flush.';
REVOKE ALL ON assistant_hub.slow_query_alerts FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('assistant_hub.query_performance_log', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.query_performance_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.slow_query_alerts', '');

-- Runs as the extension owner so that a role granted EXECUTE can flush without write access to
-- the log.
CREATE FUNCTION assistant_hub.flush_slow_queries() RETURNS bigint
    LANGUAGE c VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'flush_slow_queries';
COMMENT ON FUNCTION assistant_hub.flush_slow_queries() IS
    'Moves every captured statement from the shared ring into query_performance_log (normalized) and upserts slow_query_alerts; returns the number moved. The entries leave the ring when the transaction commits.';
REVOKE ALL ON FUNCTION assistant_hub.flush_slow_queries() FROM PUBLIC;

CREATE FUNCTION assistant_hub.pending_slow_queries(
    OUT query_id bigint, OUT query_hash bigint, OUT started_at timestamptz,
    OUT logged_at timestamptz, OUT execution_time_ms double precision, OUT rows_returned bigint,
    OUT database_name text, OUT role_name text, OUT user_id uuid, OUT application_name text,
    OUT status text, OUT sqlstate text, OUT query_text text, OUT plan text)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pending_slow_queries';
COMMENT ON FUNCTION assistant_hub.pending_slow_queries() IS
    'Captured statements not flushed yet (works on a hot standby; writes nothing). Text is normalized; another role''s text only with pg_read_all_stats.';
REVOKE ALL ON FUNCTION assistant_hub.pending_slow_queries() FROM PUBLIC;

CREATE FUNCTION assistant_hub.slow_query_stats(
    OUT captured bigint, OUT flushed bigint, OUT dropped bigint, OUT buffer_size int,
    OUT buffer_used int)
    RETURNS record
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'slow_query_stats';
COMMENT ON FUNCTION assistant_hub.slow_query_stats() IS
    'Ring counters: captured = flushed + dropped + buffer_used, always.';
REVOKE ALL ON FUNCTION assistant_hub.slow_query_stats() FROM PUBLIC;
