-- The Assistant Hub data model (schema hub). The tables are ordinary tables, not extension
-- members, so DROP EXTENSION never drops user data. Every primary key, unique constraint (but
-- users.email) and foreign key includes user_id (users: id), so the schema can be distributed by
-- user. The seed's indexes (sections 2.1-2.3) are here, corrected: no NOW()/CURRENT_DATE in
-- predicates, partition keys in unique keys.

-- The DDL of the hub tables, for schema @S@. One definition serves both the real schema and the
-- shape check that create_hub_schema() runs against an existing one.
CREATE FUNCTION assistant_hub._hub_tables_ddl(target_schema name) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $ddl$
SELECT replace($$
CREATE TABLE @S@.users (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    email         text        NOT NULL CHECK (email LIKE '%_@_%'),
    display_name  text,
    timezone      text        NOT NULL DEFAULT 'UTC',
    is_active     boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE @S@.journal_entries (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL,
    entry_date    date        NOT NULL,
    title         text,
    content       text        NOT NULL DEFAULT '',
    mood_score    smallint    CHECK (mood_score BETWEEN 1 AND 10),
    tags          text[]      NOT NULL DEFAULT '{}',
    is_favorite   boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT journal_entries_pkey PRIMARY KEY (user_id, id, entry_date),
    CONSTRAINT journal_entries_user_fkey FOREIGN KEY (user_id)
        REFERENCES @S@.users (id) ON DELETE CASCADE
) PARTITION BY RANGE (entry_date);

CREATE TABLE @S@.tasks (
    id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id            uuid        NOT NULL,
    title              text        NOT NULL,
    description        text,
    status             text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'in_progress', 'completed', 'cancelled')),
    priority           smallint    NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    due_date           date,
    estimated_duration integer     CHECK (estimated_duration >= 0),
    actual_duration    integer     CHECK (actual_duration >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    completed_at       timestamptz,
    CONSTRAINT tasks_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT tasks_user_fkey FOREIGN KEY (user_id) REFERENCES @S@.users (id) ON DELETE CASCADE
);
COMMENT ON COLUMN @S@.tasks.actual_duration IS 'Minutes spent, once completed.';

CREATE TABLE @S@.calendar_events (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL,
    title        text        NOT NULL,
    description  text,
    location     text,
    start_time   timestamptz NOT NULL,
    end_time     timestamptz NOT NULL,
    is_all_day   boolean     NOT NULL DEFAULT false,
    status       text        NOT NULL DEFAULT 'confirmed'
        CHECK (status IN ('tentative', 'confirmed', 'cancelled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT calendar_events_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT calendar_events_time_order CHECK (end_time >= start_time),
    CONSTRAINT calendar_events_user_fkey FOREIGN KEY (user_id)
        REFERENCES @S@.users (id) ON DELETE CASCADE
);

CREATE TABLE @S@.email_threads (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id          uuid        NOT NULL,
    subject          text        NOT NULL DEFAULT '',
    participants     text[]      NOT NULL DEFAULT '{}',
    is_read          boolean     NOT NULL DEFAULT false,
    is_archived      boolean     NOT NULL DEFAULT false,
    message_count    integer     NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    last_message_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT email_threads_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT email_threads_user_fkey FOREIGN KEY (user_id)
        REFERENCES @S@.users (id) ON DELETE CASCADE
);

CREATE TABLE @S@.email_messages (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL,
    thread_id     uuid        NOT NULL,
    from_address  text        NOT NULL,
    to_addresses  text[]      NOT NULL DEFAULT '{}',
    subject       text        NOT NULL DEFAULT '',
    body          text        NOT NULL DEFAULT '',
    is_read       boolean     NOT NULL DEFAULT false,
    received_at   timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT email_messages_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT email_messages_thread_fkey FOREIGN KEY (user_id, thread_id)
        REFERENCES @S@.email_threads (user_id, id) ON DELETE CASCADE,
    CONSTRAINT email_messages_user_fkey FOREIGN KEY (user_id)
        REFERENCES @S@.users (id) ON DELETE CASCADE
);

CREATE TABLE @S@.contacts (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL,
    first_name    text,
    last_name     text,
    display_name  text        NOT NULL,
    email         text,
    phone         text,
    company       text,
    notes         text,
    is_favorite   boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT contacts_user_fkey FOREIGN KEY (user_id) REFERENCES @S@.users (id) ON DELETE CASCADE
);

CREATE TABLE @S@.activity_logs (
    id            bigint      GENERATED ALWAYS AS IDENTITY,
    user_id       uuid        NOT NULL,
    activity_type text        NOT NULL,
    entity_type   text,
    entity_id     uuid,
    details       jsonb       NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT activity_logs_pkey PRIMARY KEY (user_id, id),
    CONSTRAINT activity_logs_user_fkey FOREIGN KEY (user_id)
        REFERENCES @S@.users (id) ON DELETE CASCADE
) PARTITION BY HASH (user_id);

CREATE TABLE @S@.cache_entries (
    user_id     uuid        NOT NULL,
    cache_key   text        NOT NULL,
    value       jsonb       NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cache_entries_pkey PRIMARY KEY (user_id, cache_key),
    CONSTRAINT cache_entries_user_fkey FOREIGN KEY (user_id)
        REFERENCES @S@.users (id) ON DELETE CASCADE
);

-- 2.1 dashboard indexes. The calendar predicate's "start_time >= NOW()" cannot be in an index
-- (not immutable): the index on (user_id, start_time) serves that range instead.
CREATE INDEX idx_journal_entries_dashboard ON @S@.journal_entries
    (user_id, entry_date DESC, mood_score) WHERE mood_score IS NOT NULL;
CREATE INDEX idx_tasks_dashboard ON @S@.tasks (user_id, status, due_date, priority)
    WHERE status <> 'completed';
CREATE INDEX idx_calendar_events_dashboard ON @S@.calendar_events (user_id, start_time, status)
    WHERE status = 'confirmed';
CREATE INDEX idx_email_threads_unread_count ON @S@.email_threads
    (user_id, is_read, last_message_at DESC) WHERE is_read = false;
-- 2.2 partial indexes; idx_events_today's CURRENT_DATE window becomes a plain range index.
CREATE INDEX idx_tasks_high_priority ON @S@.tasks (user_id, due_date ASC, created_at DESC)
    WHERE priority <= 2 AND status = 'pending';
CREATE INDEX idx_journal_entries_favorites ON @S@.journal_entries (user_id, entry_date DESC)
    WHERE is_favorite = true;
CREATE INDEX idx_contacts_favorites ON @S@.contacts (user_id, display_name)
    WHERE is_favorite = true;
CREATE INDEX idx_events_today ON @S@.calendar_events (user_id, start_time);
-- 2.3 full-text search (to_tsvector with an explicit configuration is immutable).
CREATE INDEX idx_journal_fulltext_search ON @S@.journal_entries USING gin
    (to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || content));
CREATE INDEX idx_contacts_fulltext_search ON @S@.contacts USING gin
    (to_tsvector('english'::regconfig, COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')
        || ' ' || COALESCE(company, '') || ' ' || COALESCE(notes, '')));
CREATE INDEX idx_tasks_fulltext_search ON @S@.tasks USING gin
    (to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '')));
-- Section 7.1 reindexes these two; and the time columns the dashboard metrics count by.
CREATE INDEX idx_journal_entries_user_date ON @S@.journal_entries (user_id, entry_date DESC);
CREATE INDEX idx_tasks_user_status ON @S@.tasks (user_id, status);
CREATE INDEX idx_journal_entries_user_created ON @S@.journal_entries (user_id, created_at);
CREATE INDEX idx_tasks_user_completed ON @S@.tasks (user_id, completed_at)
    WHERE status = 'completed';
CREATE INDEX idx_email_messages_user_received ON @S@.email_messages (user_id, received_at);
CREATE INDEX idx_email_messages_thread ON @S@.email_messages (user_id, thread_id);
CREATE INDEX idx_activity_logs_created ON @S@.activity_logs (created_at);
CREATE INDEX idx_cache_entries_expires ON @S@.cache_entries (expires_at);
$$, '@S@', quote_ident(target_schema))
$ddl$;

-- The hub tables, in creation order (for the shape check and the catalog tests).
CREATE FUNCTION assistant_hub.hub_tables() RETURNS SETOF name
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT unnest('{users,journal_entries,tasks,calendar_events,email_threads,
        email_messages,contacts,activity_logs,cache_entries}'::name[]) $$;

-- A table's shape: kind and columns with types, comparable between schemas.
CREATE FUNCTION assistant_hub._table_shape(schema_name name, table_name name) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT c.relkind::text || ':' || coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
        || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY a.attnum), '')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = schema_name AND c.relname = table_name
GROUP BY c.relkind
$$;

-- The hub's partition sets, kept by the partition manager (src/partition/): journal_entries
-- monthly with twelve months premade, activity_logs in 8 hash partitions. Registers whichever is
-- not registered yet (after DROP EXTENSION and CREATE EXTENSION the tables are adopted again).
CREATE FUNCTION assistant_hub._register_hub_partition_sets() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM assistant_hub.partition_sets WHERE parent = 'hub.journal_entries'::regclass) THEN
        PERFORM assistant_hub.partition_by_time('hub.journal_entries', 'entry_date', '1 month', 12);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM assistant_hub.partition_sets WHERE parent = 'hub.activity_logs'::regclass) THEN
        -- Adopted again: keep the partitions it has (it may have been split since).
        PERFORM assistant_hub.partition_by_hash('hub.activity_logs', 'user_id',
            coalesce(nullif((SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                             WHERE i.inhparent = 'hub.activity_logs'::regclass AND c.relkind IN ('r', 'p')), 0), 8)::int);
    END IF;
END $$;

CREATE FUNCTION assistant_hub.create_hub_schema() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t name;
    existing text;
    expected text;
    missing text[] := '{}';
    present text[] := '{}';
BEGIN
    -- Two sessions creating the schema at once: the second waits, then finds it complete.
    PERFORM pg_advisory_xact_lock(hashtext('assistant_hub.create_hub_schema'));

    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'hub') THEN
        FOR t IN SELECT * FROM assistant_hub.hub_tables() LOOP
            existing := assistant_hub._table_shape('hub', t);
            IF existing IS NULL THEN
                missing := missing || t::text;
                CONTINUE;
            END IF;
            present := present || t::text;
            -- Build the expected shape in a scratch schema inside a subtransaction that is always
            -- rolled back, so there is one definition of the tables.
            IF expected IS NULL THEN
                BEGIN
                    CREATE SCHEMA assistant_hub_shape_probe;
                    EXECUTE assistant_hub._hub_tables_ddl('assistant_hub_shape_probe');
                    SELECT string_agg(s.t || '=' || assistant_hub._table_shape('assistant_hub_shape_probe', s.t), E'\n')
                      INTO expected FROM assistant_hub.hub_tables() AS s(t);
                    RAISE EXCEPTION USING ERRCODE = 'AHROL', MESSAGE = expected;
                EXCEPTION WHEN SQLSTATE 'AHROL' THEN
                    GET STACKED DIAGNOSTICS expected = MESSAGE_TEXT;
                END;
            END IF;
            IF position(t || '=' || existing || E'\n' IN expected || E'\n') = 0 THEN
                RAISE EXCEPTION 'hub.% already exists with a different definition', t
                    USING ERRCODE = 'duplicate_table',
                          DETAIL = format('found: %s', existing),
                          HINT = 'Rename or drop the conflicting object, then call create_hub_schema() again.';
            END IF;
        END LOOP;
        IF cardinality(missing) = 0 THEN
            PERFORM assistant_hub._register_hub_partition_sets();
            PERFORM assistant_hub._attach_hub_metrics(); -- those lost with a dropped extension
            RAISE NOTICE 'the hub schema already exists; nothing changed';
            RETURN;
        ELSIF cardinality(present) > 0 THEN
            RAISE EXCEPTION 'the hub schema is incomplete: % exist but % are missing',
                    array_to_string(present, ', '), array_to_string(missing, ', ')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Restore the missing tables or drop schema hub, then call create_hub_schema() again.';
        END IF;
    ELSE
        CREATE SCHEMA hub;
    END IF;

    EXECUTE assistant_hub._hub_tables_ddl('hub');
    PERFORM assistant_hub._register_hub_partition_sets();
    PERFORM assistant_hub._secure_hub_tables();
    PERFORM assistant_hub._attach_hub_metrics();
END $$;
COMMENT ON FUNCTION assistant_hub.create_hub_schema() IS
    'Creates the Assistant Hub data model in schema hub (ordinary tables, kept by DROP EXTENSION). A second call changes nothing.';
REVOKE ALL ON FUNCTION assistant_hub.create_hub_schema() FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub._hub_tables_ddl(name) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub._register_hub_partition_sets() FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub._table_shape(name, name) FROM PUBLIC;
