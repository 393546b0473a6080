-- Bad-input sweep: every function in schema assistant_hub (read from the catalog, so a new one
-- cannot be forgotten) is called with NULLs, empty strings, huge and negative numbers, far-away
-- dates and hostile names. Each call either works or fails with a message and a SQLSTATE other
-- than XX000 (internal error); the server stays up; the hub data is unchanged.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
-- Maintenance-like functions may legitimately clean data on their first call: settle it first.
SELECT assistant_hub.create_hub_schema();
-- run_maintenance() removes expired cache entries: remove now those that expire during the sweep.
DELETE FROM hub.cache_entries WHERE expires_at < now() + interval '10 minutes';

CREATE FUNCTION pg_temp.hub_checksum() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t name;
    sums text := '';
    s text;
BEGIN
    FOR t IN SELECT * FROM assistant_hub.hub_tables() LOOP
        EXECUTE format('SELECT md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) FROM hub.%I x',
                       ',', '', t) INTO s;
        sums := sums || t || ':' || s || ';';
    END LOOP;
    RETURN md5(sums);
END $$;

-- Values per argument type; every call uses the i-th value of each argument's list (the lists
-- cycle), so each value meets each function at least once.
CREATE TEMP TABLE sweep_values (type regtype, i int, literal text);
INSERT INTO sweep_values
SELECT t::regtype, ord, v FROM (VALUES
    ('integer', ARRAY['NULL', '0', '-1', '2147483647', '-2147483648']),
    ('bigint', ARRAY['NULL', '0', '-1', '9223372036854775807', '-9223372036854775808']),
    ('smallint', ARRAY['NULL', '0', '-1', '32767', '-32768']),
    ('double precision', ARRAY['NULL', '0', '-1', '1e308', '''NaN''', '''-Infinity''']),
    ('numeric', ARRAY['NULL', '0', '-1', '1e100', '''NaN''', '-1e100']),
    ('boolean', ARRAY['NULL', 'true', 'false']),
    ('text', ARRAY['NULL', '''''', '''x; drop table hub.users''', 'repeat(''x'', 100000)', '''"weird"''''name''', '''hub.users''']),
    ('name', ARRAY['NULL', '''''', '''x; drop table hub.users''', '''"weird"''''name''', '''user_id''', '''id''']),
    ('regclass', ARRAY['NULL', '''hub.users''', '''pg_catalog.pg_class''', '''hub.activity_logs''', '''hub.journal_entries''', '''assistant_hub.app_privileges''']),
    ('regrole', ARRAY['NULL', '''pg_monitor''']),
    ('interval', ARRAY['NULL', '''0''', '''-1 day''', '''1000000 years''', '''1 microsecond''', '''-178000000 years''']),
    ('date', ARRAY['NULL', '''infinity''', '''-infinity''', '''4713-01-01 BC''', '''5874897-12-31''', '''2000-02-29''']),
    ('timestamp with time zone', ARRAY['NULL', '''infinity''', '''-infinity''', '''4713-01-01 00:00 BC''', '''294276-12-31 23:59''', '''2000-02-29 12:00''']),
    ('timestamp without time zone', ARRAY['NULL', '''infinity''', '''-infinity''', '''4713-01-01 00:00 BC''', '''294276-12-31 23:59''', '''2000-02-29 12:00''']),
    ('uuid', ARRAY['NULL', '''00000000-0000-0000-0000-000000000000''', '''ffffffff-ffff-ffff-ffff-ffffffffffff''']),
    ('jsonb', ARRAY['NULL', '''{}''', '''[]''', '''"x; drop table hub.users"''']),
    ('text[]', ARRAY['NULL', '''{}''', '''{NULL}''', '''{"x; drop table hub.users"}'''])
) AS v(t, vals), unnest(vals) WITH ORDINALITY AS u(v, ord);

CREATE TEMP TABLE sweep_results (fn regprocedure, call text, outcome text);
SELECT pg_temp.hub_checksum() AS checksum_before \gset

DO $sweep$
DECLARE
    f record;
    round int;
    args text;
    call text;
    state text;
    message text;
BEGIN
    FOR f IN
        SELECT p.oid, p.oid::regprocedure AS sig, p.proname, p.prokind, p.proretset,
               p.proargtypes::regtype[] AS types, p.pronargs
        FROM pg_proc p
        WHERE p.pronamespace = 'assistant_hub'::regnamespace
          AND p.prokind IN ('f', 'p')
          AND p.prorettype <> 'trigger'::regtype
          AND p.proname NOT LIKE 'pg\_%'
        ORDER BY p.proname, p.oid
    LOOP
        FOR round IN 1..6 LOOP
            IF f.pronargs = 0 AND round > 1 THEN EXIT; END IF;
            SELECT string_agg(
                       coalesce((SELECT '(' || v.literal || ')::' || t::text FROM sweep_values v
                                 WHERE v.type = t AND v.i = 1 + (round - 1) % (SELECT max(w.i) FROM sweep_values w WHERE w.type = t)),
                                'NULL::' || t::text), ', ' ORDER BY n)
              INTO args
              FROM unnest(f.types) WITH ORDINALITY AS a(t, n);
            call := CASE WHEN f.prokind = 'p' THEN format('CALL %s(%s)', f.oid::regproc, coalesce(args, ''))
                         WHEN f.proretset THEN format('SELECT count(*) FROM %s(%s)', f.oid::regproc, coalesce(args, ''))
                         ELSE format('SELECT %s(%s)', f.oid::regproc, coalesce(args, '')) END;
            BEGIN
                EXECUTE call;
                INSERT INTO sweep_results VALUES (f.sig, call, 'ok');
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
                INSERT INTO sweep_results VALUES (f.sig, call, state || ' ' || message);
            END;
        END LOOP;
    END LOOP;
END $sweep$;

RESET client_min_messages;
-- Every function was called.
SELECT count(DISTINCT p.oid) = (SELECT count(DISTINCT fn) FROM sweep_results) AS every_function_called
FROM pg_proc p WHERE p.pronamespace = 'assistant_hub'::regnamespace AND p.prokind IN ('f', 'p')
  AND p.prorettype <> 'trigger'::regtype AND p.proname NOT LIKE 'pg\_%';
SELECT count(*) > 0 AS some_calls_failed_cleanly FROM sweep_results WHERE outcome <> 'ok';
-- Internal errors, and errors without a message: none (each would be listed).
SELECT fn, call, outcome FROM sweep_results
WHERE outcome LIKE 'XX%' OR outcome ~ '^[0-9A-Z]{5} ?$'
   -- boundary_selftest raises XX000 for its 'std_error' kind on purpose; no sweep value is that.
ORDER BY 1, 2;
-- The hub data is unchanged.
SELECT pg_temp.hub_checksum() = :'checksum_before' AS hub_data_unchanged;
