-- schedule_jobs(), unschedule_jobs() and the jobs view, with pg_cron (preloaded in this instance,
-- cron.database_name = contrib_regression, cron.use_background_workers = on); and proof that a
-- scheduled job really runs and does its work.

-- Without the pg_cron extension: a clear error saying how to get it; the view is empty.
SELECT * FROM assistant_hub.schedule_jobs();
SELECT assistant_hub.unschedule_jobs();
SELECT count(*) AS jobs FROM assistant_hub.jobs;

-- Called in another database than pg_cron's: where to go instead.
CREATE DATABASE maintenance_other;
\c maintenance_other
SET client_min_messages = warning;
CREATE EXTENSION assistant_hub;
RESET client_min_messages;
SELECT * FROM assistant_hub.schedule_jobs();
\c contrib_regression

CREATE EXTENSION pg_cron;
-- Nothing scheduled yet: a NOTICE, nothing removed.
SELECT assistant_hub.unschedule_jobs() AS removed;
-- A job that is not ours, which nothing here may touch.
SELECT cron.schedule('someone-elses-job', '0 0 1 1 *', 'SELECT 1') > 0 AS other_job_scheduled;

SELECT * FROM assistant_hub.schedule_jobs();
SELECT jobname, database = current_database() AS in_this_database, active
FROM cron.job ORDER BY jobname;
-- A second call changes nothing: same jobs, same ids.
CREATE TEMP TABLE jobs_before AS SELECT jobid, jobname, schedule, command, database FROM cron.job;
SELECT count(*) AS jobs FROM assistant_hub.schedule_jobs();
SELECT count(*) AS changed FROM (
    (SELECT jobid, jobname, schedule, command, database FROM cron.job
     EXCEPT SELECT * FROM jobs_before)
    UNION ALL
    (SELECT * FROM jobs_before
     EXCEPT SELECT jobid, jobname, schedule, command, database FROM cron.job)) d;
-- Jobs for another database run there, but for the history pruning, which stays with pg_cron's
-- own tables; scheduling for this database again moves them back, keeping their ids.
SELECT count(*) AS jobs FROM assistant_hub.schedule_jobs('maintenance_other');
SELECT jobname, database FROM cron.job WHERE jobname LIKE 'assistant\_hub:%' ORDER BY jobname;
SELECT count(*) AS jobs FROM assistant_hub.schedule_jobs();
SELECT count(*) AS changed FROM (SELECT jobid, jobname, schedule, command, database FROM cron.job
                                 EXCEPT SELECT * FROM jobs_before) d;
DROP DATABASE maintenance_other;
-- A job changed by hand is put back.
SELECT cron.alter_job(jobid, schedule => '0 0 * * *') FROM cron.job WHERE jobname = 'assistant_hub:reindex';
SELECT jobname, schedule FROM assistant_hub.schedule_jobs() WHERE jobname = 'assistant_hub:reindex';

-- Bad input: a database that does not exist, NULL. Nothing changes.
\set VERBOSITY sqlstate
SELECT * FROM assistant_hub.schedule_jobs('no_such_database');
SELECT * FROM assistant_hub.schedule_jobs(NULL);
\set VERBOSITY default
SELECT * FROM assistant_hub.schedule_jobs('no_such_database');
SELECT count(*) AS changed FROM (SELECT jobid, jobname, schedule, command, database FROM cron.job
                                 EXCEPT SELECT * FROM jobs_before) d;

-- The jobs run. pg_cron 1.4 has no schedules under a minute: the maintenance, VACUUM and
-- history-pruning jobs are moved to every minute, and the test waits up to 90 s for the next
-- minute's runs. The maintenance job must remove an expired cache entry and log its run.
INSERT INTO hub.users (id, email) VALUES ('6d61696e-7400-4000-8000-0000000000c2', 'cron@example.com');
INSERT INTO hub.cache_entries (user_id, cache_key, value, expires_at)
VALUES ('6d61696e-7400-4000-8000-0000000000c2', 'expired', '{}', now() - interval '1 minute');
CREATE TEMP TABLE started AS SELECT clock_timestamp() AS at,
    (SELECT coalesce(max(id), 0) FROM assistant_hub.maintenance_log) AS last_log_id;
SELECT count(*) AS moved FROM (
    SELECT cron.alter_job(jobid, schedule => '* * * * *') FROM cron.job
    WHERE jobname IN ('assistant_hub:maintenance', 'assistant_hub:vacuum',
                      'assistant_hub:prune-job-history')) a;
-- Polls in short transactions, so that no snapshot of this session holds up the jobs.
CREATE PROCEDURE pg_temp.wait_for_runs(names text[], timeout interval) LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + timeout;
    done int;
BEGIN
    LOOP
        SELECT count(*) INTO done FROM cron.job j
        WHERE j.jobname = ANY (names)
          AND EXISTS (SELECT 1 FROM cron.job_run_details d
                      WHERE d.jobid = j.jobid AND d.status IN ('succeeded', 'failed')
                        AND d.start_time >= (SELECT at FROM started));
        COMMIT;
        EXIT WHEN done = cardinality(names) OR clock_timestamp() > deadline;
        PERFORM pg_sleep(1);
    END LOOP;
END $$;
CALL pg_temp.wait_for_runs('{assistant_hub:maintenance,assistant_hub:vacuum,assistant_hub:prune-job-history}',
                           interval '90 seconds');
SELECT jobname, last_run_status, last_run_message, last_run_duration >= interval '0' AS has_duration, runs >= 1 AS ran
FROM assistant_hub.jobs
WHERE jobname IN ('assistant_hub:maintenance', 'assistant_hub:vacuum', 'assistant_hub:prune-job-history')
ORDER BY jobname;
-- The maintenance job did its work: the expired entry is gone and the run is in the log.
SELECT count(*) AS expired_entry_left FROM hub.cache_entries
WHERE user_id = '6d61696e-7400-4000-8000-0000000000c2';
SELECT count(*) >= 1 AS logged_runs FROM assistant_hub.maintenance_log
WHERE id > (SELECT last_log_id FROM started);
-- The jobs whose time has not come have no last run (unless the test met their minute: cleanup
-- at 02:00, reindex at 04:00 on the 1st, in pg_cron's zone, GMT).
SELECT jobname, last_run_status IS NULL
           OR to_char(last_run_start AT TIME ZONE 'GMT', 'HH24:MI')
              = CASE jobname WHEN 'assistant_hub:cleanup' THEN '02:00' ELSE '04:00' END AS not_run_yet
FROM assistant_hub.jobs
WHERE jobname IN ('assistant_hub:cleanup', 'assistant_hub:reindex') ORDER BY jobname;
-- The REINDEX job's command is one top-level statement (REINDEX CONCURRENTLY cannot run in a
-- function or a transaction block), as pg_cron runs it. It waits for every older transaction,
-- so it is run here, where this session is idle between statements, rather than by a polled job.
SELECT command AS reindex_command FROM cron.job WHERE jobname = 'assistant_hub:reindex' \gset
:reindex_command;
SELECT count(*) AS invalid_hub_indexes FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relnamespace = 'hub'::regnamespace AND NOT i.indisvalid;
DELETE FROM hub.users WHERE id = '6d61696e-7400-4000-8000-0000000000c2';

-- unschedule_jobs() removes exactly ours.
SELECT assistant_hub.unschedule_jobs() AS removed;
SELECT jobname FROM cron.job ORDER BY jobname;
SELECT assistant_hub.unschedule_jobs() AS removed_again;
SELECT cron.unschedule('someone-elses-job');
-- Only superusers (or roles granted them) may schedule.
SELECT has_function_privilege('public', 'assistant_hub.schedule_jobs(name)', 'EXECUTE') AS public_may_schedule,
       has_function_privilege('public', 'assistant_hub.unschedule_jobs()', 'EXECUTE') AS public_may_unschedule,
       has_table_privilege('public', 'assistant_hub.jobs', 'SELECT') AS public_may_read_jobs;
DROP EXTENSION pg_cron;
