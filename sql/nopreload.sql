-- Without shared_preload_libraries the extension still installs and its functions work.
SHOW shared_preload_libraries;
CREATE EXTENSION assistant_hub;
SELECT assistant_hub.version() IS NOT NULL AS has_version;
SELECT assistant_hub.boundary_selftest('cpp_error');
SELECT assistant_hub.create_hub_schema();
SELECT count(*) AS hub_tables FROM pg_tables WHERE schemaname = 'hub' AND tablename NOT LIKE '%\_p%';
SET assistant_hub.user_id = 'nope';
