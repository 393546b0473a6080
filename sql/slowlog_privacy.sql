-- Privacy, as in pg_stat_statements: a role sees another role's statement text only with
-- pg_read_all_stats; nothing is granted to PUBLIC; capture settings are for superusers.
\set SHOW_CONTEXT never
CREATE ROLE slowlog_app;
GRANT USAGE ON SCHEMA assistant_hub TO slowlog_app;
SET assistant_hub.slow_query_ms = 50;
SELECT assistant_hub.flush_slow_queries() >= 0 AS flushed;

-- Without grants the role can neither read nor flush.
SET ROLE slowlog_app;
SELECT count(*) FROM assistant_hub.pending_slow_queries();
SELECT count(*) FROM assistant_hub.query_performance_log;
SELECT assistant_hub.flush_slow_queries();
SELECT * FROM assistant_hub.slow_query_stats();
SET assistant_hub.slow_query_ms = 0;
RESET ROLE;

GRANT EXECUTE ON FUNCTION assistant_hub.pending_slow_queries() TO slowlog_app;
GRANT SELECT ON assistant_hub.query_performance_log TO slowlog_app;
SELECT pg_sleep(0.1) AS superuser_statement;
SET ROLE slowlog_app;
SELECT pg_sleep(0.1) AS app_statement;
-- Its own text, not the superuser's.
SELECT query_text FROM assistant_hub.pending_slow_queries() WHERE role_name = current_user;
SELECT count(*) >= 1 AS others_captured,
       bool_and(query_text = '<insufficient privilege>' AND plan IS NULL) AS others_hidden
FROM assistant_hub.pending_slow_queries() WHERE role_name <> current_user;
RESET ROLE;
SELECT assistant_hub.flush_slow_queries() >= 2 AS flushed;
SET ROLE slowlog_app;
-- The log shows it its own rows only (row-level security).
SELECT bool_and(role_name = current_user) AS only_own,
       count(*) FILTER (WHERE query_text LIKE '%AS app_statement') AS app_statement
FROM assistant_hub.query_performance_log;
RESET ROLE;

-- With pg_read_all_stats it sees every role's statements.
GRANT pg_read_all_stats TO slowlog_app;
SELECT pg_sleep(0.1) AS superuser_again;
SET ROLE slowlog_app;
SELECT query_text FROM assistant_hub.pending_slow_queries()
WHERE query_text LIKE '%superuser_again%';
SELECT count(*) >= 1 AS sees_others FROM assistant_hub.query_performance_log
WHERE role_name <> current_user;
RESET ROLE;

RESET assistant_hub.slow_query_ms;
SELECT assistant_hub.flush_slow_queries() >= 0 AS flushed;
REVOKE pg_read_all_stats FROM slowlog_app;
REVOKE ALL ON assistant_hub.query_performance_log FROM slowlog_app;
REVOKE ALL ON FUNCTION assistant_hub.pending_slow_queries() FROM slowlog_app;
REVOKE USAGE ON SCHEMA assistant_hub FROM slowlog_app;
DROP ROLE slowlog_app;
