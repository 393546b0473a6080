-- Without shared_preload_libraries (and without pg_cron): run_maintenance() still runs every
-- step it can and skips the slow-query flush with the reason; scheduling says how to get pg_cron.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS assistant_hub;
SELECT assistant_hub.create_hub_schema();
RESET client_min_messages;
SELECT s->>'step' AS step, s->>'status' AS status, left(s->>'reason', 60) AS reason
FROM jsonb_array_elements(assistant_hub.run_maintenance()->'steps') s;
SELECT status FROM assistant_hub.maintenance_log ORDER BY id DESC LIMIT 1;
SELECT * FROM assistant_hub.schedule_jobs();
SELECT count(*) AS jobs FROM assistant_hub.jobs;
