-- generate_demo_data(): realistic rows in every table.
SELECT assistant_hub.generate_demo_data(20, 30);
SELECT (SELECT count(*) FROM hub.users) AS users,
       (SELECT count(*) > 20 * 30 * 0.5 FROM hub.journal_entries) AS journal_about_70pct_of_days,
       (SELECT count(*) = 20 * 24 FROM hub.tasks) AS tasks,
       (SELECT count(*) = 20 * 22 FROM hub.calendar_events) AS events,
       (SELECT count(*) = 20 * 7 FROM hub.email_threads) AS threads,
       (SELECT count(*) >= 20 * 7 FROM hub.email_messages) AS messages,
       (SELECT count(*) = 20 * 20 FROM hub.contacts) AS contacts;
-- Dashboards have something to show: moods, pending tasks due soon, completed tasks, events in
-- the next day, unread threads, several time zones.
SELECT (SELECT count(*) FILTER (WHERE mood_score IS NOT NULL) > 0 AND min(mood_score) >= 1 AND max(mood_score) <= 10
        FROM hub.journal_entries) AS moods,
       (SELECT count(*) > 0 FROM hub.tasks WHERE status = 'pending' AND due_date <= current_date + 7) AS upcoming_tasks,
       (SELECT count(*) > 0 FROM hub.tasks WHERE status = 'completed' AND completed_at IS NOT NULL) AS completed_tasks,
       (SELECT count(*) > 0 FROM hub.calendar_events WHERE start_time BETWEEN now() AND now() + interval '2 days') AS events_soon,
       (SELECT count(*) > 0 FROM hub.email_threads WHERE NOT is_read) AS unread_threads,
       (SELECT count(DISTINCT timezone) > 1 FROM hub.users) AS time_zones,
       (SELECT bool_and(entry_date <= current_date AND created_at <= now()) FROM hub.journal_entries) AS nothing_in_future;
-- A second call adds new users instead of colliding.
SELECT assistant_hub.generate_demo_data(5, 10);
SELECT count(*) AS users FROM hub.users;
-- Bad input.
SELECT assistant_hub.generate_demo_data(NULL, 10);
SELECT assistant_hub.generate_demo_data(0, 10);
SELECT assistant_hub.generate_demo_data(10, -1);
SELECT assistant_hub.generate_demo_data(10, 100000);
SELECT count(*) AS users_unchanged FROM hub.users;
