-- The C++/PostgreSQL error boundary: an error raised deep inside C++ frames surfaces as a normal
-- ERROR with its SQLSTATE, detail and hint; the destructors of the C++ frames ran; the session
-- stays usable and the next statement works.
\set SHOW_CONTEXT never
\i sql/include/try.sql

SELECT assistant_hub.boundary_selftest('destructors') AS before \gset
SELECT assistant_hub.boundary_selftest('ok');
-- A C++ exception carrying an SQLSTATE, with detail and hint.
SELECT assistant_hub.boundary_selftest('cpp_error');
SELECT 1 AS session_still_usable;
-- A PostgreSQL error (integer overflow) raised inside C++ code: rethrown intact.
SELECT assistant_hub.boundary_selftest('pg_error');
-- A failed allocation through the palloc allocator: out of memory, not a crash.
SELECT assistant_hub.boundary_selftest('bad_alloc');
-- Any other C++ exception: an internal error that names it.
SELECT assistant_hub.boundary_selftest('std_error');
-- Unknown kinds are bad input.
SELECT assistant_hub.boundary_selftest('no such kind');
SELECT assistant_hub.boundary_selftest(NULL) IS NULL AS strict_null;
-- Each kind's SQLSTATE, caught in PL/pgSQL (a subtransaction rolls back cleanly).
SELECT kind, pg_temp.try(format('SELECT assistant_hub.boundary_selftest(%L)', kind))
FROM unnest('{ok,cpp_error,pg_error,bad_alloc,std_error,container}'::text[]) AS kind;
-- Boost.Container flat_map in a memory context: sum of keys 1..10000.
SELECT assistant_hub.boundary_selftest('container');
-- Every frame's destructor ran: 4 frames per call (5 for pg_error) over the 13 calls since
-- :before was read, that call's own frames included.
SELECT assistant_hub.boundary_selftest('destructors') - :before AS destructor_runs;
-- An error inside a transaction: roll back to a savepoint and carry on.
BEGIN;
CREATE TEMP TABLE boundary_t (x int);
INSERT INTO boundary_t VALUES (1);
SAVEPOINT s;
SELECT assistant_hub.boundary_selftest('pg_error');
ROLLBACK TO SAVEPOINT s;
INSERT INTO boundary_t VALUES (2);
COMMIT;
SELECT * FROM boundary_t ORDER BY x;
