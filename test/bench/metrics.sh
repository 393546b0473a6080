#!/usr/bin/env bash
# Incremental dashboard metrics against the seed's materialized view (section 4.1), on the demo
# dataset (SCALE users x 120 days; 10,000 users is about 4.3M rows). Two databases with the same
# data: with_metrics (the three hub metrics attached, as create_hub_schema() does) and
# without_metrics (metrics dropped). Prints and records:
#   1. dashboard currency after 1,000 changed rows: our cost, paid inside the writes (the write's
#      time with the metrics minus without), against REFRESH MATERIALIZED VIEW CONCURRENTLY; and
#      the maintenance: consolidate_metrics() after those rows (it re-caches the changed users'
#      dashboard rows), and its once-a-day re-caching of every user;
#   2. write overhead: instructions per single-row write (callgrind on postgres --single, on a small
#      copy) with and without the metrics, and a 100k-row INSERT ... SELECT timed with and without;
#   3. reads of one user's dashboard_metrics (from the dashboard cache, as after consolidation;
#      after the user's write, before its consolidation; computed, with the cache off) and
#      dashboard_summary (from its cache; after the user's write) against the materialized view;
#      with FLAT=1 also the same reads on a dataset a quarter the size (flat = ratio near 1).
#   SCALE=10000 ROUNDS=5 FLAT=1 test/bench/metrics.sh      (CALLGRIND_ONLY=1: part 2a and the
#   100k-row INSERT under callgrind only; READS_ONLY=1: part 3 only; SCALE_DEPENDENT_ONLY=1:
#   parts 1 and 3 only, for the scaling curve)
# scaling: yes
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${ROUNDS:-5}"
DAYS="${DAYS:-120}"
CG_USERS="${CG_USERS:-200}"      # users in the callgrind copy
CG_WRITES="${CG_WRITES:-100}"    # single-row writes of each kind under callgrind
READ_USERS="${READ_USERS:-30}"   # users whose dashboards are read

# The seed's dashboard_metrics_enhanced over the hub tables, as a materialized view (4.1).
SEED_VIEW="CREATE MATERIALIZED VIEW seed_dashboard_metrics_enhanced AS
$(grep -v '^--' "$PROJECT_DIR/sql/include/seed_dashboard_metrics_enhanced.sql");
CREATE UNIQUE INDEX idx_dashboard_metrics_enhanced_unique
    ON seed_dashboard_metrics_enhanced (user_id, week_start, metric_type);"

# The backend's CPU time (ms, from /proc/<pid>/schedstat) for one transaction running the
# statements, COMMIT included: other helpers share the machine's two cores, and waiting for a core
# is not the statement's cost.
CPU_NS="SELECT split_part(pg_read_file('/proc/' || pg_backend_pid() || '/schedstat'), ' ', 1)::bigint;"
cpu_ms() { # db sql...
    local db="$1"; shift
    { echo "$CPU_NS"; echo 'BEGIN;'; printf '%s\n' "$@"; echo 'COMMIT;'; echo "$CPU_NS"; } |
        as_postgres psql -X -q -tA -v ON_ERROR_STOP=1 -d "$db" |
        python3 -c 'import sys; v = [int(l) for l in sys.stdin.read().split()]; print(f"{(v[-1] - v[0]) / 1e6:.3f}")'
}

# Builds the two databases on the running cluster: demo data for $1 users, metrics in one only.
load_dataset() { # users
    local db dbs=(with_metrics without_metrics)
    [ "${READS_ONLY:-0}" = 1 ] && dbs=(with_metrics)   # the reads need only the one
    for db in "${dbs[@]}"; do
        bsql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
        bsql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION assistant_hub" \
            -c "SELECT assistant_hub.create_hub_schema()"
    done
    # without_metrics: plain hub tables, without the metrics and dashboard_summary's triggers.
    [ "${READS_ONLY:-0}" = 1 ] ||
        bsql -d without_metrics -c "SELECT assistant_hub.drop_metric(name) FROM assistant_hub.metrics" \
            -c "DO \$\$ DECLARE t record; BEGIN
                    FOR t IN SELECT tgname, tgrelid::regclass AS rel FROM pg_trigger
                             WHERE tgname LIKE 'assistant\_hub\_summary\_%' LOOP
                        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
                    END LOOP; END \$\$" >/dev/null
    for db in "${dbs[@]}"; do
        bsql -d "$db" -c "SELECT assistant_hub.generate_demo_data($1, $DAYS)" >/dev/null
        bsql -d "$db" -c "SELECT assistant_hub.consolidate_metrics()" >/dev/null
        bsql -d "$db" -c "VACUUM ANALYZE"
    done
}

# Median ms of reading one user's rows, over READ_USERS users, in one session (second pass, so
# PL/pgSQL plans are cached as in an application's connection). mode "adhoc": the statement is
# planned every time (planning + execution); "prepared": a prepared statement with a generic plan,
# as an application with a driver that prepares (planning is then nearly nothing). TIMING OFF: the
# clock reads of per-node timing would cost a many-node plan (ours) far more than one index scan
# (the matview's) and measure the instrumentation rather than the read.
read_ms() { # db mode query-with-$1-for-the-user
    local db="$1" mode="$2" query="$3"
    bsql -d "$db" -c "SELECT id FROM hub.users ORDER BY md5(id::text) LIMIT $READ_USERS" > "$BENCH_DIR/read_users"
    python3 - "$db" "$mode" "$query" "$BENCH_DIR/read_users" <<'PY'
import json, statistics, subprocess, sys
db, mode, query, users_file = sys.argv[1:5]
users = [u.strip() for u in open(users_file) if u.strip()]
if mode == "prepared":
    head = "SET plan_cache_mode = force_generic_plan;\nPREPARE q(uuid) AS " + query + ";\n"
    stmt = lambda u: "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) EXECUTE q('" + u + "');"
else:
    head = ""
    stmt = lambda u: "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + query.replace("$1", "'" + u + "'::uuid") + ";"
script = head + "\n".join(stmt(u) for u in users * 2)
out = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", db], input=script,
                     capture_output=True, text=True, check=True).stdout
plans, buf = [], ""
for line in out.splitlines():
    buf += line
    try:
        plans.append(json.loads(buf)); buf = ""
    except ValueError:
        pass
times = [p[0].get("Planning Time", 0) + p[0]["Execution Time"] for p in plans[len(users):]]
print(f"{statistics.median(times):.4f}")
PY
}

log "metrics benchmark: SCALE=$SCALE users x $DAYS days, ROUNDS=$ROUNDS"
trap 'bench_cluster_stop metrics; bench_cluster_stop metrics_cg' EXIT
if [ "${CALLGRIND_ONLY:-0}" != 1 ]; then
bench_cluster metrics "shared_preload_libraries = 'assistant_hub'" "work_mem = 64MB" \
    "maintenance_work_mem = 512MB" "max_parallel_workers_per_gather = 0" "jit = off"
load_dataset "$SCALE"
rows=$(bsql -d with_metrics -c "SELECT (SELECT count(*) FROM hub.journal_entries) + (SELECT count(*) FROM hub.tasks)
    + (SELECT count(*) FROM hub.calendar_events) + (SELECT count(*) FROM hub.email_threads)
    + (SELECT count(*) FROM hub.email_messages) + (SELECT count(*) FROM hub.contacts)
    + (SELECT count(*) FROM hub.activity_logs) + (SELECT count(*) FROM hub.users)")
log "dataset: $rows rows in each database"
bsql -d with_metrics -c "$SEED_VIEW" >/dev/null
bsql -d with_metrics -c "VACUUM ANALYZE seed_dashboard_metrics_enhanced"
diff_rows=$(bsql -d with_metrics -c "SET TimeZone = 'UTC'; REFRESH MATERIALIZED VIEW seed_dashboard_metrics_enhanced;
    SELECT (SELECT count(*) FROM (SELECT * FROM assistant_hub.dashboard_metrics EXCEPT ALL SELECT * FROM seed_dashboard_metrics_enhanced) a)
         + (SELECT count(*) FROM (SELECT * FROM seed_dashboard_metrics_enhanced EXCEPT ALL SELECT * FROM assistant_hub.dashboard_metrics) b)" | tail -n 1)
log "dashboard_metrics vs the seed's view: $diff_rows differing rows"

if [ "${READS_ONLY:-0}" != 1 ]; then
# 1. Currency after 1,000 changed rows: 1,000 pending tasks completed in one statement. The
# batches are drawn beforehand, so the timed statement is the update itself.
for db in with_metrics without_metrics; do
    bsql -d "$db" -c "CREATE TABLE bench_batch AS
        SELECT (n - 1) / 1000 + 1 AS round, user_id, id
        FROM (SELECT user_id, id, row_number() OVER (ORDER BY md5(id::text)) AS n
              FROM hub.tasks WHERE status = 'pending') t
        WHERE n <= 1000 * $ROUNDS" -c "CREATE INDEX ON bench_batch (round)" -c "ANALYZE bench_batch"
done
complete_1000() { # round
    echo "UPDATE hub.tasks t SET status = 'completed', completed_at = now() FROM bench_batch b
          WHERE b.round = $1 AND t.user_id = b.user_id AND t.id = b.id;"
}
with=(); without=(); refresh=(); ours=(); consolidate=()
for r in $(seq 1 "$ROUNDS"); do
    with+=("$(cpu_ms with_metrics "$(complete_1000 "$r")")")
    without+=("$(cpu_ms without_metrics "$(complete_1000 "$r")")")
    ours+=("$(python3 -c "print(f'{${with[-1]} - ${without[-1]}:.3f}')")")
    refresh+=("$(cpu_ms with_metrics "REFRESH MATERIALIZED VIEW CONCURRENTLY seed_dashboard_metrics_enhanced;")")
    # Maintenance, not currency: folding the deltas and re-caching the changed users' rows.
    consolidate+=("$(cpu_ms with_metrics "SELECT assistant_hub.consolidate_metrics();")")
done
w=$(median "${with[@]}"); wo=$(median "${without[@]}"); rf=$(median "${refresh[@]}"); o=$(median "${ours[@]}")
log "1,000-row update: ${with[*]} ms with metrics, ${without[*]} ms without; refresh ${rf} ms"
record "metrics: dashboard current after 1,000 changed rows (ms)" "$o" "$rf" ms \
    "backend CPU ms; ours = the update with metrics - without, median of $ROUNDS paired rounds (update $w vs $wo); peer = REFRESH MATERIALIZED VIEW CONCURRENTLY; $rows rows"
record "metrics: consolidate_metrics after 1,000 changed rows vs REFRESH (ms)" "$(median "${consolidate[@]}")" "$rf" ms \
    "backend CPU ms; ours = folding the deltas and re-caching the changed users' dashboard rows (maintenance; reads are exact without it)"
# Once a day (a new "today"), consolidation re-caches every user.
rebuild=()
for r in $(seq 1 "$ROUNDS"); do
    rebuild+=("$(cpu_ms with_metrics "UPDATE assistant_hub.dashboard_cache_state SET valid_until = now();" \
                 "SELECT assistant_hub.consolidate_metrics();")")
done
record "metrics: dashboard cache rebuilt for a new day vs REFRESH (ms)" "$(median "${rebuild[@]}")" "$rf" ms \
    "backend CPU ms; ours = consolidate_metrics() re-caching every user (first run of a day)"

# 2b. A 100k-row INSERT ... SELECT into the journal, with and without the metrics.
if [ "${SCALE_DEPENDENT_ONLY:-0}" != 1 ]; then
insert_100k="INSERT INTO hub.journal_entries (user_id, entry_date, title, content, created_at)
    SELECT u.id, current_date - (g % 60), 'bench100k', 'x', now() - (g % 60) * interval '1 day'
    FROM (SELECT id FROM hub.users ORDER BY id LIMIT 10000) u, generate_series(1, 100000 / least(10000, $SCALE)) g;"
cleanup_100k="DELETE FROM hub.journal_entries WHERE title = 'bench100k';"
with=(); without=()
for r in $(seq 1 "$ROUNDS"); do
    for db in with_metrics without_metrics; do
        t=$(cpu_ms "$db" "$insert_100k")
        [ "$db" = with_metrics ] && with+=("$t") || without+=("$t")
        bsql -d "$db" -c "$cleanup_100k" -c "SELECT assistant_hub.consolidate_metrics()" >/dev/null
        bsql -d "$db" -c "VACUUM hub.journal_entries"
    done
done
w=$(median "${with[@]}"); wo=$(median "${without[@]}")
record "metrics: 100k-row INSERT ... SELECT, with vs without metrics (ms)" "$w" "$wo" ms \
    "backend CPU ms; ours = with metrics, peer = without: ratio = without / with (target >= 0.77, i.e. at most 1.3x); median of $ROUNDS"
fi

fi

# 3. Reads of one user's dashboard, after consolidation and VACUUM (as maintenance leaves them;
# both sides read a vacuumed table).
bsql -d with_metrics -c "SELECT assistant_hub.consolidate_metrics()" >/dev/null
bsql -d with_metrics -c "VACUUM ANALYZE"
MATVIEW_READ="SELECT * FROM seed_dashboard_metrics_enhanced WHERE user_id = \$1"
VIEW_READ="SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = \$1"
SUMMARY_READ="SELECT * FROM assistant_hub.dashboard_summary(\$1)"
declare -A reads
for mode in adhoc prepared; do
    reads[matview_$mode]=$(read_ms with_metrics "$mode" "$MATVIEW_READ")
    reads[view_$mode]=$(read_ms with_metrics "$mode" "$VIEW_READ")
    reads[summary_$mode]=$(read_ms with_metrics "$mode" "$SUMMARY_READ")
    # Without the cache: the rows computed from the value tables.
    reads[computed_$mode]=$(PGOPTIONS="-c assistant_hub.dashboard_cache=off" read_ms with_metrics "$mode" "$VIEW_READ")
done
# Each read user then writes a journal entry: reads after a write, before its consolidation.
bsql -d with_metrics -c "INSERT INTO hub.journal_entries (user_id, entry_date, content)
    SELECT id::uuid, current_date, 'bench read' FROM (VALUES $(sed "s/.*/('&')/" "$BENCH_DIR/read_users" | paste -sd,)) u(id)"
for mode in adhoc prepared; do
    reads[written_$mode]=$(read_ms with_metrics "$mode" "$VIEW_READ")
    reads[summary_written_$mode]=$(read_ms with_metrics "$mode" "$SUMMARY_READ")
    record "metrics: one user's dashboard_metrics vs the seed's matview, $mode (ms)" "${reads[view_$mode]}" \
        "${reads[matview_$mode]}" ms "median over $READ_USERS users; ours always fresh, the matview as of its last refresh"
    record "metrics: one user's dashboard_metrics after the user's write vs the matview, $mode (ms)" \
        "${reads[written_$mode]}" "${reads[matview_$mode]}" ms \
        "before consolidation: the cached rows, the written metric's weeks recomputed with the new deltas"
    record "metrics: one user's dashboard_metrics computed (cache off) vs the matview, $mode (ms)" \
        "${reads[computed_$mode]}" "${reads[matview_$mode]}" ms "assistant_hub.dashboard_cache = off"
    record "metrics: one user's dashboard_summary vs the seed's matview, $mode (ms)" "${reads[summary_$mode]}" \
        "${reads[matview_$mode]}" ms "median over $READ_USERS users; from the summary cache"
    record "metrics: one user's dashboard_summary after the user's write vs the matview, $mode (ms)" \
        "${reads[summary_written_$mode]}" "${reads[matview_$mode]}" ms \
        "before consolidation: counted from the hub's indexes"
done
if [ "${FLAT:-0}" = 1 ]; then
    small=$((SCALE / 4))
    load_dataset "$small"
    record "metrics: dashboard_metrics read (prepared) at $SCALE vs $small users (ms)" "${reads[view_prepared]}" \
        "$(read_ms with_metrics prepared "$VIEW_READ")" ms "flat = ratio near 1"
    record "metrics: dashboard_summary read (prepared) at $SCALE vs $small users (ms)" "${reads[summary_prepared]}" \
        "$(read_ms with_metrics prepared "$SUMMARY_READ")" ms "flat = ratio near 1"
fi
bench_cluster_stop metrics
fi
[ "${READS_ONLY:-0}" = 1 ] || [ "${SCALE_DEPENDENT_ONLY:-0}" = 1 ] && exit 0

# 2a. Instructions per single-row write, callgrind on postgres --single, on a small copy.
bench_cluster metrics_cg "shared_preload_libraries = 'assistant_hub'" "jit = off"
load_dataset "$CG_USERS"
for db in with_metrics without_metrics; do
    # 10,000 users for the 100k-row INSERT: as at full scale, each (user, day) it writes is new.
    bsql -d "$db" -c "INSERT INTO hub.users (email) SELECT 'cg' || g || '@example.com' FROM generate_series(1, 10000) g" \
        -c "VACUUM ANALYZE hub.users"
done
# One line (postgres --single reads a statement per line): 10,000 users x 10 days.
echo "INSERT INTO hub.journal_entries (user_id, entry_date, title, content, created_at)
    SELECT u.id, current_date - g, 'bench100k', 'x', now() - g * interval '1 day'
    FROM (SELECT id FROM hub.users ORDER BY id LIMIT 10000) u, generate_series(1, 10) g;" | tr '\n' ' ' \
    > "$BENCH_DIR/insert_100k.sql"
echo >> "$BENCH_DIR/insert_100k.sql"
for db in with_metrics without_metrics; do
    bsql -d "$db" > "$BENCH_DIR/writes_$db.sql" -c "
    SELECT format('INSERT INTO hub.journal_entries (user_id, entry_date, content, created_at) VALUES (%L, current_date, ''x'', now());', id)
    FROM (SELECT id FROM hub.users ORDER BY id LIMIT $CG_WRITES) u
    UNION ALL
    SELECT * FROM (SELECT format('UPDATE hub.tasks SET status = ''completed'', completed_at = now() WHERE user_id = %L AND id = %L;', user_id, id)
                   FROM hub.tasks WHERE status = 'pending' ORDER BY md5(id::text) LIMIT $CG_WRITES) t
    UNION ALL
    SELECT format('INSERT INTO hub.email_messages (user_id, thread_id, from_address, received_at) VALUES (%L, %L, ''a@b.c'', now());', user_id, id)
    FROM (SELECT DISTINCT ON (user_id) user_id, id FROM hub.email_threads ORDER BY user_id, id LIMIT $CG_WRITES) th"
    # A table with dashboard_summary's triggers only: each write leaves a marker row.
    bsql -d "$db" > "$BENCH_DIR/events_$db.sql" -c "
    SELECT format('INSERT INTO hub.calendar_events (user_id, title, start_time, end_time) VALUES (%L, ''x'', now(), now());', id)
    FROM (SELECT id FROM hub.users ORDER BY id LIMIT $CG_WRITES) u"
done
# For 2b: the seed's view materialized beside ours, everything consolidated and vacuumed, and one
# user (with dashboard rows) to read.
bsql -d with_metrics -c "$SEED_VIEW" -c "SELECT assistant_hub.consolidate_metrics()" >/dev/null
bsql -d with_metrics -c "VACUUM ANALYZE"
READ_USER=$(bsql -d with_metrics -c "SELECT user_id FROM seed_dashboard_metrics_enhanced ORDER BY md5(user_id::text) LIMIT 1")
bench_cluster_stop metrics_cg
chmod a+r "$BENCH_DIR"/writes_*.sql "$BENCH_DIR"/events_*.sql "$BENCH_DIR/insert_100k.sql"
callgrind_ir() { # db script
    local out="$BENCH_DIR/callgrind.$1.$(basename "$2").out"
    as_postgres valgrind --tool=callgrind --callgrind-out-file="$out" \
        postgres --single -D "$BENCH_DIR/metrics_cg" -c shared_preload_libraries=assistant_hub "$1" < "$2" >/dev/null 2>&1
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}
: > "$BENCH_DIR/empty.sql"
chmod a+r "$BENCH_DIR/empty.sql"
per_write=(); per_event=(); insert_ir=()
for db in with_metrics without_metrics; do
    base=$(callgrind_ir "$db" "$BENCH_DIR/empty.sql")
    total=$(callgrind_ir "$db" "$BENCH_DIR/writes_$db.sql")
    n=$(wc -l < "$BENCH_DIR/writes_$db.sql")
    per_write+=("$(python3 -c "print(round(($total - $base) / $n))")")
    log "$db: $n single-row writes, $total - $base instructions"
    total=$(callgrind_ir "$db" "$BENCH_DIR/events_$db.sql")
    n=$(wc -l < "$BENCH_DIR/events_$db.sql")
    per_event+=("$(python3 -c "print(round(($total - $base) / $n))")")
    insert_ir+=("$(( $(callgrind_ir "$db" "$BENCH_DIR/insert_100k.sql") - base ))")
    log "$db: 100k-row INSERT ... SELECT, ${insert_ir[-1]} instructions"
done
record "metrics: instructions per single-row write, with vs without metrics" "${per_write[0]}" "${per_write[1]}" Ir \
    "ours = with metrics, peer = without: ratio = without / with (target >= 0.8, i.e. at most 1.25x); journal insert, task completion, email insert, each its own transaction; callgrind, postgres --single"
record "metrics: instructions per single-row calendar event insert, with vs without dashboard_summary's triggers" \
    "${per_event[0]}" "${per_event[1]}" Ir \
    "ours = with the touch triggers (a marker row at commit), peer = without; callgrind, postgres --single"
record "metrics: instructions of a 100k-row INSERT ... SELECT, with vs without metrics" "${insert_ir[0]}" "${insert_ir[1]}" Ir \
    "ours = with metrics, peer = without: ratio = without / with (target >= 0.77, i.e. at most 1.3x); 10,000 users x 10 days, each (user, day) new; callgrind, postgres --single, commit included"

# 2b. Instructions per one-user read, callgrind on postgres --single: a prepared statement's
# generic plan, EXECUTEd 50 and 250 times for the same user; per read = the difference / 200. The
# rows are counted, not printed, under a condition on a column the materialized view's index does
# not hold, so both sides read their rows as SELECT * does. First consolidated and vacuumed (2a
# wrote since), as maintenance leaves the tables; computed with the cache off; then after one
# write of the user, as between a write and its consolidation.
single() { # db sql: one statement per line, in postgres --single
    echo "$2" > "$BENCH_DIR/single.sql"
    chmod a+r "$BENCH_DIR/single.sql"
    as_postgres postgres --single -D "$BENCH_DIR/metrics_cg" -c shared_preload_libraries=assistant_hub \
        "$1" < "$BENCH_DIR/single.sql" >/dev/null 2>&1
}
read_ir() { # name query column [setting]
    local n
    for n in 50 250; do
        { echo "SET plan_cache_mode = force_generic_plan;"; echo "${4:-}"
          echo "PREPARE q(uuid) AS SELECT count(*) FROM ($2 OFFSET 0) s WHERE s.$3 IS NOT NULL;"
          for _ in $(seq "$n"); do echo "EXECUTE q('$READ_USER');"; done; } > "$BENCH_DIR/read_$1_$n.sql"
        chmod a+r "$BENCH_DIR/read_$1_$n.sql"
    done
    echo $(( ($(callgrind_ir with_metrics "$BENCH_DIR/read_$1_250.sql") - $(callgrind_ir with_metrics "$BENCH_DIR/read_$1_50.sql")) / 200 ))
}
single with_metrics "SELECT assistant_hub.consolidate_metrics();
VACUUM ANALYZE;"
VIEW_ONE="SELECT * FROM assistant_hub.dashboard_metrics WHERE user_id = \$1"
matview_ir=$(read_ir matview "SELECT * FROM seed_dashboard_metrics_enhanced WHERE user_id = \$1" week_over_week_change)
cached_ir=$(read_ir cached "$VIEW_ONE" week_over_week_change)
summary_ir=$(read_ir summary "SELECT * FROM assistant_hub.dashboard_summary(\$1)" unread_emails)
computed_ir=$(read_ir computed "$VIEW_ONE" week_over_week_change "SET assistant_hub.dashboard_cache = off;")
single with_metrics "INSERT INTO hub.journal_entries (user_id, entry_date, content) VALUES ('$READ_USER', current_date, 'bench');"
written_ir=$(read_ir written "$VIEW_ONE" week_over_week_change)
summary_written_ir=$(read_ir summary_written "SELECT * FROM assistant_hub.dashboard_summary(\$1)" unread_emails)
record "metrics: instructions per one-user dashboard_metrics read vs the matview" "$cached_ir" "$matview_ir" Ir \
    "prepared; from the dashboard cache (after consolidation); callgrind, postgres --single"
record "metrics: instructions per one-user dashboard_metrics read after the user's write vs the matview" \
    "$written_ir" "$matview_ir" Ir "prepared; before consolidation: cached rows, the written metric's weeks recomputed"
record "metrics: instructions per one-user dashboard_metrics read, computed, vs the matview" "$computed_ir" "$matview_ir" Ir \
    "prepared; assistant_hub.dashboard_cache = off"
record "metrics: instructions per one-user dashboard_summary read vs the matview" "$summary_ir" "$matview_ir" Ir \
    "prepared; from the summary cache (after consolidation)"
record "metrics: instructions per one-user dashboard_summary read after the user's write vs the matview" \
    "$summary_written_ir" "$matview_ir" Ir "prepared; before consolidation: counted from the hub's indexes"
