-- What `make demo` shows: one demo user's dashboard, from assistant_hub's dashboard functions.
SELECT id AS demo_user, email, timezone FROM hub.users ORDER BY email LIMIT 1 \gset
\echo Demo user :demo_user (:email, time zone :timezone)
\echo dashboard_summary (exact counts, today in the time zone of the user):
SELECT today_journal_entries, upcoming_tasks, today_events, unread_emails
FROM assistant_hub.dashboard_summary(:'demo_user');
\echo dashboard_metrics (last 90 days by week, always fresh; the four most recent weeks):
SELECT to_char(week_start, 'YYYY-MM-DD') AS week_start, metric_type, weekly_total,
       round(daily_average, 2) AS daily_average, daily_maximum, daily_minimum,
       previous_week_total, week_over_week_change
FROM assistant_hub.dashboard_metrics
WHERE user_id = :'demo_user' AND week_start >= date_trunc('week', now()) - interval '3 weeks'
ORDER BY week_start DESC, metric_type;
\echo Recent journal entries:
SELECT entry_date, mood_score, title FROM hub.journal_entries
WHERE user_id = :'demo_user' ORDER BY entry_date DESC LIMIT 7;
