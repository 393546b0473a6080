#!/usr/bin/env bash
# Writes a PgBouncer auth_file holding the SCRAM-SHA-256 secrets of the given roles, as stored in
# pg_authid: no plaintext password is ever written, and PgBouncer can log in to PostgreSQL with the
# same secrets. Run it with a superuser connection (the usual PG* variables or psql defaults).
#   config/pgbouncer/make_userlist.sh /etc/pgbouncer/userlist.txt app_user [role...]
set -euo pipefail
out="${1:?usage: make_userlist.sh OUTPUT ROLE...}"
shift
[ $# -gt 0 ] || { echo "make_userlist.sh: name at least one role" >&2; exit 2; }
roles=$(IFS=,; printf '%s' "$*")

umask 077
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
psql -XAtq -v ON_ERROR_STOP=1 -v roles="$roles" -d postgres >"$tmp" <<'SQL'
SELECT pg_catalog.set_config('make_userlist.roles', :'roles', false) \g /dev/null
DO $$
DECLARE
    problem text;
BEGIN
    SELECT pg_catalog.string_agg(CASE WHEN a.rolname IS NULL THEN r.name || ' does not exist'
                                      ELSE r.name || ' has no SCRAM-SHA-256 password' END, '; ')
      INTO problem
      FROM pg_catalog.unnest(pg_catalog.string_to_array(
               pg_catalog.current_setting('make_userlist.roles'), ',')) AS r(name)
      LEFT JOIN pg_catalog.pg_authid a ON a.rolname = r.name
     WHERE a.rolpassword IS NULL OR a.rolpassword NOT LIKE 'SCRAM-SHA-256$%';
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'make_userlist: %', problem
            USING HINT = 'SET password_encryption = ''scram-sha-256''; ALTER ROLE ... PASSWORD ''...'';';
    END IF;
END $$;
SELECT pg_catalog.format('"%s" "%s"', pg_catalog.replace(a.rolname, '"', '""'), a.rolpassword)
FROM pg_catalog.pg_authid a
WHERE a.rolname = ANY (pg_catalog.string_to_array(:'roles', ','))
ORDER BY a.rolname;
SQL
mv "$tmp" "$out"
trap - EXIT
