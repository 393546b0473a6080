-- assistant_hub install script, assembled from src/sql/*.sql in file-name order.
\echo Use "CREATE EXTENSION assistant_hub" to load this file. \quit

-- Core: version and the C++/PostgreSQL boundary self-test.

CREATE FUNCTION assistant_hub.version() RETURNS text
    LANGUAGE c STRICT IMMUTABLE PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'version';
COMMENT ON FUNCTION assistant_hub.version() IS 'Version of the loaded assistant_hub library.';

CREATE FUNCTION assistant_hub.boundary_selftest(kind text) RETURNS bigint
    LANGUAGE c STRICT VOLATILE
    AS 'MODULE_PATHNAME', 'boundary_selftest';
COMMENT ON FUNCTION assistant_hub.boundary_selftest(text) IS
    'Raises an error of the given kind deep inside C++ code (ok, cpp_error, pg_error, bad_alloc, std_error, container, destructors); for tests of the error boundary.';
REVOKE ALL ON FUNCTION assistant_hub.boundary_selftest(text) FROM PUBLIC;

-- Raises a NULL-argument error naming the argument; STRICT would silently return NULL instead.
CREATE FUNCTION assistant_hub._require(val anyelement, arg_name text, func_name text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF val IS NULL THEN
        RAISE EXCEPTION '%: argument "%" must not be null', func_name, arg_name
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
END $$;
REVOKE ALL ON FUNCTION assistant_hub._require(anyelement, text, text) FROM PUBLIC;
