-- Tenant isolation: row-level security on every hub table, keyed to assistant_hub.user_id, and
-- the grants an application role needs. The table owner (who called create_hub_schema) is not
-- subject to the policies; application roles are.

-- What grant_app_role() grants. Each subsystem's piece adds the objects an application needs.
CREATE TABLE assistant_hub.app_privileges (
    object_type text NOT NULL CHECK (object_type IN ('TABLE', 'FUNCTION', 'SCHEMA', 'SEQUENCE')),
    object_name text NOT NULL,
    privileges  text NOT NULL,
    PRIMARY KEY (object_type, object_name)
);
COMMENT ON TABLE assistant_hub.app_privileges IS
    'The privileges assistant_hub.grant_app_role() gives an application role.';
INSERT INTO assistant_hub.app_privileges VALUES
    ('SCHEMA', 'hub', 'USAGE'),
    ('SCHEMA', 'assistant_hub', 'USAGE'),
    ('TABLE', 'hub.users', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.journal_entries', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.tasks', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.calendar_events', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.email_threads', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.email_messages', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.contacts', 'SELECT, INSERT, UPDATE, DELETE'),
    ('TABLE', 'hub.activity_logs', 'SELECT, INSERT'),
    ('TABLE', 'hub.cache_entries', 'SELECT, INSERT, UPDATE, DELETE');

-- Enables row-level security with one policy per hub table: rows whose user is the current
-- application user (assistant_hub.user_id); none when it is unset. Idempotent.
CREATE FUNCTION assistant_hub._secure_hub_tables() RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    t name;
    key_column name;
BEGIN
    FOR t IN SELECT * FROM assistant_hub.hub_tables() LOOP
        key_column := CASE WHEN t = 'users' THEN 'id' ELSE 'user_id' END;
        EXECUTE format('ALTER TABLE hub.%I ENABLE ROW LEVEL SECURITY', t);
        IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = format('hub.%I', t)::regclass
                                                 AND polname = 'hub_current_user_only') THEN
            EXECUTE format($p$CREATE POLICY hub_current_user_only ON hub.%I
                USING (%I = nullif(pg_catalog.current_setting('assistant_hub.user_id', true), '')::uuid)
                WITH CHECK (%I = nullif(pg_catalog.current_setting('assistant_hub.user_id', true), '')::uuid)$p$,
                t, key_column, key_column);
        END IF;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION assistant_hub._secure_hub_tables() FROM PUBLIC;

CREATE FUNCTION assistant_hub.grant_app_role(role name) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $$
DECLARE
    r pg_roles%ROWTYPE;
    p record;
BEGIN
    PERFORM assistant_hub._require(role, 'role', 'grant_app_role');
    SELECT * INTO r FROM pg_roles WHERE rolname = role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'grant_app_role: role "%" does not exist', role
            USING ERRCODE = 'undefined_object';
    END IF;
    IF r.rolsuper OR r.rolbypassrls THEN
        RAISE EXCEPTION 'grant_app_role: role "%" bypasses row-level security', role
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use a role without SUPERUSER and BYPASSRLS for the application.';
    END IF;
    IF to_regclass('hub.users') IS NULL THEN
        RAISE EXCEPTION 'grant_app_role: the hub schema does not exist'
            USING ERRCODE = 'undefined_table', HINT = 'Call assistant_hub.create_hub_schema() first.';
    END IF;
    FOR p IN SELECT * FROM assistant_hub.app_privileges ORDER BY object_type, object_name LOOP
        EXECUTE format('GRANT %s ON %s %s TO %I', p.privileges, p.object_type, p.object_name, role);
    END LOOP;
END $$;
COMMENT ON FUNCTION assistant_hub.grant_app_role(name) IS
    'Grants an application role what it needs and nothing more; row-level security limits it to the rows of assistant_hub.user_id.';
REVOKE ALL ON FUNCTION assistant_hub.grant_app_role(name) FROM PUBLIC;
