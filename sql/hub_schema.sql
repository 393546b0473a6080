-- create_hub_schema(): the data model in schema hub.
SELECT assistant_hub.create_hub_schema();
SELECT c.relname, c.relkind, c.relispartition
FROM pg_class c
WHERE c.relnamespace = 'hub'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname;
-- The partitioned tables: range by entry_date monthly, hash by user_id into 8.
SELECT c.relname, pg_get_partkeydef(c.oid) AS partition_key,
       (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) > 0 AS has_partitions
FROM pg_class c
WHERE c.relnamespace = 'hub'::regnamespace AND c.relkind = 'p'
ORDER BY 1;
SELECT count(*) AS activity_log_partitions
FROM pg_inherits WHERE inhparent = 'hub.activity_logs'::regclass;
SELECT to_regclass(format('hub.journal_entries_p%s', to_char(current_date, 'YYYY_MM'))) IS NOT NULL
    AS this_month_has_a_partition;

-- The seed's indexes (2.1-2.3), corrected, and the metric time indexes.
SELECT tablename, indexname FROM pg_indexes
WHERE schemaname = 'hub' AND indexname LIKE 'idx\_%'
  AND tablename IN (SELECT relname FROM pg_class WHERE relnamespace = 'hub'::regnamespace AND NOT relispartition)
ORDER BY 1, 2;
-- No index predicate calls a volatile or stable function.
SELECT indexrelid::regclass FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = 'hub'::regnamespace AND i.indpred IS NOT NULL
  AND pg_get_expr(i.indpred, i.indrelid) ~* '(now|current_date|current_timestamp)';

-- Scale-out rule (Citus): every primary key and unique constraint (but users.email) and every
-- foreign key between hub tables includes user_id (users: id). Lists the violations: none.
SELECT con.conrelid::regclass AS table_name, con.conname, con.contype
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = 'hub'::regnamespace AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f')
  AND con.conname <> 'users_email_key'
  AND NOT EXISTS (
      SELECT 1 FROM unnest(con.conkey) k
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k
      WHERE a.attname = CASE WHEN c.relname = 'users' THEN 'id' ELSE 'user_id' END)
UNION ALL
SELECT con.conrelid::regclass, con.conname, con.contype
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = 'hub'::regnamespace AND NOT c.relispartition AND con.contype = 'f'
  AND NOT EXISTS (
      SELECT 1 FROM unnest(con.confkey) k
      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k
      WHERE a.attname IN ('user_id', 'id') AND
            (a.attname = 'user_id' OR con.confrelid = 'hub.users'::regclass));
-- Every hub table but users has a foreign key to hub.users.
SELECT c.relname AS without_user_fkey
FROM pg_class c
WHERE c.relnamespace = 'hub'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname <> 'users'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype = 'f'
                  AND con.confrelid = 'hub.users'::regclass);
-- The hub tables are user data, not extension members.
SELECT count(*) AS hub_objects_owned_by_extension
FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass
WHERE d.deptype = 'e' AND c.relnamespace = 'hub'::regnamespace;

-- CHECK constraints and foreign keys (SQLSTATE and constraint name; the row itself varies).
CREATE FUNCTION pg_temp.violation(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    constraint_name text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS constraint_name = CONSTRAINT_NAME;
    RETURN SQLSTATE || ' ' || constraint_name;
END $$;
INSERT INTO hub.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000a1', 'a1@example.com');
SELECT pg_temp.violation(s) FROM unnest(ARRAY[
    $q$INSERT INTO hub.journal_entries (user_id, entry_date, content, mood_score)
       VALUES ('00000000-0000-0000-0000-0000000000a1', current_date, 'x', 11)$q$,
    $q$INSERT INTO hub.journal_entries (user_id, entry_date, content, mood_score)
       VALUES ('00000000-0000-0000-0000-0000000000a1', current_date, 'x', 10)$q$,
    $q$INSERT INTO hub.tasks (user_id, title, priority) VALUES ('00000000-0000-0000-0000-0000000000a1', 't', 0)$q$,
    $q$INSERT INTO hub.tasks (user_id, title, status) VALUES ('00000000-0000-0000-0000-0000000000a1', 't', 'done')$q$,
    $q$INSERT INTO hub.calendar_events (user_id, title, start_time, end_time)
       VALUES ('00000000-0000-0000-0000-0000000000a1', 'e', now(), now() - interval '1 hour')$q$,
    $q$INSERT INTO hub.tasks (user_id, title) VALUES ('00000000-0000-0000-0000-0000000000ff', 't')$q$,
    $q$INSERT INTO hub.users (email) VALUES ('a1@example.com')$q$,
    $q$INSERT INTO hub.users (email) VALUES ('not an address')$q$]) AS s;
DELETE FROM hub.users WHERE id = '00000000-0000-0000-0000-0000000000a1';

-- A second call changes nothing and says so.
SELECT assistant_hub.create_hub_schema();

-- A conflicting object of another shape: a clear error naming it; nothing changed.
BEGIN;
DROP TABLE hub.cache_entries;
CREATE TABLE hub.cache_entries (x int);
SELECT assistant_hub.create_hub_schema();
ROLLBACK;
-- A missing table among existing ones.
BEGIN;
DROP TABLE hub.cache_entries;
SELECT assistant_hub.create_hub_schema();
ROLLBACK;
-- Only a conflicting view in an otherwise empty hub schema: nothing is created half-way.
BEGIN;
DROP SCHEMA hub CASCADE;
CREATE SCHEMA hub;
CREATE VIEW hub.tasks AS SELECT 1 AS x;
SAVEPOINT before_call;
SELECT assistant_hub.create_hub_schema();
ROLLBACK TO SAVEPOINT before_call;
SELECT count(*) AS hub_tables_after_failed_call FROM pg_tables WHERE schemaname = 'hub';
ROLLBACK;
-- The probe schema used for the shape check never survives.
SELECT count(*) AS probe_schemas FROM pg_namespace WHERE nspname LIKE 'assistant_hub_shape_probe%';
