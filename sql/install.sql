-- Installing the extension: schema, version, settings, privileges.
CREATE EXTENSION assistant_hub;
SELECT extname, extversion, extrelocatable, extnamespace::regnamespace AS schema
FROM pg_extension WHERE extname = 'assistant_hub';
SELECT assistant_hub.version() = extversion AS version_matches_catalog
FROM pg_extension WHERE extname = 'assistant_hub';
-- The library is preloaded here.
SHOW shared_preload_libraries;
-- The GUC prefix is reserved: a misspelt setting is an error, not a silent placeholder.
SET assistant_hub.no_such_setting = 1;
-- assistant_hub.user_id takes a uuid or nothing.
SET assistant_hub.user_id = 'not-a-uuid';
SET assistant_hub.user_id = '7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2c';
SHOW assistant_hub.user_id;
RESET assistant_hub.user_id;
SHOW assistant_hub.user_id;
-- Nothing that writes or reveals data is executable by PUBLIC.
SELECT p.oid::regprocedure AS executable_by_public
FROM pg_proc p
WHERE p.pronamespace = 'assistant_hub'::regnamespace
  AND has_function_privilege('public', p.oid, 'EXECUTE')
  AND p.proname NOT IN ('version', 'hub_tables')
ORDER BY 1;
