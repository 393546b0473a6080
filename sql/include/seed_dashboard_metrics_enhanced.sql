-- The seed's dashboard_metrics_enhanced (section 4.1) over the hub tables, as written (it runs).
-- Shared by the metrics tests and test/bench/metrics.sh; no trailing semicolon.
WITH daily_stats AS (
    SELECT user_id, DATE(created_at) as stat_date, 'journal_entries' as metric_type, COUNT(*) as metric_value, 'count' as metric_unit
    FROM hub.journal_entries WHERE created_at >= CURRENT_DATE - INTERVAL '90 days' GROUP BY user_id, DATE(created_at)
    UNION ALL
    SELECT user_id, DATE(completed_at) as stat_date, 'tasks_completed' as metric_type, COUNT(*) as metric_value, 'count' as metric_unit
    FROM hub.tasks WHERE completed_at >= CURRENT_DATE - INTERVAL '90 days' AND status = 'completed' GROUP BY user_id, DATE(completed_at)
    UNION ALL
    SELECT user_id, DATE(received_at) as stat_date, 'emails_received' as metric_type, COUNT(*) as metric_value, 'count' as metric_unit
    FROM hub.email_messages WHERE received_at >= CURRENT_DATE - INTERVAL '90 days' GROUP BY user_id, DATE(received_at)
),
weekly_aggregates AS (
    SELECT user_id, DATE_TRUNC('week', stat_date) as week_start, metric_type, SUM(metric_value) as weekly_total,
        AVG(metric_value) as daily_average, MAX(metric_value) as daily_maximum, MIN(metric_value) as daily_minimum
    FROM daily_stats GROUP BY user_id, DATE_TRUNC('week', stat_date), metric_type
)
SELECT user_id, week_start, metric_type, weekly_total, daily_average, daily_maximum, daily_minimum,
    LAG(weekly_total) OVER (PARTITION BY user_id, metric_type ORDER BY week_start) as previous_week_total,
    CASE
        WHEN LAG(weekly_total) OVER (PARTITION BY user_id, metric_type ORDER BY week_start) > 0
        THEN ROUND(((weekly_total - LAG(weekly_total) OVER (PARTITION BY user_id, metric_type ORDER BY week_start))::NUMERIC /
                   LAG(weekly_total) OVER (PARTITION BY user_id, metric_type ORDER BY week_start)) * 100, 2)
        ELSE 0
    END as week_over_week_change
FROM weekly_aggregates
