-- Maintenance and scheduling: run_maintenance() (C++, src/maintenance/), its log, the retention
-- cleanup procedure, and the pg_cron jobs that run them. pg_cron is optional at install time:
-- nothing here references its tables outside function bodies, and schedule_jobs() says how to
-- install it when it is missing.

CREATE TABLE assistant_hub.maintenance_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at   timestamptz      NOT NULL,
    finished_at  timestamptz      NOT NULL,
    status       text             NOT NULL CHECK (status IN ('ok', 'partial', 'already running')),
    duration_ms  double precision NOT NULL,
    report       jsonb            NOT NULL
);
CREATE INDEX maintenance_log_started_at ON assistant_hub.maintenance_log (started_at);
COMMENT ON TABLE assistant_hub.maintenance_log IS
    'One row per run_maintenance() call: its status, duration and jsonb report. Kept 90 days.';
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.maintenance_log', '');
SELECT pg_catalog.pg_extension_config_dump('assistant_hub.maintenance_log_id_seq', '');
REVOKE ALL ON assistant_hub.maintenance_log FROM PUBLIC;

CREATE FUNCTION assistant_hub.run_maintenance() RETURNS jsonb
    LANGUAGE c VOLATILE
    -- No step waits long for a lock: a busy table fails its step, and the next run retries it.
    SET lock_timeout = '2s'
    SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'run_maintenance';
COMMENT ON FUNCTION assistant_hub.run_maintenance() IS
    'Partition maintenance, metric consolidation, slow-query flush, retention cleanup (activity_logs > 1 year, expired cache_entries, query_performance_log > 90 days) in bounded batches, and ANALYZE of changed tables; each step in its own subtransaction. Returns a jsonb report, also recorded in assistant_hub.maintenance_log. Refuses on a hot standby; a second concurrent call reports "already running".';
REVOKE ALL ON FUNCTION assistant_hub.run_maintenance() FROM PUBLIC;

-- A C procedure: it commits between rounds, and a procedure that commits cannot have a SET
-- clause (the C code qualifies every name instead).
CREATE PROCEDURE assistant_hub.run_cleanup(max_rounds integer DEFAULT 10000)
    LANGUAGE c
    AS 'MODULE_PATHNAME', 'run_cleanup';
COMMENT ON PROCEDURE assistant_hub.run_cleanup(integer) IS
    'Retention cleanup until nothing expired is left, committing after each bounded round of maintenance_max_batches batches per table (CALL it outside a transaction block; the daily pg_cron job does).';
REVOKE ALL ON PROCEDURE assistant_hub.run_cleanup(integer) FROM PUBLIC;

-- pg_cron present, and new enough for schedule_in_database, or a clear error.
CREATE FUNCTION assistant_hub._require_pg_cron() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    cron_db text := pg_catalog.current_setting('cron.database_name', true);
BEGIN
    IF cron_db IS NOT NULL AND cron_db <> pg_catalog.current_database()
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron keeps its jobs in database %, not in %', cron_db, pg_catalog.current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Connect to %s (CREATE EXTENSION assistant_hub there too) and run SELECT assistant_hub.schedule_jobs(%L).',
                                           cron_db, pg_catalog.current_database());
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database %', pg_catalog.current_database()
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'assistant_hub schedules its jobs with pg_cron (1.4 or later).',
                  HINT = 'Install it (Debian: apt-get install postgresql-15-cron), set shared_preload_libraries = ''pg_cron,assistant_hub'', cron.database_name = '''
                         || pg_catalog.current_database()
                         || ''' and cron.use_background_workers = on, restart the server, then CREATE EXTENSION pg_cron.';
    END IF;
    IF pg_catalog.to_regprocedure('cron.schedule_in_database(text,text,text,text,text,boolean)') IS NULL THEN
        RAISE EXCEPTION 'pg_cron % is too old: cron.schedule_in_database is missing',
                (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_cron')
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'ALTER EXTENSION pg_cron UPDATE (1.4 or later is needed).';
    END IF;
END $$;
REVOKE ALL ON FUNCTION assistant_hub._require_pg_cron() FROM PUBLIC;

-- Our jobs. VACUUM and REINDEX CONCURRENTLY cannot run inside a function or a transaction block:
-- each is a job command of its own, which pg_cron runs as a top-level statement. The job history
-- lives in the pg_cron database, so its pruning job runs there.
CREATE FUNCTION assistant_hub.job_definitions(database name)
    RETURNS TABLE (jobname text, schedule text, command text, database text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
SELECT d.jobname, d.schedule, d.command, COALESCE(d.db, database)::text
FROM (VALUES
    ('assistant_hub:maintenance', '*/5 * * * *', 'SELECT assistant_hub.run_maintenance()', NULL::name),
    ('assistant_hub:slow-query-flush', '* * * * *', 'SELECT assistant_hub.flush_slow_queries()', NULL),
    ('assistant_hub:performance-snapshot', '*/5 * * * *', 'SELECT assistant_hub.record_performance_snapshot()', NULL),
    ('assistant_hub:cleanup', '0 2 * * *', 'CALL assistant_hub.run_cleanup()', NULL),
    ('assistant_hub:vacuum', '0 3 * * 0',
        'VACUUM (ANALYZE) ' || (SELECT string_agg(format('hub.%I', t), ', ' ORDER BY o)
                                FROM assistant_hub.hub_tables() WITH ORDINALITY AS h(t, o)), NULL),
    ('assistant_hub:reindex', '0 4 1 * *', 'REINDEX SCHEMA CONCURRENTLY hub', NULL),
    ('assistant_hub:prune-job-history', '30 3 * * *',
        'DELETE FROM cron.job_run_details WHERE end_time < now() - interval ''14 days''',
        current_database()::name)
) AS d(jobname, schedule, command, db)
$$;
COMMENT ON FUNCTION assistant_hub.job_definitions(name) IS
    'The pg_cron jobs schedule_jobs() creates for a database: name, schedule, command, database.';
REVOKE ALL ON FUNCTION assistant_hub.job_definitions(name) FROM PUBLIC;

CREATE FUNCTION assistant_hub.schedule_jobs(database name DEFAULT pg_catalog.current_database())
    RETURNS TABLE (jobname text, schedule text, command text)
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    d record;
    j record;
BEGIN
    PERFORM assistant_hub._require(schedule_jobs.database, 'database', 'schedule_jobs');
    PERFORM assistant_hub._require_pg_cron();
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = schedule_jobs.database) THEN
        RAISE EXCEPTION 'database "%" does not exist', schedule_jobs.database
            USING ERRCODE = 'invalid_catalog_name',
                  HINT = 'Pass the database where assistant_hub is installed; the default is the current one.';
    END IF;
    -- Two sessions scheduling at once: the second waits, then finds the jobs in place.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('assistant_hub.schedule_jobs'));

    FOR d IN SELECT * FROM assistant_hub.job_definitions(schedule_jobs.database) LOOP
        SELECT cj.jobid, cj.schedule, cj.command, cj.database INTO j
        FROM cron.job cj WHERE cj.jobname = d.jobname AND cj.username = current_user;
        IF NOT FOUND THEN
            PERFORM cron.schedule_in_database(d.jobname, d.schedule, d.command, d.database);
        ELSIF (j.schedule, j.command, j.database) IS DISTINCT FROM (d.schedule, d.command, d.database) THEN
            PERFORM cron.alter_job(j.jobid, schedule => d.schedule, command => d.command,
                                   database => d.database);
        END IF;
    END LOOP;
    -- Jobs of ours that this version no longer defines.
    PERFORM cron.unschedule(cj.jobid) FROM cron.job cj
    WHERE cj.jobname LIKE 'assistant\_hub:%' AND cj.username = current_user
      AND cj.jobname NOT IN (SELECT jd.jobname FROM assistant_hub.job_definitions(schedule_jobs.database) jd);

    RETURN QUERY SELECT cj.jobname::text, cj.schedule, cj.command FROM cron.job cj
    WHERE cj.jobname LIKE 'assistant\_hub:%' AND cj.username = current_user ORDER BY cj.jobname;
END $$;
COMMENT ON FUNCTION assistant_hub.schedule_jobs(name) IS
    'Creates or updates the pg_cron jobs named assistant_hub:* (maintenance, slow-query flush, performance snapshot, daily cleanup, weekly VACUUM (ANALYZE), monthly REINDEX CONCURRENTLY, job-history pruning) to run in the given database. Idempotent. Needs pg_cron.';
REVOKE ALL ON FUNCTION assistant_hub.schedule_jobs(name) FROM PUBLIC;

CREATE FUNCTION assistant_hub.unschedule_jobs() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    removed integer := 0;
    id bigint;
BEGIN
    PERFORM assistant_hub._require_pg_cron();
    FOR id IN SELECT cj.jobid FROM cron.job cj WHERE cj.jobname LIKE 'assistant\_hub:%' ORDER BY cj.jobid LOOP
        PERFORM cron.unschedule(id);
        removed := removed + 1;
    END LOOP;
    IF removed = 0 THEN
        RAISE NOTICE 'no assistant_hub jobs are scheduled; nothing was removed';
    END IF;
    RETURN removed;
END $$;
COMMENT ON FUNCTION assistant_hub.unschedule_jobs() IS
    'Removes the pg_cron jobs named assistant_hub:* (and no other job); returns how many.';
REVOKE ALL ON FUNCTION assistant_hub.unschedule_jobs() FROM PUBLIC;

-- Behind the jobs view: empty while pg_cron is not installed (a view cannot name cron.job then).
CREATE FUNCTION assistant_hub._jobs()
    RETURNS TABLE (jobid bigint, jobname text, schedule text, command text, database text,
                   active boolean, last_run_start timestamptz, last_run_status text,
                   last_run_duration interval, last_run_message text, runs bigint)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT j.jobid, j.jobname::text, j.schedule, j.command, j.database, j.active,
           r.start_time, r.status, r.end_time - r.start_time, r.return_message,
           (SELECT count(*) FROM cron.job_run_details c WHERE c.jobid = j.jobid)
    FROM cron.job j
    LEFT JOIN LATERAL (SELECT d.start_time, d.end_time, d.status, d.return_message
                       FROM cron.job_run_details d WHERE d.jobid = j.jobid
                       ORDER BY d.runid DESC LIMIT 1) r ON true
    WHERE j.jobname LIKE 'assistant\_hub:%'
    ORDER BY j.jobname;
END $$;
REVOKE ALL ON FUNCTION assistant_hub._jobs() FROM PUBLIC;

CREATE VIEW assistant_hub.jobs AS SELECT * FROM assistant_hub._jobs();
COMMENT ON VIEW assistant_hub.jobs IS
    'The assistant_hub:* pg_cron jobs with their last run (start, status, duration, message) from cron.job_run_details.';
REVOKE ALL ON assistant_hub.jobs FROM PUBLIC;
