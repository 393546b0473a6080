-- Metrics: exact per-(key, day) row counts maintained from statement-level triggers (src/metrics/).
--
-- Storage, per key kind (uuid; bigint, which also holds integer keys; text):
--   metric_counts_<kind>  one consolidated row per (metric, key, day), written only by
--                         consolidate_metrics() and create_metric()'s backfill;
--   metric_deltas_<kind>  insert-only rows, one per (metric, key, day) a transaction changed,
--                         written at pre-commit by the trigger code, and corrections written by
--                         rebuild_metric(). Inserting never waits on or conflicts with another
--                         writer, at any isolation level.
-- A value is the sum over both tables plus this transaction's own pending deltas
-- (_pending_deltas), so reads are exact whether or not consolidation has run.
-- Both carry the key, so a row-level security policy "key = current user" can be put on them, and
-- both are indexed key first, values included: one user's values are one index-only range.

CREATE SEQUENCE assistant_hub.metrics_id_seq AS integer;
CREATE TABLE assistant_hub.metrics (
    id           integer     NOT NULL DEFAULT nextval('assistant_hub.metrics_id_seq') PRIMARY KEY,
    name         text        NOT NULL UNIQUE CHECK (name <> '' AND length(name) <= 63),
    source       regclass    NOT NULL,
    key_attnum   smallint    NOT NULL,
    key_type     regtype     NOT NULL,
    time_attnum  smallint    NOT NULL,
    time_type    regtype     NOT NULL,
    filter       text,                  -- canonical text of the parsed filter, or null (all rows)
    time_zone    text        NOT NULL,  -- days are bucketed in it (assistant_hub.metrics_timezone)
    created_at   timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE assistant_hub.metrics_id_seq OWNED BY assistant_hub.metrics.id;
COMMENT ON TABLE assistant_hub.metrics IS 'Metric definitions (create_metric): rows of source counted per (key, day) where filter holds.';

CREATE TABLE assistant_hub.metric_counts_uuid (
    metric_id integer NOT NULL, key uuid NOT NULL, day date NOT NULL, value bigint NOT NULL,
    PRIMARY KEY (key, metric_id, day) INCLUDE (value));
CREATE TABLE assistant_hub.metric_counts_bigint (
    metric_id integer NOT NULL, key bigint NOT NULL, day date NOT NULL, value bigint NOT NULL,
    PRIMARY KEY (key, metric_id, day) INCLUDE (value));
CREATE TABLE assistant_hub.metric_counts_text (
    metric_id integer NOT NULL, key text NOT NULL, day date NOT NULL, value bigint NOT NULL,
    PRIMARY KEY (key, metric_id, day) INCLUDE (value));
CREATE TABLE assistant_hub.metric_deltas_uuid (
    metric_id integer NOT NULL, key uuid NOT NULL, day date NOT NULL, delta bigint NOT NULL);
CREATE TABLE assistant_hub.metric_deltas_bigint (
    metric_id integer NOT NULL, key bigint NOT NULL, day date NOT NULL, delta bigint NOT NULL);
CREATE TABLE assistant_hub.metric_deltas_text (
    metric_id integer NOT NULL, key text NOT NULL, day date NOT NULL, delta bigint NOT NULL);
CREATE INDEX metric_deltas_uuid_key ON assistant_hub.metric_deltas_uuid (key, metric_id, day) INCLUDE (delta);
CREATE INDEX metric_deltas_bigint_key ON assistant_hub.metric_deltas_bigint (key, metric_id, day) INCLUDE (delta);
CREATE INDEX metric_deltas_text_key ON assistant_hub.metric_deltas_text (key, metric_id, day) INCLUDE (delta);

SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metrics', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metrics_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metric_counts_uuid', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metric_counts_bigint', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metric_counts_text', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metric_deltas_uuid', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metric_deltas_bigint', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.metric_deltas_text', '');
REVOKE ALL ON assistant_hub.metrics, assistant_hub.metrics_id_seq,
    assistant_hub.metric_counts_uuid, assistant_hub.metric_counts_bigint,
    assistant_hub.metric_counts_text, assistant_hub.metric_deltas_uuid,
    assistant_hub.metric_deltas_bigint, assistant_hub.metric_deltas_text FROM PUBLIC;

-- C++ entry points (src/metrics/).
CREATE FUNCTION assistant_hub._metric_trigger() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'metric_trigger';
COMMENT ON FUNCTION assistant_hub._metric_trigger() IS
    'Statement-level trigger of a metric (argument: metric id): folds the transition tables into this transaction''s pending deltas.';

CREATE FUNCTION assistant_hub._pending_deltas(storage text)
    RETURNS TABLE(metric_id integer, key text, day date, delta bigint)
    LANGUAGE c STRICT STABLE PARALLEL RESTRICTED AS 'MODULE_PATHNAME', 'pending_deltas';
COMMENT ON FUNCTION assistant_hub._pending_deltas(text) IS
    'This transaction''s not yet applied metric deltas for one key storage (uuid, bigint, text); they are written at commit.';

CREATE FUNCTION assistant_hub._metric_parse_filter(source regclass, filter text) RETURNS text
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'metric_parse_filter';
COMMENT ON FUNCTION assistant_hub._metric_parse_filter(regclass, text) IS
    'Parses a metric filter as one boolean expression over the columns of source (search_path pinned) and returns its canonical text; rejects subqueries, functions that are not immutable, system and whole-row columns. Null filter: null.';

CREATE FUNCTION assistant_hub._metric_day(t timestamptz, time_zone text) RETURNS date
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'metric_day';
CREATE FUNCTION assistant_hub._metric_day(t timestamp, time_zone text) RETURNS date
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'metric_day';
CREATE FUNCTION assistant_hub._metric_day(t date, time_zone text) RETURNS date
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'metric_day';
COMMENT ON FUNCTION assistant_hub._metric_day(timestamptz, text) IS
    'The day a timestamptz falls on in time_zone; the trigger code buckets rows with the same C++ function.';
COMMENT ON FUNCTION assistant_hub._metric_day(timestamp, text) IS 'The date of a timestamp (time_zone is not used).';
COMMENT ON FUNCTION assistant_hub._metric_day(date, text) IS 'The date itself (time_zone is not used).';

CREATE FUNCTION assistant_hub._metric_zone() RETURNS text
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'metric_zone';
COMMENT ON FUNCTION assistant_hub._metric_zone() IS 'The value of assistant_hub.metrics_timezone.';

CREATE FUNCTION assistant_hub._metric_invalidate() RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'metric_invalidate';
COMMENT ON FUNCTION assistant_hub._metric_invalidate() IS
    'Makes every backend reload metric definitions (after create, drop or rebuild).';

REVOKE ALL ON FUNCTION assistant_hub._metric_day(timestamptz, text), assistant_hub._metric_day(timestamp, text),
    assistant_hub._metric_day(date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub._metric_trigger(), assistant_hub._pending_deltas(text),
    assistant_hub._metric_parse_filter(regclass, text), assistant_hub._metric_zone(),
    assistant_hub._metric_invalidate() FROM PUBLIC;

-- Readers: the value rows of each key storage, consolidated, inserted and pending alike. Sum them.
-- (Metric 0's rows are dashboard_summary's markers, not values.)
CREATE VIEW assistant_hub.metric_values_uuid WITH (security_invoker = true) AS
SELECT metric_id, key, day, value FROM assistant_hub.metric_counts_uuid
UNION ALL SELECT metric_id, key, day, delta FROM assistant_hub.metric_deltas_uuid WHERE metric_id <> 0
UNION ALL SELECT metric_id, key::uuid, day, delta FROM assistant_hub._pending_deltas('uuid');
CREATE VIEW assistant_hub.metric_values_bigint WITH (security_invoker = true) AS
SELECT metric_id, key, day, value FROM assistant_hub.metric_counts_bigint
UNION ALL SELECT metric_id, key, day, delta FROM assistant_hub.metric_deltas_bigint
UNION ALL SELECT metric_id, key::bigint, day, delta FROM assistant_hub._pending_deltas('bigint');
CREATE VIEW assistant_hub.metric_values_text WITH (security_invoker = true) AS
SELECT metric_id, key, day, value FROM assistant_hub.metric_counts_text
UNION ALL SELECT metric_id, key, day, delta FROM assistant_hub.metric_deltas_text
UNION ALL SELECT metric_id, key, day, delta FROM assistant_hub._pending_deltas('text');
COMMENT ON VIEW assistant_hub.metric_values_uuid IS 'Value rows of uuid-keyed metrics; a (metric, key, day) value is their sum.';
COMMENT ON VIEW assistant_hub.metric_values_bigint IS 'Value rows of bigint- and integer-keyed metrics; a (metric, key, day) value is their sum.';
COMMENT ON VIEW assistant_hub.metric_values_text IS 'Value rows of text-keyed metrics; a (metric, key, day) value is their sum.';
REVOKE ALL ON assistant_hub.metric_values_uuid, assistant_hub.metric_values_bigint,
    assistant_hub.metric_values_text FROM PUBLIC;

-- Which storage a key type uses.
CREATE FUNCTION assistant_hub._metric_storage(key_type regtype) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT CASE key_type WHEN 'uuid'::regtype THEN 'uuid' WHEN 'bigint'::regtype THEN 'bigint'
                 WHEN 'integer'::regtype THEN 'bigint' WHEN 'text'::regtype THEN 'text' END $$;
COMMENT ON FUNCTION assistant_hub._metric_storage(regtype) IS 'The value storage (uuid, bigint, text) of a metric key type.';
REVOKE ALL ON FUNCTION assistant_hub._metric_storage(regtype) FROM PUBLIC;

-- The metric named name, or a clear error.
CREATE FUNCTION assistant_hub._metric(metric_name text, func_name text) RETURNS assistant_hub.metrics
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m assistant_hub.metrics;
BEGIN
    PERFORM assistant_hub._require(metric_name, 'name', func_name);
    SELECT * INTO m FROM assistant_hub.metrics WHERE name = metric_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION '%: metric "%" does not exist', func_name, metric_name
            USING ERRCODE = 'undefined_object', HINT = 'See assistant_hub.metrics for the defined metrics.';
    END IF;
    RETURN m;
END $$;
COMMENT ON FUNCTION assistant_hub._metric(text, text) IS 'The metric named metric_name, or an error naming func_name.';
REVOKE ALL ON FUNCTION assistant_hub._metric(text, text) FROM PUBLIC;

-- A query counting the metric's rows in its source, per (key, day), as (key, day, n). $1 is the
-- key (as text) when by_key, null otherwise; $2 the time zone. The filter is parsed and checked
-- again and its canonical text used, never text as a user typed it; names are quoted.
CREATE FUNCTION assistant_hub._metric_recount_sql(m assistant_hub.metrics, by_key boolean) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    key_col text := quote_ident(attname) FROM pg_attribute WHERE attrelid = m.source AND attnum = m.key_attnum;
    time_col text := quote_ident(attname) FROM pg_attribute WHERE attrelid = m.source AND attnum = m.time_attnum;
    storage text := assistant_hub._metric_storage(m.key_type);
BEGIN
    RETURN format('SELECT %1$s::%2$s AS key, assistant_hub._metric_day(%3$s, $2) AS day, count(*) AS n'
                  ' FROM %4$s WHERE %1$s IS NOT NULL AND %3$s IS NOT NULL%5$s%6$s GROUP BY 1, 2',
                  key_col, storage, time_col, m.source::text,
                  CASE WHEN m.filter IS NOT NULL THEN ' AND (' || assistant_hub._metric_parse_filter(m.source, m.filter) || ')' ELSE '' END,
                  CASE WHEN by_key THEN format(' AND %s = $1::%s', key_col, storage) ELSE '' END);
END $$;
COMMENT ON FUNCTION assistant_hub._metric_recount_sql(assistant_hub.metrics, boolean) IS 'A query recounting a metric from its source per (key, day); $1 key (when by_key), $2 time zone.';
REVOKE ALL ON FUNCTION assistant_hub._metric_recount_sql(assistant_hub.metrics, boolean) FROM PUBLIC;

-- Stored minus actual, per (key, day) that differs: the recount from the source against the sum
-- of counts, deltas and this transaction's pending deltas. One statement, hence one snapshot:
-- changes committed after it are in neither side. Yields (key, day, stored, actual).
CREATE FUNCTION assistant_hub._metric_diff_sql(m assistant_hub.metrics, by_key boolean) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT format('SELECT key, day, sum(stored)::bigint AS stored, sum(actual)::bigint AS actual FROM ('
              'SELECT key, day, 0::bigint AS stored, n AS actual FROM (%1$s) recount'
              ' UNION ALL SELECT key, day, value, 0 FROM assistant_hub.%2$I WHERE metric_id = $3%3$s'
              ') x GROUP BY key, day HAVING sum(stored) <> sum(actual)',
              assistant_hub._metric_recount_sql(m, by_key),
              'metric_values_' || assistant_hub._metric_storage(m.key_type),
              CASE WHEN by_key THEN format(' AND key = $1::%s', assistant_hub._metric_storage(m.key_type)) ELSE '' END)
$$;
COMMENT ON FUNCTION assistant_hub._metric_diff_sql(assistant_hub.metrics, boolean) IS 'A query of the (key, day) values of a metric whose stored sum differs from the recount; $1 key, $2 time zone, $3 metric id.';
REVOKE ALL ON FUNCTION assistant_hub._metric_diff_sql(assistant_hub.metrics, boolean) FROM PUBLIC;

-- Writes actual - stored as delta rows, so the metric equals its recount. Insert-only: it never
-- conflicts with writers or with consolidation.
CREATE FUNCTION assistant_hub._metric_correct(m assistant_hub.metrics, metric_key text) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    n bigint;
BEGIN
    EXECUTE format('INSERT INTO assistant_hub.%I (metric_id, key, day, delta)'
                   ' SELECT $3, key, day, actual - stored FROM (%s) d',
                   'metric_deltas_' || assistant_hub._metric_storage(m.key_type),
                   assistant_hub._metric_diff_sql(m, metric_key IS NOT NULL))
        USING metric_key, m.time_zone, m.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION assistant_hub._metric_correct(assistant_hub.metrics, text) IS 'Writes recount minus stored as delta rows (all keys, or one); returns the number of corrected values.';
REVOKE ALL ON FUNCTION assistant_hub._metric_correct(assistant_hub.metrics, text) FROM PUBLIC;

-- The triggers of metric m on one relation: DML triggers with transition tables on every member of
-- the source's partition tree (a statement fires only the triggers of the table it names), and
-- BEFORE TRUNCATE on the tables that hold rows (TRUNCATE of a parent fires each partition's).
CREATE FUNCTION assistant_hub._metric_attach(metric_id integer, rel regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    prefix text := 'assistant_hub_metric_' || metric_id;
    source regclass := (SELECT m.source FROM assistant_hub.metrics m WHERE m.id = metric_id);
BEGIN
    IF source IS NULL OR rel IS NULL
       OR (rel <> source AND rel NOT IN (SELECT relid FROM pg_partition_tree(source))) THEN
        RAISE EXCEPTION '_metric_attach: % is not a table of metric %''s source', rel, metric_id
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS assistant_hub_new'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION assistant_hub._metric_trigger(%L)',
                   prefix || '_insert', rel, metric_id);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS assistant_hub_old'
                   ' NEW TABLE AS assistant_hub_new FOR EACH STATEMENT EXECUTE FUNCTION assistant_hub._metric_trigger(%L)',
                   prefix || '_update', rel, metric_id);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS assistant_hub_old'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION assistant_hub._metric_trigger(%L)',
                   prefix || '_delete', rel, metric_id);
    IF (SELECT relkind FROM pg_class WHERE oid = rel) = 'r' THEN
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION assistant_hub._metric_trigger(%L)',
                       prefix || '_truncate', rel, metric_id);
    END IF;
END $$;
COMMENT ON FUNCTION assistant_hub._metric_attach(integer, regclass) IS 'Creates the triggers of a metric on one table of its source''s partition tree.';
REVOKE ALL ON FUNCTION assistant_hub._metric_attach(integer, regclass) FROM PUBLIC;

-- The relations that carry metric m's triggers.
CREATE FUNCTION assistant_hub._metric_trigger_relations(metric_id integer) RETURNS SETOF regclass
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT DISTINCT t.tgrelid::regclass FROM pg_trigger t
WHERE t.tgfoid = 'assistant_hub._metric_trigger()'::regprocedure
  AND t.tgname LIKE 'assistant\_hub\_metric\_' || metric_id || '\_%'
$$;
COMMENT ON FUNCTION assistant_hub._metric_trigger_relations(integer) IS 'The tables that carry a metric''s triggers.';
REVOKE ALL ON FUNCTION assistant_hub._metric_trigger_relations(integer) FROM PUBLIC;

CREATE FUNCTION assistant_hub._metric_detach(metric_id integer, rel regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t name;
BEGIN
    FOR t IN SELECT tgname FROM pg_trigger
             WHERE tgrelid = rel AND tgfoid = 'assistant_hub._metric_trigger()'::regprocedure
               AND tgname LIKE 'assistant\_hub\_metric\_' || metric_id || '\_%'
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t, rel);
    END LOOP;
END $$;
COMMENT ON FUNCTION assistant_hub._metric_detach(integer, regclass) IS 'Drops the triggers of a metric from one table.';
REVOKE ALL ON FUNCTION assistant_hub._metric_detach(integer, regclass) FROM PUBLIC;

-- The folding of deltas into counts, and this function's callers, must not interleave with each
-- other (each would otherwise miss rows the other moved).
CREATE FUNCTION assistant_hub._metric_lock() RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$ SELECT pg_advisory_xact_lock(hashtext('assistant_hub.metrics')) $$;
COMMENT ON FUNCTION assistant_hub._metric_lock() IS 'Serializes consolidation, metric creation and dropping, and emptying the dashboard cache (a transaction-level advisory lock).';
REVOKE ALL ON FUNCTION assistant_hub._metric_lock() FROM PUBLIC;

CREATE FUNCTION assistant_hub.create_metric(name text, source regclass, key_column name,
                                            time_column name, filter text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    metric_name text := name;
    rel record;
    key_att record;
    time_att record;
    tree text;
    m assistant_hub.metrics;
    r regclass;
BEGIN
    PERFORM assistant_hub._require(metric_name, 'name', 'create_metric');
    PERFORM assistant_hub._require(source, 'source', 'create_metric');
    PERFORM assistant_hub._require(key_column, 'key_column', 'create_metric');
    PERFORM assistant_hub._require(time_column, 'time_column', 'create_metric');
    IF metric_name = '' OR length(metric_name) > 63 THEN
        RAISE EXCEPTION 'create_metric: a metric name must have 1 to 63 characters, not %', length(metric_name)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'create_metric: must run in a READ COMMITTED transaction'
            USING ERRCODE = 'active_sql_transaction',
                  DETAIL = 'The backfill must see every row committed before the triggers were attached.';
    END IF;
    SELECT c.oid, c.relkind, c.relpersistence, c.relispartition, n.nspname, c.relowner INTO rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'create_metric: relation with OID % does not exist', source::oid
            USING ERRCODE = 'undefined_table';
    END IF;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'create_metric: "%" is not a table', source
            USING ERRCODE = 'wrong_object_type', HINT = 'The source must be a table or a partitioned table.';
    END IF;
    IF rel.relpersistence = 't' THEN
        RAISE EXCEPTION 'create_metric: "%" is a temporary table', source
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF rel.relispartition THEN
        RAISE EXCEPTION 'create_metric: "%" is a partition', source
            USING ERRCODE = 'wrong_object_type', HINT = 'Use the partitioned table it belongs to as the source.';
    END IF;
    IF rel.nspname = 'assistant_hub' THEN
        RAISE EXCEPTION 'create_metric: "%" belongs to the extension', source
            USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT pg_has_role(rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'create_metric: must be owner of table %', source
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT attnum, atttypid::regtype AS atttype INTO key_att FROM pg_attribute
    WHERE attrelid = source AND attname = key_column AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'create_metric: column "%" of relation "%" does not exist', key_column, source
            USING ERRCODE = 'undefined_column';
    END IF;
    IF key_att.atttype NOT IN ('uuid'::regtype, 'bigint'::regtype, 'integer'::regtype, 'text'::regtype) THEN
        RAISE EXCEPTION 'create_metric: key column "%" has type %', key_column, key_att.atttype
            USING ERRCODE = 'datatype_mismatch', HINT = 'Key columns must be uuid, bigint, integer or text.';
    END IF;
    SELECT attnum, atttypid::regtype AS atttype INTO time_att FROM pg_attribute
    WHERE attrelid = source AND attname = time_column AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'create_metric: column "%" of relation "%" does not exist', time_column, source
            USING ERRCODE = 'undefined_column';
    END IF;
    IF time_att.atttype NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION 'create_metric: time column "%" has type %', time_column, time_att.atttype
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'Time columns must be timestamp with time zone, timestamp or date.';
    END IF;
    tree := assistant_hub._metric_parse_filter(source, filter);

    PERFORM assistant_hub._metric_lock();
    IF EXISTS (SELECT 1 FROM assistant_hub.metrics WHERE metrics.name = metric_name) THEN
        RAISE EXCEPTION 'create_metric: metric "%" already exists', metric_name
            USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO assistant_hub.metrics (name, source, key_attnum, key_type, time_attnum, time_type, filter, time_zone)
    VALUES (metric_name, source, key_att.attnum, key_att.atttype, time_att.attnum, time_att.atttype, tree,
            assistant_hub._metric_zone())
    RETURNING * INTO m;
    -- Attaching locks each table against writers until commit; the backfill statement that follows
    -- takes a new snapshot, so it sees every row written before.
    -- (pg_partition_tree lists nothing for a table that is not partitioned.)
    FOR r IN SELECT source UNION SELECT relid FROM pg_partition_tree(source) LOOP
        PERFORM assistant_hub._metric_attach(m.id, r);
    END LOOP;
    EXECUTE format('INSERT INTO assistant_hub.%I (metric_id, key, day, value) SELECT $3, key, day, n FROM (%s) c',
                   'metric_counts_' || assistant_hub._metric_storage(m.key_type),
                   assistant_hub._metric_recount_sql(m, false))
        USING NULL::text, m.time_zone, m.id;
    PERFORM assistant_hub._dashboard_cache_clear();
    PERFORM assistant_hub._metric_invalidate();
END $$;
COMMENT ON FUNCTION assistant_hub.create_metric(text, regclass, name, name, text) IS
    'Counts the rows of source per (key_column, day of time_column) where filter holds, exactly at every commit; backfills existing rows.';
REVOKE ALL ON FUNCTION assistant_hub.create_metric(text, regclass, name, name, text) FROM PUBLIC;

CREATE FUNCTION assistant_hub.drop_metric(name text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m assistant_hub.metrics := assistant_hub._metric(name, 'drop_metric');
    r regclass;
    storage text := assistant_hub._metric_storage(m.key_type);
BEGIN
    PERFORM assistant_hub._metric_lock();
    -- Dropping a trigger waits for the writers of its table, whose deltas are written before they
    -- commit; the deletes below then see them.
    FOR r IN SELECT * FROM assistant_hub._metric_trigger_relations(m.id) LOOP
        PERFORM assistant_hub._metric_detach(m.id, r);
    END LOOP;
    EXECUTE format('DELETE FROM assistant_hub.%I WHERE metric_id = $1', 'metric_counts_' || storage) USING m.id;
    EXECUTE format('DELETE FROM assistant_hub.%I WHERE metric_id = $1', 'metric_deltas_' || storage) USING m.id;
    DELETE FROM assistant_hub.metrics WHERE id = m.id;
    PERFORM assistant_hub._dashboard_cache_clear();
    PERFORM assistant_hub._metric_invalidate();
END $$;
COMMENT ON FUNCTION assistant_hub.drop_metric(text) IS 'Drops a metric: its triggers and its values.';
REVOKE ALL ON FUNCTION assistant_hub.drop_metric(text) FROM PUBLIC;

CREATE FUNCTION assistant_hub.verify_metric(name text)
    RETURNS TABLE(key text, day date, stored bigint, actual bigint)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m assistant_hub.metrics := assistant_hub._metric(name, 'verify_metric');
BEGIN
    RETURN QUERY EXECUTE format('SELECT key::text, day, stored, actual FROM (%s) d ORDER BY 1, 2',
                                assistant_hub._metric_diff_sql(m, false))
        USING NULL::text, m.time_zone, m.id;
END $$;
COMMENT ON FUNCTION assistant_hub.verify_metric(text) IS
    'The (key, day) values of a metric that differ from a recount of its source; no rows means exact.';
REVOKE ALL ON FUNCTION assistant_hub.verify_metric(text) FROM PUBLIC;

CREATE FUNCTION assistant_hub.rebuild_metric(name text, key text DEFAULT NULL) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m assistant_hub.metrics := assistant_hub._metric(name, 'rebuild_metric');
    metric_key text := key;
    zone text := assistant_hub._metric_zone();
    corrected bigint;
BEGIN
    -- The metrics lock first, as create_metric and drop_metric take it (the dashboard cache is
    -- emptied under it below): the same order, so no deadlock between them.
    PERFORM assistant_hub._metric_lock();
    IF metric_key IS NULL AND zone <> m.time_zone THEN
        -- Re-bucketing in another time zone: writers still running bucket in the old one, so wait
        -- for them and keep new ones out until commit.
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'rebuild_metric: changing the time zone of metric "%" must run in a READ COMMITTED transaction', m.name
                USING ERRCODE = 'active_sql_transaction';
        END IF;
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', m.source);
        UPDATE assistant_hub.metrics SET time_zone = zone WHERE id = m.id RETURNING * INTO m;
        PERFORM assistant_hub._metric_invalidate();
    END IF;
    corrected := assistant_hub._metric_correct(m, metric_key);
    -- A repair: the cached values are the counts, which may be what was wrong. Recached by the
    -- next consolidation; reads compute until then.
    PERFORM assistant_hub._dashboard_cache_clear();
    RETURN corrected;
END $$;
COMMENT ON FUNCTION assistant_hub.rebuild_metric(text, text) IS
    'Recounts a metric (all keys, re-bucketed in assistant_hub.metrics_timezone, or one key) and corrects its stored values; returns the number of corrected (key, day) values.';
REVOKE ALL ON FUNCTION assistant_hub.rebuild_metric(text, text) FROM PUBLIC;

CREATE FUNCTION assistant_hub.metric_daily(name text, key text, from_day date, to_day date)
    RETURNS TABLE(day date, value bigint)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m assistant_hub.metrics := assistant_hub._metric(name, 'metric_daily');
    storage text := assistant_hub._metric_storage(m.key_type);
BEGIN
    PERFORM assistant_hub._require(key, 'key', 'metric_daily');
    PERFORM assistant_hub._require(from_day, 'from_day', 'metric_daily');
    PERFORM assistant_hub._require(to_day, 'to_day', 'metric_daily');
    IF from_day > to_day THEN
        RAISE EXCEPTION 'metric_daily: from_day % is after to_day %', from_day, to_day
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF to_day - from_day > 36600 THEN
        RAISE EXCEPTION 'metric_daily: at most 36600 days at once, not %', to_day - from_day + 1
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT d::date, coalesce(v.value, 0)::bigint FROM generate_series($3::timestamp, $4::timestamp, interval ''1 day'') d'
        ' LEFT JOIN (SELECT day, sum(value) AS value FROM assistant_hub.%I'
        '            WHERE metric_id = $1 AND key = $2::%s AND day BETWEEN $3 AND $4 GROUP BY day) v ON v.day = d::date'
        ' ORDER BY 1', 'metric_values_' || storage, storage)
        USING m.id, key, from_day, to_day;
END $$;
COMMENT ON FUNCTION assistant_hub.metric_daily(text, text, date, date) IS
    'A metric''s value for one key (given as text) on every day from from_day to to_day.';
REVOKE ALL ON FUNCTION assistant_hub.metric_daily(text, text, date, date) FROM PUBLIC;

-- Folds delta rows into counts, one statement per storage (its DELETE and upsert share a
-- snapshot). Rows of metric 0 are dashboard_summary's markers (a user's rows changed): deleted,
-- not counted, their users' caches refreshed like those of the other deltas. Only consolidation writes counts rows after the backfill, and it holds the metrics
-- lock, so its upserts never meet a concurrent writer.
CREATE FUNCTION assistant_hub.consolidate_metrics() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    storage text;
    n bigint;
    total bigint := 0;
    keys text[];
    touched uuid[] := '{}';
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'consolidate_metrics: must run in a READ COMMITTED transaction'
            USING ERRCODE = 'active_sql_transaction';
    END IF;
    PERFORM assistant_hub._metric_lock();
    FOREACH storage IN ARRAY ARRAY['uuid', 'bigint', 'text'] LOOP
        EXECUTE format(
            'WITH moved AS (DELETE FROM assistant_hub.%1$I RETURNING metric_id, key, day, delta),'
            ' folded AS (SELECT metric_id, key, day, sum(delta)::bigint AS delta, count(*) AS n FROM moved GROUP BY 1, 2, 3),'
            ' upserted AS (INSERT INTO assistant_hub.%2$I AS c (metric_id, key, day, value)'
            '     SELECT metric_id, key, day, delta FROM folded WHERE metric_id <> 0'
            '     ON CONFLICT (key, metric_id, day) DO UPDATE SET value = c.value + excluded.value)'
            ' SELECT coalesce(sum(n), 0), array_agg(DISTINCT key::text) FROM folded', 'metric_deltas_' || storage, 'metric_counts_' || storage)
            INTO n, keys;
        EXECUTE format('DELETE FROM assistant_hub.%I WHERE value = 0', 'metric_counts_' || storage);
        total := total + n;
        IF storage = 'uuid' THEN
            touched := coalesce(keys::uuid[], '{}');
        END IF;
    END LOOP;
    BEGIN
        PERFORM assistant_hub._dashboard_cache_refresh(touched);
    EXCEPTION WHEN OTHERS THEN
        -- Cached rows must not outlive the deltas just folded: without them, reads compute.
        PERFORM assistant_hub._dashboard_cache_clear();
        RAISE WARNING 'consolidate_metrics: the dashboard cache was emptied: %', SQLERRM
            USING DETAIL = 'Dashboard reads compute their rows until a consolidation refreshes the cache.';
    END;
    RETURN total;
END $$;
COMMENT ON FUNCTION assistant_hub.consolidate_metrics() IS
    'Folds metric delta rows into the consolidated counts and refreshes the dashboard caches of the users they (or dashboard_summary''s marker rows) changed (run by maintenance); returns the number of delta and marker rows folded.';
REVOKE ALL ON FUNCTION assistant_hub.consolidate_metrics() FROM PUBLIC;

-- Partitions come and go after a metric is created (monthly premake and retention, ATTACH and
-- DETACH): keep a trigger on every member of each source's partition tree, and correct the values
-- when rows arrived or left with a partition. A dropped source takes its metrics with it.
CREATE FUNCTION assistant_hub._metric_partitions_changed() RETURNS event_trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m assistant_hub.metrics;
    r regclass;
    has_rows boolean;
    changed boolean;
BEGIN
    -- It runs for everyone's DDL, as them: roles that cannot administer metrics (an application
    -- creating a temporary table) pass through untouched.
    IF to_regclass('assistant_hub.metrics') IS NULL
       OR NOT has_function_privilege('assistant_hub.create_metric(text, regclass, name, name, text)', 'EXECUTE') THEN
        RETURN;
    END IF;
    IF tg_event = 'sql_drop' THEN
        FOR m IN SELECT * FROM assistant_hub.metrics mm
                 WHERE mm.source IN (SELECT objid FROM pg_event_trigger_dropped_objects()
                                     WHERE classid = 'pg_class'::regclass AND objsubid = 0)
        LOOP
            EXECUTE format('DELETE FROM assistant_hub.%I WHERE metric_id = $1', 'metric_counts_' || assistant_hub._metric_storage(m.key_type)) USING m.id;
            EXECUTE format('DELETE FROM assistant_hub.%I WHERE metric_id = $1', 'metric_deltas_' || assistant_hub._metric_storage(m.key_type)) USING m.id;
            DELETE FROM assistant_hub.metrics WHERE id = m.id;
            PERFORM assistant_hub._dashboard_cache_clear();
        END LOOP;
        -- A dropped partition took its rows: recount the metrics whose triggers it carried.
        FOR m IN SELECT * FROM assistant_hub.metrics mm
                 WHERE EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() d
                               WHERE d.object_type = 'trigger'
                                 AND d.object_identity LIKE 'assistant\_hub\_metric\_' || mm.id || '\_insert on %')
        LOOP
            PERFORM assistant_hub._metric_correct(m, NULL);
        END LOOP;
        PERFORM assistant_hub._metric_invalidate();
        RETURN;
    END IF;
    -- A source that became a partition (convert_to_partitioned keeps a table's rows in a
    -- partition of a new table of its name): the metric follows to the root, by column names.
    FOR m IN SELECT mm.* FROM assistant_hub.metrics mm JOIN pg_class c ON c.oid = mm.source
             WHERE c.relispartition LOOP
        r := pg_partition_root(m.source);
        UPDATE assistant_hub.metrics SET source = r,
            key_attnum = (SELECT t.attnum FROM pg_attribute s JOIN pg_attribute t ON t.attrelid = r AND t.attname = s.attname
                          WHERE s.attrelid = m.source AND s.attnum = m.key_attnum),
            time_attnum = (SELECT t.attnum FROM pg_attribute s JOIN pg_attribute t ON t.attrelid = r AND t.attname = s.attname
                           WHERE s.attrelid = m.source AND s.attnum = m.time_attnum)
        WHERE id = m.id;
        PERFORM assistant_hub._metric_invalidate();
    END LOOP;
    -- Only metrics whose source carries their triggers: while pg_restore rebuilds a database, the
    -- metric rows are back before the triggers, which it restores itself.
    FOR m IN SELECT mm.* FROM assistant_hub.metrics mm JOIN pg_class c ON c.oid = mm.source
             WHERE c.relkind = 'p' AND mm.source IN (SELECT * FROM assistant_hub._metric_trigger_relations(mm.id)) LOOP
        changed := false;
        FOR r IN SELECT t.relid FROM pg_partition_tree(m.source) t
                 EXCEPT SELECT * FROM assistant_hub._metric_trigger_relations(m.id) LOOP
            PERFORM assistant_hub._metric_attach(m.id, r);
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', r) INTO has_rows;
            changed := changed OR has_rows;
        END LOOP;
        FOR r IN SELECT * FROM assistant_hub._metric_trigger_relations(m.id)
                 EXCEPT SELECT t.relid FROM pg_partition_tree(m.source) t LOOP
            PERFORM assistant_hub._metric_detach(m.id, r);
            changed := true;
        END LOOP;
        IF changed THEN
            PERFORM assistant_hub._metric_correct(m, NULL);
        END IF;
    END LOOP;
END $$;
COMMENT ON FUNCTION assistant_hub._metric_partitions_changed() IS
    'Event trigger: keeps metric triggers on every partition of a source and corrects values when partitions with rows are attached, detached or dropped.';
REVOKE ALL ON FUNCTION assistant_hub._metric_partitions_changed() FROM PUBLIC;
CREATE EVENT TRIGGER assistant_hub_metric_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE')
    EXECUTE FUNCTION assistant_hub._metric_partitions_changed();
CREATE EVENT TRIGGER assistant_hub_metric_drops ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'ALTER TABLE', 'DROP SCHEMA')
    EXECUTE FUNCTION assistant_hub._metric_partitions_changed();

-- DDL on a table dashboard_summary counts from can change its rows without the touch triggers
-- seeing them (ALTER COLUMN ... TYPE, ATTACH or DETACH PARTITION, DISABLE TRIGGER, a dropped
-- partition or trigger): the summary cache is emptied (with the dashboard cache; the next
-- consolidation rebuilds both), and new partitions get the triggers. SECURITY DEFINER: it must
-- run whoever's DDL it is (the table's owner need not administer the extension); it reads only
-- the catalogs and calls this schema's functions.
CREATE FUNCTION assistant_hub._summary_sources_changed() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    -- (Also fired by the DDL of CREATE EXTENSION, before the functions below exist.)
    IF to_regprocedure('assistant_hub._summary_tables()') IS NULL
       OR to_regprocedure('assistant_hub._dashboard_cache_clear()') IS NULL THEN
        RETURN;
    END IF;
    IF tg_event = 'sql_drop' THEN
        -- One of the touch triggers, gone with its table or alone. The cache is built only while
        -- every table of the sources' trees is in a source's schema (where no one else can create
        -- a table), so no other role's DDL clears the caches.
        IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() d
                   WHERE d.object_type = 'trigger' AND NOT d.is_temporary
                     AND d.address_names[3] LIKE 'assistant\_hub\_summary\_%'
                     AND d.address_names[1] IN (SELECT n.nspname FROM assistant_hub._summary_sources() s
                                                JOIN pg_class c ON c.oid = s.rel
                                                JOIN pg_namespace n ON n.oid = c.relnamespace)) THEN
            PERFORM assistant_hub._dashboard_cache_clear();
        END IF;
        RETURN;
    END IF;
    -- A subscription's apply writes without statement triggers (it is then not ready, too).
    IF tg_tag IN ('CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION') THEN
        PERFORM assistant_hub._dashboard_cache_clear();
        RETURN;
    END IF;
    -- A source or a descendant of one (found up pg_inherits, locking nothing), or a trigger on
    -- one (renamed, a touch trigger would go unseen when dropped).
    IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() c
               WHERE (c.classid = 'pg_class'::regclass AND assistant_hub._summary_descends(c.objid))
                  OR (c.classid = 'pg_trigger'::regclass
                      AND assistant_hub._summary_descends((SELECT g.tgrelid FROM pg_trigger g WHERE g.oid = c.objid)))) THEN
        PERFORM assistant_hub._summary_attach(true);
        PERFORM assistant_hub._dashboard_cache_clear();
    END IF;
END $$;
COMMENT ON FUNCTION assistant_hub._summary_sources_changed() IS
    'Event trigger: after DDL on a table dashboard_summary counts from, attaches its touch triggers to new partitions and empties the dashboard caches.';
REVOKE ALL ON FUNCTION assistant_hub._summary_sources_changed() FROM PUBLIC;
CREATE EVENT TRIGGER assistant_hub_summary_sources ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE',
                 'ALTER TRIGGER', 'CREATE SUBSCRIPTION', 'ALTER SUBSCRIPTION')
    EXECUTE FUNCTION assistant_hub._summary_sources_changed();
CREATE EVENT TRIGGER assistant_hub_summary_drops ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'ALTER TABLE', 'DROP SCHEMA', 'DROP TRIGGER', 'DROP FOREIGN TABLE')
    EXECUTE FUNCTION assistant_hub._summary_sources_changed();

-- The three hub metrics, attached by create_hub_schema(); creates only the missing ones.
CREATE FUNCTION assistant_hub._attach_hub_metrics() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d record;
BEGIN
    FOR d IN SELECT * FROM (VALUES
            ('journal_entries', 'hub.journal_entries', 'created_at', NULL),
            ('tasks_completed', 'hub.tasks', 'completed_at', $f$status = 'completed'$f$),
            ('emails_received', 'hub.email_messages', 'received_at', NULL)) AS v(name, source, time_column, filter)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM assistant_hub.metrics WHERE name = d.name) THEN
            PERFORM assistant_hub.create_metric(d.name, d.source::regclass, 'user_id', d.time_column, d.filter);
        END IF;
    END LOOP;
    PERFORM assistant_hub._summary_attach(); -- dashboard_summary's, on the tables it counts from
END $$;
COMMENT ON FUNCTION assistant_hub._attach_hub_metrics() IS
    'Creates the dashboard metrics journal_entries, tasks_completed and emails_received on the hub tables, where missing.';
REVOKE ALL ON FUNCTION assistant_hub._attach_hub_metrics() FROM PUBLIC;

-- Dashboards. They run as the caller (SECURITY INVOKER, a security_invoker view), so row-level
-- security on the hub tables and on the metric value tables applies to them.

-- The seed's dashboard_metrics_enhanced (section 4.1), always fresh: the same rows and values
-- when TimeZone and assistant_hub.metrics_timezone are the same (the last 90 days of each hub
-- metric per user, by week from Monday, with the change over the previous week that has values),
-- computed from the metric values when read. Its rows come from a foreign table whose scan is C++
-- (src/metrics/dashboard_metrics_scan.cpp): given "user_id = <value>", in WHERE or as a join's
-- inner side, it reads that user's values from the key-first indexes in one plan node.
CREATE FUNCTION assistant_hub._dashboard_metrics_handler() RETURNS fdw_handler
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'dashboard_metrics_handler';
COMMENT ON FUNCTION assistant_hub._dashboard_metrics_handler() IS
    'Scans of assistant_hub._dashboard_metrics (the rows of the dashboard_metrics view).';
REVOKE ALL ON FUNCTION assistant_hub._dashboard_metrics_handler() FROM PUBLIC;
CREATE FOREIGN DATA WRAPPER assistant_hub_dashboard_metrics HANDLER assistant_hub._dashboard_metrics_handler;
COMMENT ON FOREIGN DATA WRAPPER assistant_hub_dashboard_metrics IS
    'Computes dashboard_metrics rows from the metric values; not a connection to anything foreign.';
CREATE SERVER assistant_hub_dashboard_metrics FOREIGN DATA WRAPPER assistant_hub_dashboard_metrics;
CREATE FOREIGN TABLE assistant_hub._dashboard_metrics (
    user_id uuid, week_start timestamptz, metric_type text, weekly_total numeric,
    daily_average numeric, daily_maximum bigint, daily_minimum bigint,
    previous_week_total numeric, week_over_week_change numeric
) SERVER assistant_hub_dashboard_metrics;
COMMENT ON FOREIGN TABLE assistant_hub._dashboard_metrics IS
    'The rows of dashboard_metrics, computed when read (read-only).';
REVOKE ALL ON assistant_hub._dashboard_metrics FROM PUBLIC;

CREATE FUNCTION assistant_hub._dashboard_arithmetic_selftest(max_value integer,
    OUT compared bigint, OUT mismatched bigint)
    LANGUAGE c STRICT VOLATILE AS 'MODULE_PATHNAME', 'dashboard_arithmetic_selftest';
COMMENT ON FUNCTION assistant_hub._dashboard_arithmetic_selftest(integer) IS
    'Test: compares the numeric results dashboard_metrics computes itself (averages, week-over-week changes) with numeric''s own functions, byte for byte, for totals up to max_value.';
REVOKE ALL ON FUNCTION assistant_hub._dashboard_arithmetic_selftest(integer) FROM PUBLIC;

-- The dashboard cache (src/metrics/dashboard_cache.hpp): each user's dashboard_metrics rows as
-- consolidate_metrics() last computed them, packed in one value. A one-user read returns them
-- only when they are what computing them again would give: started in [valid_from, valid_until)
-- (the same "today"), no delta row or pending delta of the user's hub metrics, no row-level
-- security or SERIALIZABLE for the caller. Derived data: not dumped, cleared (and so rebuilt at
-- the next consolidation) whenever counts change other than by consolidation.
CREATE TABLE assistant_hub.dashboard_cache (
    user_id     uuid        NOT NULL PRIMARY KEY,
    valid_from  timestamptz NOT NULL,
    valid_until timestamptz NOT NULL,
    rows        bytea       NOT NULL
) WITH (toast_tuple_target = 8160);
-- Up to about 42 rows (3 kB) per user: kept in the row, uncompressed, so a read is one heap fetch.
ALTER TABLE assistant_hub.dashboard_cache ALTER COLUMN rows SET STORAGE EXTERNAL;
COMMENT ON TABLE assistant_hub.dashboard_cache IS
    'Each user''s dashboard_metrics rows as consolidate_metrics() last computed them (packed; read by the dashboard_metrics scan when valid).';
CREATE TABLE assistant_hub.dashboard_cache_state (
    single      boolean     NOT NULL DEFAULT true PRIMARY KEY CHECK (single),
    valid_from  timestamptz NOT NULL,
    valid_until timestamptz NOT NULL
);
INSERT INTO assistant_hub.dashboard_cache_state VALUES (true, '-infinity', '-infinity');
COMMENT ON TABLE assistant_hub.dashboard_cache_state IS
    'The period the whole dashboard cache was computed for; another period (a new day, a cleared cache) makes consolidation rebuild every user.';
REVOKE ALL ON assistant_hub.dashboard_cache, assistant_hub.dashboard_cache_state FROM PUBLIC;

-- dashboard_summary's cache (src/metrics/dashboard_summary_cache.cpp): per user, what its counts
-- can be at any transaction start in [valid_from, valid_until), so that a read picks them for its
-- now() and today instead of counting. A read uses a row only when no delta or marker row of the
-- user is visible to it (every change to the user's rows leaves one until consolidation
-- recomputes the row) and the caller reads the hub tables without row-level security.
CREATE TABLE assistant_hub.dashboard_summary_cache (
    user_id         uuid          NOT NULL PRIMARY KEY,
    valid_from      timestamptz   NOT NULL,
    valid_until     timestamptz   NOT NULL,
    timezone        text          NOT NULL, -- users.timezone, for the reader's today
    first_day       date          NOT NULL, -- the user's today at valid_from
    journal_entries bigint[]      NOT NULL, -- per day from first_day: entries of that entry_date
    upcoming_tasks  bigint[]      NOT NULL, -- per day d from first_day: pending, due by d + 7
    event_starts    timestamptz[] NOT NULL, -- confirmed, from valid_from to valid_until + 24 h, sorted
    unread_emails   bigint        NOT NULL
);
COMMENT ON TABLE assistant_hub.dashboard_summary_cache IS
    'Each user''s dashboard_summary inputs for the cache period, as consolidate_metrics() last computed them (read by dashboard_summary when valid).';
REVOKE ALL ON assistant_hub.dashboard_summary_cache FROM PUBLIC;

-- The tables dashboard_summary counts from, and the column that names their user.
CREATE FUNCTION assistant_hub._summary_sources(OUT rel regclass, OUT key_column name)
    RETURNS SETOF record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT to_regclass(v.r), v.k::name FROM (VALUES ('hub.users', 'id'), ('hub.journal_entries', 'user_id'),
    ('hub.tasks', 'user_id'), ('hub.calendar_events', 'user_id'), ('hub.email_threads', 'user_id')) v(r, k)
$$;
COMMENT ON FUNCTION assistant_hub._summary_sources() IS
    'The hub tables dashboard_summary counts from (null when missing) and their user column.';
-- Those tables and, for a partitioned one, every member of its partition tree.
CREATE FUNCTION assistant_hub._summary_tables(OUT rel regclass, OUT key_column name, OUT relkind "char",
                                              OUT source regclass)
    RETURNS SETOF record
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT m.rel, s.key_column, c.relkind, s.rel
FROM assistant_hub._summary_sources() s
CROSS JOIN LATERAL (SELECT s.rel UNION SELECT t.relid FROM pg_partition_tree(s.rel) t) m(rel)
JOIN pg_class c ON c.oid = m.rel
WHERE s.rel IS NOT NULL
$$;
-- Whether relid is one of those tables or inherits from one, at any depth (from pg_inherits:
-- no lock on the partitions).
CREATE FUNCTION assistant_hub._summary_descends(relid oid) RETURNS boolean
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
WITH RECURSIVE up(rel) AS (SELECT relid UNION SELECT i.inhparent FROM pg_inherits i JOIN up ON i.inhrelid = up.rel)
SELECT EXISTS (SELECT 1 FROM up JOIN assistant_hub._summary_sources() s ON s.rel = up.rel)
$$;
COMMENT ON FUNCTION assistant_hub._summary_descends(oid) IS
    'Whether a relation is one of the tables dashboard_summary counts from, or inherits from one.';
COMMENT ON FUNCTION assistant_hub._summary_tables() IS
    'The tables dashboard_summary counts from and the members of their partition trees (source: the table of the tree), with their user column.';

CREATE FUNCTION assistant_hub._summary_touch_trigger() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'summary_touch_trigger';
COMMENT ON FUNCTION assistant_hub._summary_touch_trigger() IS
    'Statement-level trigger on dashboard_summary''s tables (argument: the user column): records the users whose rows changed, written as marker rows at commit.';

-- Touch triggers on every member of each source's partition tree (a statement fires only the
-- statement triggers of the table it names), BEFORE TRUNCATE on those that hold rows; a foreign
-- partition cannot carry them (and the cache is then not built). Adds the missing ones only; with
-- partitions_only, only to the partitions of sources that carry them
-- (while pg_restore rebuilds a database, the tables are back before their triggers, which it
-- restores itself).
CREATE FUNCTION assistant_hub._summary_attach(partitions_only boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT t.rel, t.key_column, e.event FROM assistant_hub._summary_tables() t,
                    LATERAL (VALUES ('insert'), ('update'), ('delete'), ('truncate')) AS e(event)
             WHERE t.relkind IN ('r', 'p') AND (e.event <> 'truncate' OR t.relkind = 'r')
               AND (NOT partitions_only
                    OR (t.rel <> t.source AND EXISTS (SELECT 1 FROM pg_trigger g
                                                       WHERE g.tgrelid = t.source
                                                         AND g.tgname = 'assistant_hub_summary_insert')))
               AND NOT EXISTS (SELECT 1 FROM pg_trigger g
                               WHERE g.tgrelid = t.rel AND g.tgname = 'assistant_hub_summary_' || e.event) LOOP
        EXECUTE format('CREATE TRIGGER %I %s ON %s %s FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION assistant_hub._summary_touch_trigger(%L)',
                       'assistant_hub_summary_' || m.event,
                       CASE m.event WHEN 'truncate' THEN 'BEFORE TRUNCATE' ELSE 'AFTER ' || upper(m.event) END,
                       m.rel,
                       CASE m.event WHEN 'insert' THEN 'REFERENCING NEW TABLE AS assistant_hub_new'
                                    WHEN 'update' THEN 'REFERENCING OLD TABLE AS assistant_hub_old NEW TABLE AS assistant_hub_new'
                                    WHEN 'delete' THEN 'REFERENCING OLD TABLE AS assistant_hub_old'
                                    ELSE '' END,
                       m.key_column);
    END LOOP;
END $$;
COMMENT ON FUNCTION assistant_hub._summary_attach(boolean) IS
    'Creates dashboard_summary''s touch triggers where missing on the hub tables it counts from and their partitions.';

-- Whether the touch triggers see every change to the rows dashboard_summary counts: every source
-- and every member of its partition tree is a table in the source's schema carrying them, enabled
-- (fired by ordinary sessions); no plain table has inheritance children (whose rows the counts include, written
-- without the parent's triggers); no partition is being detached concurrently; no source is the
-- target of a logical subscription (whose apply fires no statement trigger). The summary cache
-- is built only then.
CREATE FUNCTION assistant_hub._summary_triggers_ready() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT NOT EXISTS (SELECT 1 FROM assistant_hub._summary_sources() s WHERE s.rel IS NULL)
   AND NOT EXISTS (SELECT 1 FROM assistant_hub._summary_tables() t JOIN pg_class c ON c.oid = t.rel
                   JOIN pg_class src ON src.oid = t.source
                   WHERE t.relkind NOT IN ('r', 'p') OR c.relnamespace <> src.relnamespace)
   AND NOT EXISTS (
       SELECT 1 FROM assistant_hub._summary_tables() t,
       LATERAL (VALUES ('insert'), ('update'), ('delete'), ('truncate')) AS e(event)
       WHERE (e.event <> 'truncate' OR t.relkind = 'r')
         AND NOT EXISTS (SELECT 1 FROM pg_trigger g
                         WHERE g.tgrelid = t.rel AND g.tgname = 'assistant_hub_summary_' || e.event
                           AND g.tgfoid = 'assistant_hub._summary_touch_trigger()'::regprocedure
                           AND g.tgenabled IN ('O', 'A')))
   AND NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN assistant_hub._summary_tables() t ON t.rel = i.inhparent
                   WHERE t.relkind = 'r' OR i.inhdetachpending)
   AND NOT EXISTS (SELECT 1 FROM pg_subscription_rel r JOIN assistant_hub._summary_tables() t ON t.rel = r.srrelid)
$$;
COMMENT ON FUNCTION assistant_hub._summary_triggers_ready() IS
    'Whether dashboard_summary''s touch triggers are on every table it counts from, enabled.';

CREATE FUNCTION assistant_hub._time_zone_known(name text) RETURNS boolean
    LANGUAGE c STABLE STRICT AS 'MODULE_PATHNAME', 'time_zone_known';
COMMENT ON FUNCTION assistant_hub._time_zone_known(text) IS
    'Whether PostgreSQL knows a time zone by this name (AT TIME ZONE then accepts it).';

-- The summary cache rows of these users (every user when null) for [valid_from, valid_until): the
-- counts of _dashboard_summary_sql for each day the user's today can be, and the start times its
-- 24-hour windows can hold. None when the touch triggers are not all in place, row-level security
-- applies to the caller, the period is not finite, or PostgreSQL does not know the user's zone; at most 200 start times (else the read counts).
CREATE FUNCTION assistant_hub._dashboard_summary_cache_build(keys uuid[], valid_from timestamptz,
                                                             valid_until timestamptz)
    RETURNS SETOF assistant_hub.dashboard_summary_cache
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT u.id, valid_from, valid_until, u.timezone, d.first_day,
       ARRAY(SELECT (SELECT count(*) FROM hub.journal_entries j
                     WHERE j.user_id = u.id AND j.entry_date = d.first_day + i)
             FROM generate_series(0, d.last_day - d.first_day) i ORDER BY i),
       ARRAY(SELECT (SELECT count(*) FROM hub.tasks t
                     WHERE t.user_id = u.id AND t.status = 'pending' AND t.due_date <= d.first_day + i + 7)
             FROM generate_series(0, d.last_day - d.first_day) i ORDER BY i),
       e.starts,
       (SELECT count(*) FROM hub.email_threads et WHERE et.user_id = u.id AND NOT et.is_read)
FROM hub.users u
CROSS JOIN LATERAL (SELECT (valid_from AT TIME ZONE u.timezone)::date AS first_day,
                           ((valid_until - interval '1 microsecond') AT TIME ZONE u.timezone)::date AS last_day) d
CROSS JOIN LATERAL (SELECT ARRAY(SELECT ev.start_time FROM hub.calendar_events ev
                                 WHERE ev.user_id = u.id AND ev.status = 'confirmed'
                                   AND ev.start_time >= valid_from
                                   AND ev.start_time <= valid_until + interval '24 hours'
                                 ORDER BY 1) AS starts) e
WHERE (keys IS NULL OR u.id = ANY (keys))
  AND assistant_hub._time_zone_known(u.timezone)
  AND cardinality(e.starts) <= 200
  AND isfinite(valid_from) AND isfinite(valid_until)
  AND assistant_hub._summary_triggers_ready()
  AND NOT EXISTS (SELECT 1 FROM assistant_hub._summary_sources() s WHERE row_security_active(s.rel))
$$;
COMMENT ON FUNCTION assistant_hub._dashboard_summary_cache_build(uuid[], timestamptz, timestamptz) IS
    'dashboard_summary''s cache rows of these users (every user when null) for a period, computed now.';
REVOKE ALL ON FUNCTION assistant_hub._summary_sources(), assistant_hub._summary_tables(),
    assistant_hub._summary_descends(oid),
    assistant_hub._summary_touch_trigger(), assistant_hub._summary_attach(boolean),
    assistant_hub._summary_triggers_ready(), assistant_hub._time_zone_known(text),
    assistant_hub._dashboard_summary_cache_build(uuid[], timestamptz, timestamptz) FROM PUBLIC;

CREATE FUNCTION assistant_hub._dashboard_cache_build(keys uuid[], OUT user_id uuid,
    OUT valid_from timestamptz, OUT valid_until timestamptz, OUT rows bytea)
    RETURNS SETOF record
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'dashboard_cache_build';
COMMENT ON FUNCTION assistant_hub._dashboard_cache_build(uuid[]) IS
    'The dashboard cache rows of these users (every user with dashboard rows when null), computed now.';
CREATE FUNCTION assistant_hub._dashboard_cache_period(OUT valid_from timestamptz, OUT valid_until timestamptz)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'dashboard_cache_period';
COMMENT ON FUNCTION assistant_hub._dashboard_cache_period() IS
    'The transaction start times for which dashboard rows computed now are valid (the same "today" in every hub metric''s zone).';

CREATE FUNCTION assistant_hub._dashboard_cache_clear() RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
    AS $$
    -- After any consolidation running now (it holds the lock to its end): its cache rows are then
    -- seen and deleted. (At REPEATABLE READ they may not be seen; the state row it inserted or
    -- updated then makes the upsert below fail to serialize rather than leave them.)
    SELECT assistant_hub._metric_lock();
    DELETE FROM assistant_hub.dashboard_cache;
    DELETE FROM assistant_hub.dashboard_summary_cache;
    INSERT INTO assistant_hub.dashboard_cache_state (valid_from, valid_until) VALUES ('-infinity', '-infinity')
    ON CONFLICT (single) DO UPDATE SET valid_from = excluded.valid_from, valid_until = excluded.valid_until;
$$;
COMMENT ON FUNCTION assistant_hub._dashboard_cache_clear() IS
    'Empties the dashboard cache (after counts changed other than by consolidation); the next consolidation rebuilds it.';

-- Called by consolidate_metrics() with the users whose deltas it folded.
CREATE FUNCTION assistant_hub._dashboard_cache_refresh(touched uuid[]) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    state assistant_hub.dashboard_cache_state;
    period record;
    n bigint;
BEGIN
    -- (A null list is not "every user": _dashboard_cache_build's null is, and would duplicate rows.)
    PERFORM assistant_hub._require(touched, 'touched', '_dashboard_cache_refresh');
    SELECT * INTO state FROM assistant_hub.dashboard_cache_state FOR UPDATE;
    SELECT * INTO period FROM assistant_hub._dashboard_cache_period();
    IF state.valid_from = period.valid_from AND state.valid_until = period.valid_until THEN
        DELETE FROM assistant_hub.dashboard_cache WHERE user_id = ANY (touched);
        INSERT INTO assistant_hub.dashboard_cache SELECT * FROM assistant_hub._dashboard_cache_build(touched);
        GET DIAGNOSTICS n = ROW_COUNT;
        DELETE FROM assistant_hub.dashboard_summary_cache WHERE user_id = ANY (touched);
        INSERT INTO assistant_hub.dashboard_summary_cache
        SELECT * FROM assistant_hub._dashboard_summary_cache_build(touched, period.valid_from, period.valid_until);
    ELSE
        -- A new day in a hub metric's zone, or a cleared cache: every user again.
        DELETE FROM assistant_hub.dashboard_cache;
        INSERT INTO assistant_hub.dashboard_cache SELECT * FROM assistant_hub._dashboard_cache_build(NULL);
        GET DIAGNOSTICS n = ROW_COUNT;
        DELETE FROM assistant_hub.dashboard_summary_cache;
        INSERT INTO assistant_hub.dashboard_summary_cache
        SELECT * FROM assistant_hub._dashboard_summary_cache_build(NULL, period.valid_from, period.valid_until);
    END IF;
    INSERT INTO assistant_hub.dashboard_cache_state (valid_from, valid_until)
    VALUES (period.valid_from, period.valid_until)
    ON CONFLICT (single) DO UPDATE SET valid_from = excluded.valid_from, valid_until = excluded.valid_until;
    RETURN n;
END $$;
COMMENT ON FUNCTION assistant_hub._dashboard_cache_refresh(uuid[]) IS
    'Recomputes the dashboard cache rows of these users, or of every user when the cache is not of the current period; returns the number of users cached.';
REVOKE ALL ON FUNCTION assistant_hub._dashboard_cache_build(uuid[]), assistant_hub._dashboard_cache_period(),
    assistant_hub._dashboard_cache_clear(), assistant_hub._dashboard_cache_refresh(uuid[]) FROM PUBLIC;

CREATE VIEW assistant_hub.dashboard_metrics WITH (security_invoker = true) AS
SELECT user_id, week_start, metric_type, weekly_total, daily_average, daily_maximum,
       daily_minimum, previous_week_total, week_over_week_change
FROM assistant_hub._dashboard_metrics;
COMMENT ON VIEW assistant_hub.dashboard_metrics IS
    'Weekly dashboard metrics per user over the last 90 days (the seed''s dashboard_metrics_enhanced), exact at every commit.';
REVOKE ALL ON assistant_hub.dashboard_metrics FROM PUBLIC;

-- The seed's 1.1 dashboard summary, fixed: exact counts (no LIMIT inside the lateral subqueries)
-- and "today" in the user's time zone. today_events keeps the seed's meaning: confirmed events
-- starting in the next 24 hours. No row for an unknown (or invisible) user. The definition of the
-- counts: _dashboard_summary (C) reads the same counts straight from the indexes when that is
-- equivalent (no row-level security for the caller, not SERIALIZABLE, the hub as created), and
-- calls this otherwise.
CREATE FUNCTION assistant_hub._dashboard_summary_sql(uid uuid)
    RETURNS TABLE(user_id uuid, today_journal_entries bigint, upcoming_tasks bigint,
                  today_events bigint, unread_emails bigint)
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    zone text;
    today date;
BEGIN
    PERFORM assistant_hub._require(uid, 'user_id', 'dashboard_summary');
    SELECT u.timezone INTO zone FROM hub.users u WHERE u.id = uid;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- A value, not an expression of the query: the journal's partitions are pruned to one.
    today := (now() AT TIME ZONE zone)::date;
    RETURN QUERY
    SELECT uid,
           (SELECT count(*) FROM hub.journal_entries j WHERE j.user_id = uid AND j.entry_date = today),
           (SELECT count(*) FROM hub.tasks t
             WHERE t.user_id = uid AND t.status = 'pending' AND t.due_date <= today + 7),
           (SELECT count(*) FROM hub.calendar_events e
             WHERE e.user_id = uid AND e.status = 'confirmed'
               AND e.start_time >= now() AND e.start_time <= now() + interval '24 hours'),
           (SELECT count(*) FROM hub.email_threads et WHERE et.user_id = uid AND NOT et.is_read);
END $$;
COMMENT ON FUNCTION assistant_hub._dashboard_summary_sql(uuid) IS
    'The definition of dashboard_summary''s counts, and its path under row-level security or SERIALIZABLE (PL/pgSQL, for its cached plans).';
REVOKE ALL ON FUNCTION assistant_hub._dashboard_summary_sql(uuid) FROM PUBLIC;

-- Not STRICT: a NULL user_id reaches _dashboard_summary_sql, which names the argument. Its rows
-- are of a named type, whose descriptor the executor takes from the type cache (a RETURNS TABLE
-- result is rebuilt from the function's catalog row at each execution).
CREATE TYPE assistant_hub._dashboard_summary_row AS (user_id uuid, today_journal_entries bigint,
    upcoming_tasks bigint, today_events bigint, unread_emails bigint);
CREATE FUNCTION assistant_hub._dashboard_summary(uid uuid)
    RETURNS SETOF assistant_hub._dashboard_summary_row
    LANGUAGE c STABLE SECURITY INVOKER
    AS 'MODULE_PATHNAME', 'dashboard_summary';
COMMENT ON FUNCTION assistant_hub._dashboard_summary(uuid) IS
    'The body of dashboard_summary: _dashboard_summary_sql''s counts, read from the hub''s indexes when the caller is subject to no row-level security and the transaction is not SERIALIZABLE.';
REVOKE ALL ON FUNCTION assistant_hub._dashboard_summary(uuid) FROM PUBLIC;

CREATE FUNCTION assistant_hub._dashboard_summary_paths(OUT from_cache bigint, OUT from_indexes bigint,
                                                       OUT by_sql bigint)
    LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'dashboard_summary_paths';
COMMENT ON FUNCTION assistant_hub._dashboard_summary_paths() IS
    'How this session''s dashboard_summary reads were served: from the summary cache, counted from the indexes, or by _dashboard_summary_sql.';
REVOKE ALL ON FUNCTION assistant_hub._dashboard_summary_paths() FROM PUBLIC;

-- No SET search_path here, so that the planner inlines this call into the caller's query (a SET
-- clause forbids it, and then every statement plans the body again, a quarter of a read's time).
-- Safe all the same: the body names one schema-qualified function of an exact argument type and
-- no operator; _dashboard_summary names its relations by schema and OID.
CREATE FUNCTION assistant_hub.dashboard_summary(user_id uuid)
    RETURNS TABLE(user_id uuid, today_journal_entries bigint, upcoming_tasks bigint,
                  today_events bigint, unread_emails bigint)
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$ SELECT * FROM assistant_hub._dashboard_summary($1) $$;
COMMENT ON FUNCTION assistant_hub.dashboard_summary(uuid) IS
    'A user''s dashboard counts: journal entries today, pending tasks due within 7 days (or overdue), confirmed events in the next 24 hours, unread email threads; today in the user''s time zone.';
REVOKE ALL ON FUNCTION assistant_hub.dashboard_summary(uuid) FROM PUBLIC;

-- The seed's 1.2 mood trend. Its rolling averages stopped at from_day; here they also see the 30
-- days before it, so the first days of the range are not averages of a handful of entries.
CREATE FUNCTION assistant_hub.mood_trend(user_id uuid, from_day date, to_day date)
    RETURNS TABLE(entry_date date, mood_score smallint, rolling_avg_7d numeric,
                  rolling_avg_30d numeric, mood_trend text)
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM assistant_hub._require($1, 'user_id', 'mood_trend');
    PERFORM assistant_hub._require($2, 'from_day', 'mood_trend');
    PERFORM assistant_hub._require($3, 'to_day', 'mood_trend');
    IF $2 > $3 THEN
        RAISE EXCEPTION 'mood_trend: from_day % is after to_day %', $2, $3
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    SELECT r.entry_date, r.mood_score, r.rolling_avg_7d, r.rolling_avg_30d,
           CASE WHEN r.mood_score > r.rolling_avg_7d THEN 'above_average'
                WHEN r.mood_score < r.rolling_avg_7d THEN 'below_average'
                ELSE 'average' END
    FROM (SELECT j.entry_date, j.mood_score,
                 avg(j.mood_score) OVER (ORDER BY j.entry_date
                     RANGE BETWEEN interval '7 days' PRECEDING AND CURRENT ROW) AS rolling_avg_7d,
                 avg(j.mood_score) OVER (ORDER BY j.entry_date
                     RANGE BETWEEN interval '30 days' PRECEDING AND CURRENT ROW) AS rolling_avg_30d
          FROM hub.journal_entries j
          WHERE j.user_id = $1 AND j.entry_date >= $2 - 30 AND j.entry_date <= $3
            AND j.mood_score IS NOT NULL) r
    WHERE r.entry_date >= $2
    ORDER BY r.entry_date DESC;
END $$;
COMMENT ON FUNCTION assistant_hub.mood_trend(uuid, date, date) IS
    'A user''s journal moods from from_day to to_day (newest first) with 7- and 30-day rolling averages and whether each is above or below the 7-day average.';
REVOKE ALL ON FUNCTION assistant_hub.mood_trend(uuid, date, date) FROM PUBLIC;

-- The seed's 1.3 task analytics, fixed (it grouped by week without user_id): the 12 most recent
-- weeks since since, weeks in the user's time zone, previous_week_rate from the week before each
-- even when that one is older than the 12.
CREATE FUNCTION assistant_hub.task_completion_weekly(user_id uuid, since timestamptz)
    RETURNS TABLE(week_start date, week_end date, tasks_created bigint, tasks_completed bigint,
                  completion_rate numeric, avg_completion_time numeric,
                  high_priority_completed bigint, previous_week_rate numeric, rate_change numeric)
    LANGUAGE plpgsql STABLE SECURITY INVOKER
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    PERFORM assistant_hub._require($1, 'user_id', 'task_completion_weekly');
    PERFORM assistant_hub._require($2, 'since', 'task_completion_weekly');
    RETURN QUERY
    WITH task_periods AS (
        SELECT date_trunc('week', t.created_at AT TIME ZONE u.timezone)::date AS week_start,
               count(*) AS tasks_created,
               count(*) FILTER (WHERE t.status = 'completed') AS tasks_completed,
               avg(t.actual_duration) FILTER (WHERE t.status = 'completed') AS avg_completion_time,
               count(*) FILTER (WHERE t.priority <= 2 AND t.status = 'completed') AS high_priority_completed
        FROM hub.users u
        JOIN hub.tasks t ON t.user_id = u.id
        WHERE u.id = $1 AND t.created_at >= $2
        GROUP BY 1
    ),
    rates AS (
        SELECT p.*, round(p.tasks_completed::numeric / p.tasks_created * 100, 2) AS completion_rate
        FROM task_periods p
    )
    SELECT r.week_start, r.week_start + 6, r.tasks_created, r.tasks_completed, r.completion_rate,
           r.avg_completion_time, r.high_priority_completed,
           lag(r.completion_rate) OVER w,
           coalesce(r.completion_rate - lag(r.completion_rate) OVER w, 0)
    FROM rates r
    WINDOW w AS (ORDER BY r.week_start)
    ORDER BY r.week_start DESC
    LIMIT 12;
END $$;
COMMENT ON FUNCTION assistant_hub.task_completion_weekly(uuid, timestamptz) IS
    'A user''s tasks by creation week (12 most recent weeks since since, in the user''s time zone): created, completed, completion rate, average actual duration, high-priority completions, change over the previous week.';
REVOKE ALL ON FUNCTION assistant_hub.task_completion_weekly(uuid, timestamptz) FROM PUBLIC;
