-- Partition manager: partition_by_time, partition_by_hash, create_partitions_for_range,
-- run_partition_maintenance, partitions(). Dates are shown relative to today, never raw.
\i sql/include/try.sql
-- The month n months from now, as a partition name suffix.
CREATE FUNCTION pg_temp.m(n int) RETURNS text LANGUAGE sql AS $$
    SELECT to_char(date_trunc('month', current_date) + make_interval(months => n), 'YYYY_MM') $$;
-- A set's partitions, named relative to this month: p+0 is this month's.
CREATE FUNCTION pg_temp.layout(parent regclass) RETURNS TABLE (partition text, is_default boolean)
LANGUAGE sql AS $$
    SELECT coalesce((SELECT 'p' || to_char(n, 'SG00') FROM generate_series(-150, 150) n
                     WHERE p.partition::text = parent::text || '_p' || pg_temp.m(n)),
                    p.partition::text), p.is_default
    FROM assistant_hub.partitions(parent) p $$;

-- A monthly set on a date column: this month and premake = 3 months ahead.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    day date NOT NULL,
    note text CHECK (note <> ''),
    PRIMARY KEY (id, day)
) PARTITION BY RANGE (day);
CREATE INDEX events_note ON events (note) WHERE note IS NOT NULL;
SELECT assistant_hub.partition_by_time('events', 'day', '1 month', 3) AS created;
SELECT * FROM pg_temp.layout('events');
SELECT parent, kind, control, step, premake, retain, default_partition
FROM assistant_hub.partition_sets;
-- Bounds are whole months; each partition has the parent's indexes and CHECK before it is used.
SELECT lower_bound::date = date_trunc('month', lower_bound::date) AS starts_on_the_first,
       upper_bound::date = (lower_bound::date + interval '1 month')::date AS one_month,
       count(*)
FROM assistant_hub.partitions('events') GROUP BY 1, 2;
SELECT count(*) AS partition_indexes FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
WHERE h.inhparent = 'events'::regclass;
SELECT count(*) AS partition_checks FROM pg_constraint c JOIN pg_inherits h ON h.inhrelid = c.conrelid
WHERE h.inhparent = 'events'::regclass AND c.contype = 'c';
-- Rows go where they belong; maintenance with nothing to do returns nothing and locks no table.
INSERT INTO events (day, note) VALUES (current_date, 'today'), (current_date + 40, 'soon');
BEGIN;
SELECT * FROM assistant_hub.run_partition_maintenance();
SELECT count(*) AS user_table_locks FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relnamespace = 'public'::regnamespace;
COMMIT;

-- Loading history: create_partitions_for_range covers a past range.
SELECT assistant_hub.create_partitions_for_range('events', (date_trunc('month', current_date) - interval '3 months')::date, current_date) AS created;
SELECT assistant_hub.create_partitions_for_range('events', (date_trunc('month', current_date) - interval '3 months')::date, current_date) AS created_again;
SELECT partition FROM pg_temp.layout('events');
INSERT INTO events (day, note) VALUES ((date_trunc('month', current_date) - interval '3 months')::date + 5, 'history');

-- Retention: partitions wholly older than two months are dropped, one row each.
UPDATE assistant_hub.partition_sets SET retain = '2 months' WHERE parent = 'events'::regclass;
SELECT parent, action, replace(partition, pg_temp.m(-3), 'M-3') AS partition, detail
FROM assistant_hub.run_partition_maintenance('events') ORDER BY partition;
SELECT partition FROM pg_temp.layout('events');
SELECT count(*) AS rows_left FROM events;
-- Detach instead of drop: the table is kept, outside the set.
SELECT assistant_hub.create_partitions_for_range('events', (date_trunc('month', current_date) - interval '3 months')::date,
                                                 (date_trunc('month', current_date) - interval '3 months')::date) AS created;
UPDATE assistant_hub.partition_sets SET retain_keep_table = true WHERE parent = 'events'::regclass;
SELECT action, partition = 'public.events_p' || pg_temp.m(-3) AS is_the_old_month
FROM assistant_hub.run_partition_maintenance('events');
SELECT relispartition FROM pg_class WHERE relname = 'events_p' || pg_temp.m(-3);
-- Premake follows the catalog: a longer premake creates the missing months.
UPDATE assistant_hub.partition_sets SET premake = 5, retain = NULL WHERE parent = 'events'::regclass;
SELECT action, count(*) FROM assistant_hub.run_partition_maintenance() GROUP BY action;
SELECT partition FROM pg_temp.layout('events');

-- The procedure does the same, committing after every step (here: outside a transaction block),
-- and inside one without committing. It reports each action as a NOTICE (names carry dates).
UPDATE assistant_hub.partition_sets SET premake = 6 WHERE parent = 'events'::regclass;
SET client_min_messages = warning;
CALL assistant_hub.partition_maintenance('events');
BEGIN;
UPDATE assistant_hub.partition_sets SET premake = 7 WHERE parent = 'events'::regclass;
CALL assistant_hub.partition_maintenance();
COMMIT;
RESET client_min_messages;
SELECT partition FROM pg_temp.layout('events') WHERE partition IN ('p+06', 'p+07');
SELECT pg_temp.try($$CALL assistant_hub.partition_maintenance('pg_catalog.pg_class')$$) AS unregistered_table;
UPDATE assistant_hub.partition_sets SET premake = 5 WHERE parent = 'events'::regclass;
DO $$ BEGIN
    EXECUTE format('DROP TABLE %I, %I', 'events_p' || pg_temp.m(6), 'events_p' || pg_temp.m(7));
END $$;

-- A range a hand-made partition covers in part is skipped, with the reason, every run.
CREATE TABLE events_odd PARTITION OF events FOR VALUES FROM ((date_trunc('month', current_date) + interval '6 months 10 days')::date)
    TO ((date_trunc('month', current_date) + interval '6 months 20 days')::date);
UPDATE assistant_hub.partition_sets SET premake = 6 WHERE parent = 'events'::regclass;
SELECT action, partition = 'public.events_p' || pg_temp.m(6) AS is_month_6, detail ~ 'partly covered by partition public.events_odd' AS reason
FROM assistant_hub.run_partition_maintenance('events');
DROP TABLE events_odd;

-- A default partition catches rows outside every partition; maintenance moves them into their own
-- partitions (rescue) and says how many. The default keeps a CHECK that excludes every partition's
-- range, so attaching the next partition does not scan it.
CREATE TABLE readings (at timestamptz NOT NULL, value numeric) PARTITION BY RANGE (at);
SELECT assistant_hub.partition_by_time('readings', 'at', '1 day', 2, default_partition => true) AS created;
SELECT partition::text = 'readings_p' || to_char(now(), 'YYYY_MM_DD') AS named_by_day, is_default
FROM assistant_hub.partitions('readings')
WHERE is_default OR lower_bound::timestamptz = date_trunc('day', now());
INSERT INTO readings VALUES (now() - interval '10 days', 1), (now() - interval '10 days', 2),
                            (now() + interval '30 days', 3), (now(), 4);
SELECT tableoid::regclass = 'readings_default'::regclass AS in_default, count(*) FROM readings GROUP BY 1 ORDER BY 1;
SELECT action, detail FROM assistant_hub.run_partition_maintenance('readings') ORDER BY detail;
SELECT tableoid::regclass = 'readings_default'::regclass AS in_default, count(*) FROM readings GROUP BY 1 ORDER BY 1;
SELECT pg_get_constraintdef(oid) ~ '^CHECK \(\(\(at < ' AS default_check
FROM pg_constraint WHERE conrelid = 'readings_default'::regclass AND conname = 'assistant_hub_default_bounds';
-- Weekly steps start on Mondays.
CREATE TABLE weekly (at timestamp NOT NULL) PARTITION BY RANGE (at);
SELECT assistant_hub.partition_by_time('weekly', 'at', '7 days', 1) AS created;
SELECT bool_and(extract(isodow FROM lower_bound::timestamp) = 1 AND lower_bound::timestamp = date_trunc('day', lower_bound::timestamp)) AS mondays
FROM assistant_hub.partitions('weekly');
-- An existing table with data: partitions reach back to its oldest row (here in the default).
CREATE TABLE backlog (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE backlog_default PARTITION OF backlog DEFAULT;
INSERT INTO backlog SELECT d FROM generate_series(date_trunc('month', current_date) - interval '2 months', current_date, '1 day') d;
SELECT count(*) AS rows_before FROM backlog \gset
SELECT assistant_hub.partition_by_time('backlog', 'at', '1 month', 0) AS created;
SELECT count(*) AS left_in_default FROM ONLY backlog_default;
SELECT count(*) = :rows_before AS no_row_lost FROM backlog;

-- Hash sets.
CREATE TABLE logs (user_id uuid NOT NULL, at timestamptz NOT NULL DEFAULT now()) PARTITION BY HASH (user_id);
SELECT assistant_hub.partition_by_hash('logs', 'user_id', 4) AS created;
SELECT * FROM assistant_hub.partitions('logs');
INSERT INTO logs (user_id) SELECT gen_random_uuid() FROM generate_series(1, 100);
DROP TABLE logs_p2;
SELECT * FROM assistant_hub.run_partition_maintenance('logs');

-- Names are quoted whatever the parent is called, and clipped to fit.
CREATE TABLE "weird; drop table x" ("at col" date NOT NULL, "x""y" int) PARTITION BY RANGE ("at col");
SELECT assistant_hub.partition_by_time('"weird; drop table x"', 'at col', '1 month', 1) AS created;
SELECT count(*) AS weird_partitions FROM assistant_hub.partitions('"weird; drop table x"')
WHERE partition::text = format('%I', 'weird; drop table x_p' || pg_temp.m(0));
INSERT INTO "weird; drop table x" VALUES (current_date, 1);
CREATE TABLE "a_very_long_table_name_that_uses_up_most_of_the_sixty_three_by" (at date NOT NULL) PARTITION BY RANGE (at);
SELECT assistant_hub.partition_by_time('a_very_long_table_name_that_uses_up_most_of_the_sixty_three_by', 'at', '1 month', 0) AS created;
SELECT length(partition::text), partition::text = left('a_very_long_table_name_that_uses_up_most_of_the_sixty_three_by', 54) || '_p' || pg_temp.m(0) AS clipped
FROM assistant_hub.partitions('a_very_long_table_name_that_uses_up_most_of_the_sixty_three_by');

-- Bad input: clear errors with SQLSTATE, nothing changed.
CREATE TABLE plain (at date NOT NULL);
CREATE TABLE by_list (at date NOT NULL) PARTITION BY LIST (at);
CREATE TABLE by_int (n int NOT NULL) PARTITION BY RANGE (n);
CREATE TABLE by_two (a date NOT NULL, b date NOT NULL) PARTITION BY RANGE (a, b);
SELECT count(*) AS sets_before FROM assistant_hub.partition_sets \gset
SELECT s, pg_temp.try(s) FROM unnest(ARRAY[
    $$SELECT assistant_hub.partition_by_time(NULL, 'at')$$,
    $$SELECT assistant_hub.partition_by_time('plain', NULL)$$,
    $$SELECT assistant_hub.partition_by_time('plain', 'at', NULL)$$,
    $$SELECT assistant_hub.partition_by_time('plain', 'at', '1 month', NULL)$$,
    $$SELECT assistant_hub.partition_by_time('no_such_table', 'at')$$,
    $$SELECT assistant_hub.partition_by_time(4000000000::oid::regclass, 'at')$$,
    $$SELECT assistant_hub.partition_by_time('plain', 'at')$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at')$$,
    $$SELECT assistant_hub.partition_by_time('logs', 'user_id')$$,
    $$SELECT assistant_hub.partition_by_time('by_two', 'a')$$,
    $$SELECT assistant_hub.partition_by_time('readings', 'no_such_column')$$,
    $$SELECT assistant_hub.partition_by_time('readings', 'value')$$,
    $$SELECT assistant_hub.partition_by_time('by_int', 'n')$$,
    $$SELECT assistant_hub.partition_by_time('events', 'day')$$,
    $$SELECT assistant_hub.partition_by_time('pg_catalog.pg_class', 'relname')$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '0')$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '-1 month')$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '1 month 1 day')$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '1 second')$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '1 month', -1)$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '1 month', 1001)$$,
    $$SELECT assistant_hub.partition_by_time('by_list', 'at', '1 month', 1, '-1 day')$$,
    $$SELECT assistant_hub.partition_by_hash(NULL, 'user_id')$$,
    $$SELECT assistant_hub.partition_by_hash('events', 'day')$$,
    $$SELECT assistant_hub.partition_by_hash('logs', 'at')$$,
    $$SELECT assistant_hub.partition_by_hash('logs', 'user_id', 0)$$,
    $$SELECT assistant_hub.partition_by_hash('logs', 'user_id', 4)$$,
    $$SELECT assistant_hub.partition_by_hash('plain', 'at')$$,
    $$SELECT assistant_hub.create_partitions_for_range('plain', current_date, current_date)$$,
    $$SELECT assistant_hub.create_partitions_for_range('logs', current_date, current_date)$$,
    $$SELECT assistant_hub.create_partitions_for_range('events', 1, 2)$$,
    $$SELECT assistant_hub.create_partitions_for_range('events', current_date, current_date - 40)$$,
    $$SELECT assistant_hub.create_partitions_for_range('events', NULL::date, current_date)$$,
    $$SELECT assistant_hub.create_partitions_for_range('events', '-infinity'::date, current_date)$$,
    $$SELECT assistant_hub.run_partition_maintenance('plain')$$]) AS s;
SELECT count(*) = :sets_before AS no_set_added FROM assistant_hub.partition_sets;
SELECT count(*) AS partitions_of_rejected_tables FROM pg_inherits
WHERE inhparent IN ('plain'::regclass, 'by_list'::regclass, 'by_int'::regclass, 'by_two'::regclass);

-- A dropped parent is unregistered by the next run.
DROP TABLE weekly;
SELECT action, detail FROM assistant_hub.run_partition_maintenance() WHERE action = 'unregistered';
SELECT count(*) AS weekly_sets FROM assistant_hub.partition_sets WHERE parent::text ~ '^[0-9]+$';

-- The hub: journal entries monthly with twelve months ahead, activity logs in 8 hash partitions.
SELECT assistant_hub.create_hub_schema();
SELECT parent, kind, control, step, premake, partitions FROM assistant_hub.partition_sets
WHERE parent::text LIKE 'hub.%' ORDER BY 1;
SELECT count(*) FILTER (WHERE lower_bound::date >= date_trunc('month', current_date)) AS journal_partitions_from_this_month,
       bool_and(partition::text ~ '^hub\.journal_entries_p\d{4}_\d{2}$') AS named_by_month
FROM assistant_hub.partitions('hub.journal_entries');
SELECT count(*) AS activity_partitions FROM assistant_hub.partitions('hub.activity_logs');
SELECT * FROM assistant_hub.run_partition_maintenance('hub.journal_entries');

-- Splitting a hash set to twice the partitions: every row stays, each in its new partition.
CREATE TABLE sessions (user_id uuid NOT NULL, n int GENERATED ALWAYS AS IDENTITY,
                       half int GENERATED ALWAYS AS (n / 2) STORED) PARTITION BY HASH (user_id);
SELECT assistant_hub.partition_by_hash('sessions', 'user_id', 3) AS created;
INSERT INTO sessions (user_id) SELECT md5(g::text)::uuid FROM generate_series(1, 300) g;
CREATE TEMP TABLE sessions_before AS SELECT user_id, n, half FROM sessions;
SELECT assistant_hub.split_hash_partitions('sessions') AS partitions;
SELECT partition, lower_bound, rows IS NULL OR rows >= 0 AS has_rows FROM assistant_hub.partitions('sessions');
SELECT (SELECT count(*) FROM sessions) AS rows,
       (SELECT count(*) FROM (SELECT user_id, n, half FROM sessions EXCEPT SELECT * FROM sessions_before) x) AS changed,
       (SELECT count(*) FROM sessions_before) AS rows_before;
SELECT count(*) AS rows_in_wrong_partition FROM sessions s
WHERE NOT satisfies_hash_partition('sessions'::regclass, 6,
          (SELECT substring(p.lower_bound FROM 'remainder (\d+)')::int FROM assistant_hub.partitions('sessions') p
           WHERE p.partition = s.tableoid::regclass), s.user_id);
SELECT partitions FROM assistant_hub.partition_sets WHERE parent = 'sessions'::regclass;
INSERT INTO sessions (user_id) VALUES (gen_random_uuid()) RETURNING n = 301 AS identity_continues;
SELECT * FROM assistant_hub.run_partition_maintenance('sessions');
SELECT pg_temp.try($$SELECT assistant_hub.split_hash_partitions('events')$$) AS split_time_set,
       pg_temp.try($$SELECT assistant_hub.split_hash_partitions(NULL)$$) AS split_null;

-- convert_to_partitioned(): a live plain table becomes a range-partitioned table of the same
-- name; rows, indexes, keys, checks, defaults, identity, triggers, grants, policies, comments and
-- dependent views are kept. What cannot be kept is reported before anything changes.
CREATE TABLE customers (id int PRIMARY KEY);
INSERT INTO customers SELECT g FROM generate_series(1, 10) g;
CREATE TABLE orders (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    placed_at  timestamptz NOT NULL DEFAULT now(),
    customer   int REFERENCES customers (id),
    amount     numeric NOT NULL CHECK (amount >= 0),
    note       text,
    ticket     serial,
    PRIMARY KEY (id, placed_at),
    UNIQUE (ticket, placed_at)
);
COMMENT ON TABLE orders IS 'customer orders';
COMMENT ON COLUMN orders.amount IS 'in euros';
CREATE INDEX orders_customer ON orders (customer, placed_at DESC) WHERE note IS NULL;
CREATE FUNCTION public.upper_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := upper(NEW.note); RETURN NEW; END $$;
CREATE TRIGGER orders_upper_note BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION upper_note();
CREATE TRIGGER orders_disabled AFTER DELETE ON orders FOR EACH STATEMENT EXECUTE FUNCTION upper_note();
ALTER TABLE orders DISABLE TRIGGER orders_disabled;
CREATE ROLE regress_convert_reader;
GRANT SELECT ON orders TO regress_convert_reader;
GRANT UPDATE (note) ON orders TO regress_convert_reader;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY small_orders ON orders FOR SELECT TO regress_convert_reader USING (amount < 100);
CREATE VIEW big_orders WITH (security_barrier) AS SELECT id, amount FROM orders WHERE amount >= 100;
CREATE VIEW big_order_count AS SELECT count(*) AS n FROM big_orders;
INSERT INTO orders (placed_at, customer, amount, note)
SELECT now() - g * interval '7 hours', 1 + g % 10, g % 200, CASE WHEN g % 3 = 0 THEN 'gift' END
FROM generate_series(1, 5000) g;
CREATE TEMP TABLE before AS SELECT * FROM orders;

SELECT assistant_hub.convert_to_partitioned('orders', 'placed_at', '1 month') AS rows_converted;
SELECT relkind, pg_get_partkeydef(oid) FROM pg_class WHERE oid = 'orders'::regclass;
SELECT phase, rows_converted FROM assistant_hub.partition_conversions WHERE table_name = 'orders';
SELECT kind, control, step, premake FROM assistant_hub.partition_sets WHERE parent = 'orders'::regclass;
-- Every row is there, once.
SELECT (SELECT count(*) FROM orders) AS rows_after,
       (SELECT count(*) FROM (SELECT * FROM orders EXCEPT SELECT * FROM before) x) AS new_or_changed,
       (SELECT count(*) FROM (SELECT * FROM before EXCEPT SELECT * FROM orders) x) AS lost;
-- The old table is the history partition; the next twelve months are premade.
SELECT partition::text = 'orders_history' AS history, lower_bound
FROM assistant_hub.partitions('orders') LIMIT 1;
SELECT count(*) AS future_partitions FROM assistant_hub.partitions('orders') WHERE lower_bound <> 'MINVALUE';
-- Indexes and constraints keep their names on the parent; the history partition's are attached.
SELECT c.relname, i.indisunique, i.indisprimary FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'orders'::regclass ORDER BY 1;
SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY 1;
SELECT count(*) AS history_indexes_attached FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid
WHERE x.indrelid = 'orders_history'::regclass;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal ORDER BY 1;
SELECT obj_description('orders'::regclass, 'pg_class') AS table_comment,
       col_description('orders'::regclass, 4) AS amount_comment;
SELECT relrowsecurity, (SELECT count(*) FROM pg_policy WHERE polrelid = 'orders'::regclass) AS policies
FROM pg_class WHERE oid = 'orders'::regclass;
SELECT has_table_privilege('regress_convert_reader', 'orders', 'SELECT') AS can_select,
       has_column_privilege('regress_convert_reader', 'orders', 'note', 'UPDATE') AS can_update_note,
       has_table_privilege('regress_convert_reader', 'orders', 'INSERT') AS can_insert;
-- Views read the new table; the identity and the serial continue where they were.
SELECT (SELECT count(*) FROM big_orders) = (SELECT count(*) FROM before WHERE amount >= 100) AS view_works,
       (SELECT n FROM big_order_count) = (SELECT count(*) FROM before WHERE amount >= 100) AS nested_view_works;
SELECT (SELECT reloptions FROM pg_class WHERE oid = 'big_orders'::regclass) AS view_options;
INSERT INTO orders (customer, amount, note) VALUES (1, 5, 'hello') RETURNING id = (SELECT max(id) + 1 FROM before) AS identity_continues,
    ticket = (SELECT max(ticket) + 1 FROM before) AS serial_continues, note, tableoid::regclass;
SELECT pg_get_serial_sequence('orders', 'ticket') IS NOT NULL AS serial_owned_by_parent;
SELECT pg_temp.try($$INSERT INTO orders (customer, amount) VALUES (99, 1)$$) AS foreign_key_enforced;
SELECT pg_temp.try($$INSERT INTO orders (customer, amount) VALUES (1, -1)$$) AS check_enforced;
-- Maintenance sees a registered set with nothing to do.
SELECT * FROM assistant_hub.run_partition_maintenance('orders');
-- A second call says it is partitioned already.
SELECT pg_temp.try($$SELECT assistant_hub.convert_to_partitioned('orders', 'placed_at')$$);

-- What cannot be kept is reported first, all of it; nothing changes.
CREATE TABLE tickets (id int PRIMARY KEY, opened date NOT NULL, code text UNIQUE);
CREATE TABLE ticket_notes (ticket int REFERENCES tickets (id));
CREATE MATERIALIZED VIEW ticket_codes AS SELECT code FROM tickets;
\set VERBOSITY default
SELECT assistant_hub.convert_to_partitioned('tickets', 'opened');
SELECT relkind, (SELECT count(*) FROM pg_constraint WHERE conrelid = 'tickets'::regclass) AS constraints
FROM pg_class WHERE oid = 'tickets'::regclass;
SELECT count(*) AS conversions FROM assistant_hub.partition_conversions WHERE table_name = 'tickets';

-- NULLs in the control column: a clear error, and nothing left behind.
CREATE TABLE maybe (at date);
INSERT INTO maybe VALUES (current_date), (NULL);
SELECT assistant_hub.convert_to_partitioned('maybe', 'at');
SELECT relkind, (SELECT count(*) FROM pg_constraint WHERE conrelid = 'maybe'::regclass) AS constraints,
       (SELECT count(*) FROM assistant_hub.partition_conversions WHERE table_name = 'maybe') AS conversions
FROM pg_class WHERE oid = 'maybe'::regclass;

-- Interrupted after its CHECK was added (as a crash or a cancel would leave it): the next call
-- resumes from the state it finds.
CREATE TABLE "weird; convert x" ("at col" date NOT NULL, v int);
INSERT INTO "weird; convert x" SELECT current_date - g, g FROM generate_series(0, 99) g;
ALTER TABLE "weird; convert x" ADD CONSTRAINT assistant_hub_convert_bound
    CHECK ("at col" IS NOT NULL AND "at col" < (date_trunc('month', current_date) + interval '1 month')::date) NOT VALID;
INSERT INTO assistant_hub.partition_conversions (table_schema, table_name, control, step, phase, bound)
VALUES ('public', 'weird; convert x', 'at col', '1 month', 'check_added',
        quote_literal((date_trunc('month', current_date) + interval '1 month')::date) || '::date');
SELECT assistant_hub.convert_to_partitioned('"weird; convert x"', 'ignored', '1 day') AS rows_converted;
SELECT relkind, pg_get_partkeydef(oid) FROM pg_class WHERE oid = '"weird; convert x"'::regclass;
SELECT count(*), sum(v) FROM "weird; convert x";
SELECT phase FROM assistant_hub.partition_conversions WHERE table_name = 'weird; convert x';

-- A table of a name converted before (its conversion row says done) converts again.
DROP TABLE "weird; convert x";
CREATE TABLE "weird; convert x" ("at col" date NOT NULL);
INSERT INTO "weird; convert x" VALUES (current_date);
SELECT assistant_hub.convert_to_partitioned('"weird; convert x"', 'at col') AS rows_converted;

-- Bad input.
CREATE TABLE plain_int (n int NOT NULL);
CREATE TABLE already (at date NOT NULL) PARTITION BY RANGE (at);
CREATE VIEW a_view AS SELECT 1 AS x;
SELECT s, pg_temp.try(s) FROM unnest(ARRAY[
    $$SELECT assistant_hub.convert_to_partitioned(NULL, 'at')$$,
    $$SELECT assistant_hub.convert_to_partitioned('plain_int', NULL)$$,
    $$SELECT assistant_hub.convert_to_partitioned('plain_int', 'n', NULL)$$,
    $$SELECT assistant_hub.convert_to_partitioned('plain_int', 'n', '1 month', NULL)$$,
    $$SELECT assistant_hub.convert_to_partitioned('no_such_table', 'at')$$,
    $$SELECT assistant_hub.convert_to_partitioned('plain_int', 'n')$$,
    $$SELECT assistant_hub.convert_to_partitioned('plain_int', 'missing')$$,
    $$SELECT assistant_hub.convert_to_partitioned('already', 'at')$$,
    $$SELECT assistant_hub.convert_to_partitioned('a_view', 'x')$$,
    $$SELECT assistant_hub.convert_to_partitioned('pg_catalog.pg_class', 'relname')$$,
    $$SELECT assistant_hub.convert_to_partitioned('maybe', 'at', '0')$$,
    $$SELECT assistant_hub.convert_to_partitioned('maybe', 'at', '1 month', 0)$$]) AS s;
-- Each phase commits on its own: not inside a transaction block.
BEGIN;
SELECT assistant_hub.convert_to_partitioned('maybe', 'at');
ROLLBACK;
DROP OWNED BY regress_convert_reader;
DROP ROLE regress_convert_reader;

-- Values outside the years 1 to 9999 (which partition names and bounds express): a clear error
-- when partitions would be planned from them; rows of such dates in a default partition are
-- reported once and left there.
CREATE TABLE far_days (d date NOT NULL) PARTITION BY RANGE (d);
SELECT assistant_hub.partition_by_time('far_days', 'd', '1 month', 1, default_partition => true) > 0 AS created;
INSERT INTO far_days VALUES ('300000-01-15'), ('4713-01-01 BC');
SELECT action, detail FROM assistant_hub.run_partition_maintenance('far_days');
SELECT count(*) AS rows_kept FROM far_days;
SELECT pg_temp.try($$SELECT assistant_hub.create_partitions_for_range('far_days', '300000-01-01'::date, '300000-02-01'::date)$$);
CREATE TABLE far_plain (d date NOT NULL) PARTITION BY RANGE (d);
CREATE TABLE far_plain_default PARTITION OF far_plain DEFAULT;
INSERT INTO far_plain VALUES ('5874897-12-31');
SELECT pg_temp.try($$SELECT assistant_hub.partition_by_time('far_plain', 'd')$$);
DROP TABLE far_days, far_plain;
