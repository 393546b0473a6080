#!/usr/bin/env bash
# `make demo`: installs what is missing, builds and installs the extension, runs a local
# PostgreSQL (cluster in ./demo, loopback only, pg_cron and assistant_hub preloaded), creates the
# hub schema, loads demo data and shows a demo user's dashboard. Running it again reuses the
# cluster; `DEMO_RESET=1 make demo` recreates it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PROJECT_DIR"

DEMO_PORT="${DEMO_PORT:-5499}"
DEMO_USERS="${DEMO_USERS:-1000}"
DEMO_DAYS="${DEMO_DAYS:-120}"
DB=assistant_hub

ensure_packages
build_and_install

# The cluster lives in ./demo. When the postgres user cannot enter the checkout (under /root, say),
# ./demo is a link to a directory it owns.
if [ -L demo ] || { [ ! -e demo ] && ! runuser -u postgres -- test -x "$PROJECT_DIR" 2>/dev/null; }; then
    target=$(stage_dir demo)
    [ -L demo ] || ln -s "$target" demo
else
    mkdir -p demo
    chown postgres:postgres demo
fi
demo_dir=$(cd demo && pwd -P)
pgdata="$demo_dir/pgdata"
psql_demo() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$demo_dir" -p "$DEMO_PORT" "$@"; }

if [ "${DEMO_RESET:-0}" = 1 ] && [ -d "$pgdata" ]; then
    as_postgres pg_ctl -D "$pgdata" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$pgdata"
fi
if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "creating the demo cluster in $pgdata"
    as_postgres initdb -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$pgdata/postgresql.conf" <<CONF

# assistant_hub demo
listen_addresses = '127.0.0.1'
port = $DEMO_PORT
unix_socket_directories = '$demo_dir'
shared_preload_libraries = 'pg_cron,assistant_hub'
cron.database_name = '$DB'
cron.use_background_workers = on
max_worker_processes = 16
shared_buffers = 512MB
CONF
fi
if ! as_postgres pg_ctl -D "$pgdata" status >/dev/null 2>&1; then
    log "starting PostgreSQL on 127.0.0.1:$DEMO_PORT"
    as_postgres pg_ctl -D "$pgdata" -l "$demo_dir/postgresql.log" -w start >/dev/null
else
    # The library may have been rebuilt: restart so the new one is loaded.
    as_postgres pg_ctl -D "$pgdata" -l "$demo_dir/postgresql.log" -m fast -w restart >/dev/null
fi

psql_demo -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
    psql_demo -d postgres -c "CREATE DATABASE $DB"
psql_demo -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS assistant_hub CASCADE" \
    -c "SELECT assistant_hub.create_hub_schema()" 2>&1 | grep -v '^NOTICE' || true
if [ "$(psql_demo -d "$DB" -tAc 'SELECT count(*) FROM hub.users')" = 0 ]; then
    log "loading demo data: $DEMO_USERS users over $DEMO_DAYS days"
    t0=$(date +%s)
    psql_demo -d "$DB" -c "SELECT assistant_hub.generate_demo_data($DEMO_USERS, $DEMO_DAYS)" >/dev/null
    psql_demo -d "$DB" -c "ANALYZE" >/dev/null
    log "loaded in $(( $(date +%s) - t0 )) s"
fi
[ -f scripts/demo_setup.sql ] && psql_demo -d "$DB" -f scripts/demo_setup.sql

# Maintenance jobs in pg_cron (cron.database_name is this database); a run shows in the jobs view
# within a minute or two (the slow-query flush runs every minute, maintenance every 5).
log "scheduling the maintenance jobs with pg_cron"
scheduled_at=$(psql_demo -d "$DB" -tAc "SELECT now()")
psql_demo -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
    -c "SELECT jobname, schedule, left(command, 60) AS command FROM assistant_hub.schedule_jobs()"
log "waiting for the first job run (up to 150 s)"
for _ in $(seq 150); do
    ran=$(psql_demo -d "$DB" -tAc "SELECT count(*) FROM assistant_hub.jobs
                                   WHERE last_run_start >= '$scheduled_at' AND last_run_status IN ('succeeded', 'failed')")
    [ "$ran" -gt 0 ] && break
    sleep 1
done
psql_demo -d "$DB" -P pager=off -c "SELECT jobname, schedule, last_run_start::timestamp(0) AS last_run,
        last_run_status AS status, last_run_duration AS duration FROM assistant_hub.jobs"
if [ "$ran" -eq 0 ]; then
    echo "no pg_cron job ran within 150 s: see $demo_dir/postgresql.log" >&2
    exit 1
fi

log "a demo user's dashboard"
psql_demo -d "$DB" -P pager=off -f scripts/demo_show.sql

cat <<MSG

The demo database is running. Connect with:
    runuser -u postgres -- psql -h $demo_dir -p $DEMO_PORT $DB
or over TCP:
    psql -h 127.0.0.1 -p $DEMO_PORT -U postgres $DB
Stop it with:
    runuser -u postgres -- $(pg_bindir)/pg_ctl -D $pgdata stop
MSG
