-- What `make demo` shows: one demo user's day, from the hub tables.
SELECT id AS demo_user, email, timezone FROM hub.users ORDER BY email LIMIT 1 \gset
\echo Demo user :demo_user (:email, time zone :timezone)
SELECT (SELECT count(*) FROM hub.journal_entries
         WHERE user_id = :'demo_user' AND entry_date = (now() AT TIME ZONE :'timezone')::date) AS today_journal_entries,
       (SELECT count(*) FROM hub.tasks WHERE user_id = :'demo_user' AND status = 'pending'
           AND due_date <= (now() AT TIME ZONE :'timezone')::date + 7) AS upcoming_tasks,
       (SELECT count(*) FROM hub.calendar_events WHERE user_id = :'demo_user' AND status = 'confirmed'
           AND start_time >= now() AND start_time <= now() + interval '24 hours') AS today_events,
       (SELECT count(*) FROM hub.email_threads WHERE user_id = :'demo_user' AND NOT is_read) AS unread_emails;
SELECT entry_date, mood_score, title FROM hub.journal_entries
WHERE user_id = :'demo_user' ORDER BY entry_date DESC LIMIT 7;
