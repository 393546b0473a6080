-- Partition manager: time and hash partition sets, premake, retention, default-partition rescue,
-- lock-safe maintenance and online conversion of a plain table (src/partition/).

-- The registered partition sets. pg_dump keeps the rows (the parents are dumped first).
CREATE TABLE assistant_hub.partition_sets (
    parent            regclass    PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('time', 'hash')),
    control           name        NOT NULL,
    step              interval    CHECK (step > interval '0'),
    premake           integer     CHECK (premake >= 0),
    retain            interval    CHECK (retain > interval '0'),
    retain_keep_table boolean     NOT NULL DEFAULT false,
    time_zone         text,
    partitions        integer     CHECK (partitions >= 1),
    default_partition boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'hash' OR (step IS NOT NULL AND premake IS NOT NULL AND time_zone IS NOT NULL)),
    CHECK (kind = 'time' OR partitions IS NOT NULL)
);
COMMENT ON TABLE assistant_hub.partition_sets IS
    'Partition sets kept by assistant_hub: time sets (step, premake, retention, time zone the steps are aligned in) and hash sets.';
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.partition_sets', '');

CREATE FUNCTION assistant_hub.partition_by_time(
        parent regclass, control name, step interval DEFAULT '1 month', premake integer DEFAULT 12,
        retain interval DEFAULT NULL, default_partition boolean DEFAULT false,
        retain_keep_table boolean DEFAULT false)
    RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'partition_by_time';
COMMENT ON FUNCTION assistant_hub.partition_by_time(regclass, name, interval, integer, interval, boolean, boolean) IS
    'Registers a PARTITION BY RANGE table as a time partition set and creates its partitions, aligned to step, from its oldest row through premake steps ahead; returns how many it created.';

CREATE FUNCTION assistant_hub.partition_by_hash(parent regclass, control name, partitions integer DEFAULT 8)
    RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'partition_by_hash';
COMMENT ON FUNCTION assistant_hub.partition_by_hash(regclass, name, integer) IS
    'Registers a PARTITION BY HASH table as a hash partition set and creates its partitions; returns how many it created.';

CREATE FUNCTION assistant_hub.create_partitions_for_range(parent regclass, from_value anyelement, to_value anyelement)
    RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'create_partitions_for_range';
COMMENT ON FUNCTION assistant_hub.create_partitions_for_range(regclass, anyelement, anyelement) IS
    'Creates the partitions a time partition set needs to hold rows from from_value through to_value (e.g. before loading history); returns how many it created.';

CREATE FUNCTION assistant_hub.run_partition_maintenance(parent regclass DEFAULT NULL)
    RETURNS TABLE (parent regclass, action text, partition text, detail text)
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'run_partition_maintenance';
COMMENT ON FUNCTION assistant_hub.run_partition_maintenance(regclass) IS
    'Premakes partitions, moves rows out of default partitions and applies retention for every partition set (or one); one row per action, skipped steps with the reason.';

-- A bound from pg_get_expr, unquoted: '2026-11-01' becomes 2026-11-01; MINVALUE stays.
CREATE FUNCTION assistant_hub._bound_value(bound text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT CASE WHEN bound ~ '^''.*''$' THEN replace(substr(bound, 2, length(bound) - 2), '''''', '''')
            ELSE bound END
$$;

CREATE FUNCTION assistant_hub.partitions(parent regclass)
    RETURNS TABLE (partition regclass, lower_bound text, upper_bound text, rows bigint, bytes bigint,
                   is_default boolean)
    LANGUAGE sql STABLE STRICT
    SET search_path = pg_catalog, pg_temp
    SET datestyle = 'ISO, YMD'
    AS $$
SELECT c.oid::regclass,
       CASE WHEN r.m IS NOT NULL THEN assistant_hub._bound_value(r.m[1])
            WHEN h.m IS NOT NULL THEN 'modulus ' || h.m[1] || ', remainder ' || h.m[2] END,
       assistant_hub._bound_value(r.m[2]),
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END,
       pg_total_relation_size(c.oid),
       b.expr = 'DEFAULT'
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
LEFT JOIN LATERAL (SELECT regexp_match(b.expr, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m) r ON r.m IS NOT NULL
LEFT JOIN LATERAL (SELECT regexp_match(b.expr, '^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$') AS m) h ON h.m IS NOT NULL
WHERE i.inhparent = $1 AND c.relispartition
ORDER BY b.expr = 'DEFAULT', h.m[2]::int, r.m[1] <> 'MINVALUE', length(r.m[1]), r.m[1], c.relname
$$;
COMMENT ON FUNCTION assistant_hub.partitions(regclass) IS
    'The partitions of a partitioned table in bound order: bounds (dates in ISO style), estimated rows, total bytes, default flag.';

REVOKE ALL ON FUNCTION assistant_hub.partition_by_time(regclass, name, interval, integer, interval, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub.partition_by_hash(regclass, name, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub.create_partitions_for_range(regclass, anyelement, anyelement) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub.run_partition_maintenance(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub.partitions(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION assistant_hub._bound_value(text) FROM PUBLIC;

-- Conversions of plain tables in progress (or done): the phase reached, so an interrupted
-- conversion resumes where it stopped.
CREATE TABLE assistant_hub.partition_conversions (
    table_schema   name        NOT NULL,
    table_name     name        NOT NULL,
    control        name        NOT NULL,
    step           interval    NOT NULL,
    phase          text        NOT NULL CHECK (phase IN ('check_added', 'validated', 'swapped', 'done')),
    bound          text        NOT NULL,
    rows_converted bigint,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_schema, table_name)
);
COMMENT ON TABLE assistant_hub.partition_conversions IS
    'Online conversions of plain tables by convert_to_partitioned(): the phase each reached and the bound of its history partition.';
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.partition_conversions', '');

CREATE FUNCTION assistant_hub.convert_to_partitioned(tbl regclass, control name, step interval DEFAULT '1 month',
                                                     batch_rows integer DEFAULT 10000)
    RETURNS bigint
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'convert_to_partitioned';
COMMENT ON FUNCTION assistant_hub.convert_to_partitioned(regclass, name, interval, integer) IS
    'Turns a live plain table into a range-partitioned table of the same name without copying it: the old table becomes its history partition; indexes, keys, triggers, policies, grants and dependent views are kept. Resumes an interrupted conversion. Returns the rows the history partition holds. batch_rows must be positive; no rows are copied, so there are no batches.';
REVOKE ALL ON FUNCTION assistant_hub.convert_to_partitioned(regclass, name, interval, integer) FROM PUBLIC;

CREATE FUNCTION assistant_hub.split_hash_partitions(parent regclass) RETURNS integer
    LANGUAGE c VOLATILE
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'split_hash_partitions';
COMMENT ON FUNCTION assistant_hub.split_hash_partitions(regclass) IS
    'Doubles the partitions of a hash partition set, moving each partition''s rows into its two halves; locks the set for the copy. Returns the new number of partitions.';
REVOKE ALL ON FUNCTION assistant_hub.split_hash_partitions(regclass) FROM PUBLIC;

CREATE PROCEDURE assistant_hub.partition_maintenance(parent regclass DEFAULT NULL)
    LANGUAGE c
    AS 'MODULE_PATHNAME', 'partition_maintenance';
COMMENT ON PROCEDURE assistant_hub.partition_maintenance(regclass) IS
    'run_partition_maintenance() for scheduled jobs: commits after every step (outside a transaction block), so no step''s locks outlive it; reports each action as a NOTICE, skipped steps as WARNINGs.';
REVOKE ALL ON PROCEDURE assistant_hub.partition_maintenance(regclass) FROM PUBLIC;
