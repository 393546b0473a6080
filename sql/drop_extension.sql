-- DROP EXTENSION ... CASCADE leaves every hub row in place; the extension can be created again.
-- Earlier tests empty some tables (TRUNCATE, cleanup jobs): give every table rows of its own.
SELECT assistant_hub.generate_demo_data(3, 5);
CREATE TEMP TABLE rows_before AS
SELECT t AS table_name, (xpath('/row/c/text()',
        query_to_xml(format('SELECT count(*) AS c FROM hub.%I', t), false, true, '')))[1]::text::bigint AS n
FROM assistant_hub.hub_tables() AS t;
-- A one-user dashboard read in this session first: the relations it found (kept per backend) must
-- be forgotten with the extension.
SELECT user_id AS reader FROM assistant_hub.dashboard_metrics ORDER BY user_id LIMIT 1 \gset
SELECT count(*) > 0 AS reader_rows FROM assistant_hub.dashboard_metrics WHERE user_id = :'reader';
-- (CASCADE also drops the metric triggers on the hub tables: too many to list.)
SET client_min_messages = warning;
DROP EXTENSION assistant_hub CASCADE;
RESET client_min_messages;
SELECT count(*) AS extension_functions_left FROM pg_proc WHERE proname = 'create_hub_schema';
SELECT b.table_name, b.n > 0 AS had_rows,
       b.n = (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM hub.%I', b.table_name),
                                                   false, true, '')))[1]::text::bigint AS rows_kept
FROM rows_before b ORDER BY b.table_name;
CREATE EXTENSION assistant_hub;
SELECT assistant_hub.create_hub_schema();
-- The same read, on the new extension's relations.
SELECT count(*) > 0 AS reader_rows_again FROM assistant_hub.dashboard_metrics WHERE user_id = :'reader';
