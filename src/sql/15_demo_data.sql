-- Demo data: set-based, one INSERT ... SELECT per table, realistic enough that every dashboard
-- shows something (moods, pending and completed tasks with due dates around today, events around
-- now, read and unread threads). Reproducible for a given (users, days) on an empty schema.
CREATE FUNCTION assistant_hub.generate_demo_data(users integer DEFAULT 100, days integer DEFAULT 120)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    first_user bigint;
BEGIN
    PERFORM assistant_hub._require(users, 'users', 'generate_demo_data');
    PERFORM assistant_hub._require(days, 'days', 'generate_demo_data');
    IF users < 1 OR users > 10000000 THEN
        RAISE EXCEPTION 'generate_demo_data: users must be between 1 and 10000000, not %', users
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF days < 1 OR days > 3650 THEN
        RAISE EXCEPTION 'generate_demo_data: days must be between 1 and 3650, not %', days
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_regclass('hub.users') IS NULL THEN
        RAISE EXCEPTION 'generate_demo_data: the hub schema does not exist'
            USING ERRCODE = 'undefined_table', HINT = 'Call assistant_hub.create_hub_schema() first.';
    END IF;

    PERFORM setseed(0.42);
    -- Demo users are numbered so that a second call adds new ones instead of colliding.
    SELECT count(*) + 1 INTO first_user FROM hub.users;

    CREATE TEMP TABLE demo_users ON COMMIT DROP AS
    SELECT n, md5('assistant_hub demo user ' || n)::uuid AS id,
           (ARRAY['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles'])
               [1 + (n % 5)] AS timezone
    FROM generate_series(first_user, first_user + users - 1) AS n;

    INSERT INTO hub.users (id, email, display_name, timezone, created_at)
    SELECT id, 'user' || n || '@demo.example', 'Demo User ' || n, timezone,
           now() - make_interval(days => days + 30)
    FROM demo_users;

    -- The journal's partition set premakes ahead of now only: ask for the past the demo covers.
    IF EXISTS (SELECT 1 FROM assistant_hub.partition_sets WHERE parent = 'hub.journal_entries'::regclass) THEN
        PERFORM assistant_hub.create_partitions_for_range('hub.journal_entries'::regclass,
                                                          current_date - (days - 1), current_date);
    END IF;

    -- About 70% of days have a journal entry; 90% of entries carry a mood.
    INSERT INTO hub.journal_entries (user_id, entry_date, title, content, mood_score, tags,
                                     is_favorite, created_at, updated_at)
    SELECT user_id, day, 'Day ' || to_char(day, 'YYYY-MM-DD'),
           (ARRAY['Worked on the project and went for a run.', 'Quiet day, read a book.',
                  'Met friends for dinner; a long talk about travel.', 'Busy with email and meetings.',
                  'Cooked something new and called family.'])[1 + floor(random() * 5)::int],
           CASE WHEN random() < 0.9 THEN 1 + floor(random() * 10)::int END,
           ARRAY[(ARRAY['work', 'family', 'health', 'travel'])[1 + floor(random() * 4)::int]],
           random() < 0.1, ts, ts
    FROM (SELECT u.id AS user_id, g.d::date AS day,
                 least(now(), g.d + make_interval(hours => 18 + floor(random() * 5)::int,
                                                  mins => floor(random() * 60)::int)) AS ts
          FROM demo_users u
          CROSS JOIN generate_series(current_date - (days - 1), current_date, interval '1 day') AS g(d)
          WHERE random() < 0.7) j;

    -- About 0.8 tasks a day: older ones mostly completed, recent ones pending with due dates
    -- around today. (Random values are drawn in select lists: an uncorrelated LATERAL subquery
    -- would be evaluated once for all rows.)
    INSERT INTO hub.tasks (user_id, title, description, status, priority, due_date,
                           estimated_duration, actual_duration, created_at, updated_at, completed_at)
    SELECT user_id, 'Task ' || k, 'Demo task', status, 1 + floor(random() * 5)::int,
           (created_at + make_interval(days => floor(random() * 14)::int))::date,
           15 * (1 + floor(random() * 8)::int),
           CASE WHEN status = 'completed' THEN 10 + floor(random() * 180)::int END,
           created_at, coalesce(done_at, created_at), done_at
    FROM (
        SELECT user_id, k, created_at, status,
               CASE WHEN status = 'completed'
                    THEN least(now(), created_at + random() * interval '5 days') END AS done_at
        FROM (
            SELECT user_id, k, created_at,
                   CASE WHEN r < 0.6 * age + 0.1 THEN 'completed'
                        WHEN r < 0.6 * age + 0.15 THEN 'cancelled'
                        WHEN r < 0.6 * age + 0.3 THEN 'in_progress'
                        ELSE 'pending' END AS status
            FROM (
                SELECT u.id AS user_id, k, now() - x * make_interval(days => days) AS created_at,
                       x AS age, random() AS r
                FROM (SELECT u.id, k, random() AS x
                      FROM demo_users u
                      CROSS JOIN generate_series(1, greatest(1, (days * 0.8)::int)) AS k) u
            ) drawn
        ) with_status
    ) t;

    -- About half an event a day, from the start of the window to two weeks ahead.
    INSERT INTO hub.calendar_events (user_id, title, location, start_time, end_time, is_all_day,
                                     status, created_at)
    SELECT user_id, (ARRAY['Standup', 'Dentist', 'Lunch', 'Gym', 'Review', 'Call'])[1 + floor(random() * 6)::int],
           'Room ' || (1 + floor(random() * 9)::int), start_time,
           start_time + make_interval(mins => 30 * (1 + floor(random() * 4)::int)), false,
           (ARRAY['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed',
                  'confirmed', 'confirmed', 'tentative', 'cancelled'])[1 + floor(random() * 10)::int],
           start_time - interval '7 days'
    FROM (SELECT u.id AS user_id,
                 date_trunc('hour', now() - make_interval(days => days)
                                    + random() * make_interval(days => days + 14)) AS start_time
          FROM demo_users u
          CROSS JOIN generate_series(1, greatest(1, ((days + 14) * 0.5)::int)) AS k) e;

    -- A thread every few days; 1 to 7 messages each, the newest unread for recent threads.
    CREATE TEMP TABLE demo_threads ON COMMIT DROP AS
    SELECT u.id AS user_id, gen_random_uuid() AS id,
           1 + floor(random() * 7)::int AS messages,
           now() - random() * make_interval(days => days) AS started_at
    FROM demo_users u
    CROSS JOIN LATERAL generate_series(1, greatest(1, days / 4)) AS k;

    INSERT INTO hub.email_threads (user_id, id, subject, participants, is_read, message_count,
                                   last_message_at, created_at)
    SELECT user_id, id, 'Thread ' || left(id::text, 8), ARRAY['friend@example.com'],
           started_at < now() - interval '14 days' OR random() < 0.4, messages,
           least(now(), started_at + make_interval(hours => 6 * (messages - 1))), started_at
    FROM demo_threads;

    INSERT INTO hub.email_messages (user_id, thread_id, from_address, to_addresses, subject, body,
                                    is_read, received_at, created_at)
    SELECT t.user_id, t.id, 'friend@example.com', ARRAY['me@example.com'], 'Re: thread',
           'Message ' || m || ' of the thread.', r.received_at < now() - interval '3 days',
           r.received_at, r.received_at
    FROM demo_threads t
    CROSS JOIN LATERAL generate_series(1, t.messages) AS m
    CROSS JOIN LATERAL (SELECT least(now(), t.started_at + make_interval(hours => 6 * (m - 1))) AS received_at) r;

    INSERT INTO hub.contacts (user_id, first_name, last_name, display_name, email, company, notes,
                              is_favorite)
    SELECT user_id, first, last, first || ' ' || last,
           lower(first || '.' || last || k) || '@example.com', company, 'Met at work', random() < 0.15
    FROM (SELECT u.id AS user_id, k,
                 (ARRAY['Ada', 'Alan', 'Grace', 'Linus', 'Barbara', 'Ken'])[1 + floor(random() * 6)::int] AS first,
                 (ARRAY['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Liskov', 'Thompson'])[1 + floor(random() * 6)::int] AS last,
                 (ARRAY['Acme', 'Globex', 'Initech', NULL])[1 + floor(random() * 4)::int] AS company
          FROM demo_users u
          CROSS JOIN generate_series(1, 20) AS k) c;

    INSERT INTO hub.activity_logs (user_id, activity_type, entity_type, details, created_at)
    SELECT u.id, (ARRAY['login', 'journal_write', 'task_update', 'email_read'])[1 + floor(random() * 4)::int],
           'user', '{}'::jsonb, now() - random() * make_interval(days => days)
    FROM demo_users u
    CROSS JOIN LATERAL generate_series(1, greatest(1, days / 10)) AS k;

    INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
    SELECT u.id, 'dashboard', '{}'::jsonb, now() + interval '1 hour' - random() * interval '2 hours'
    FROM demo_users u;
END $$;
COMMENT ON FUNCTION assistant_hub.generate_demo_data(integer, integer) IS
    'Loads realistic demo rows for the given number of users over the last given number of days.';
REVOKE ALL ON FUNCTION assistant_hub.generate_demo_data(integer, integer) FROM PUBLIC;
