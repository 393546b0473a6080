-- Metrics and the application role (after 70_security.sql, which defines what grant_app_role()
-- grants): reading the dashboards, which run as the caller, needs these. Writing hub rows needs
-- nothing here: the trigger code writes metric values as the extension owner.
INSERT INTO assistant_hub.app_privileges VALUES
    ('TABLE', 'assistant_hub.dashboard_metrics', 'SELECT'),
    ('TABLE', 'assistant_hub._dashboard_metrics', 'SELECT'),
    ('TABLE', 'assistant_hub.metrics', 'SELECT'),
    ('TABLE', 'assistant_hub.metric_values_uuid', 'SELECT'),
    ('TABLE', 'assistant_hub.metric_counts_uuid', 'SELECT'),
    ('TABLE', 'assistant_hub.metric_deltas_uuid', 'SELECT'),
    ('FUNCTION', 'assistant_hub._pending_deltas(text)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub._metric_day(timestamptz, text)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub._require(anyelement, text, text)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub._dashboard_summary(uuid)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub._dashboard_summary_sql(uuid)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub.dashboard_summary(uuid)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub.mood_trend(uuid, date, date)', 'EXECUTE'),
    ('FUNCTION', 'assistant_hub.task_completion_weekly(uuid, timestamptz)', 'EXECUTE')
ON CONFLICT DO NOTHING;

-- Row-level security on the uuid-keyed values, as on the hub tables: an application role reads the
-- values of the current application user only. Their owner (the extension owner, who writes them
-- at commit and consolidates them) is not subject to it.
ALTER TABLE assistant_hub.metric_counts_uuid ENABLE ROW LEVEL SECURITY;
ALTER TABLE assistant_hub.metric_deltas_uuid ENABLE ROW LEVEL SECURITY;
CREATE POLICY metric_values_current_user_only ON assistant_hub.metric_counts_uuid FOR SELECT
    USING (key = nullif(pg_catalog.current_setting('assistant_hub.user_id', true), '')::uuid);
CREATE POLICY metric_values_current_user_only ON assistant_hub.metric_deltas_uuid FOR SELECT
    USING (key = nullif(pg_catalog.current_setting('assistant_hub.user_id', true), '')::uuid);
