-- convert_to_partitioned(): a live plain table becomes a range-partitioned table of the same
-- name; rows, indexes, keys, checks, defaults, identity, triggers, grants, policies, comments and
-- dependent views are kept. What cannot be kept is reported before anything changes.
CREATE FUNCTION pg_temp.err(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

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
SELECT pg_temp.err($$INSERT INTO orders (customer, amount) VALUES (99, 1)$$) AS foreign_key_enforced;
SELECT pg_temp.err($$INSERT INTO orders (customer, amount) VALUES (1, -1)$$) AS check_enforced;
-- Maintenance sees a registered set with nothing to do.
SELECT * FROM assistant_hub.run_partition_maintenance('orders');
-- A second call says it is partitioned already.
SELECT pg_temp.err($$SELECT assistant_hub.convert_to_partitioned('orders', 'placed_at')$$);

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

-- Bad input.
CREATE TABLE plain_int (n int NOT NULL);
CREATE TABLE already (at date NOT NULL) PARTITION BY RANGE (at);
CREATE VIEW a_view AS SELECT 1 AS x;
SELECT s, pg_temp.err(s) FROM unnest(ARRAY[
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
