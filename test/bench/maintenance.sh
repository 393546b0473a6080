#!/usr/bin/env bash
# Maintenance against the seed's section 7.1, on the same data in the same cluster:
#  1. retention cleanup of hub.activity_logs (60 expired rows per user, 5 kept): the seed runs one
#     DELETE in one transaction; run_maintenance() removes bounded batches per call. Compared:
#     the longest transaction that holds the deleted rows' locks, and the total time.
#  2. a routine run when nothing changed: the seed ANALYZEs its five tables every time;
#     run_maintenance() analyzes only tables that changed enough.
# Medians over ROUNDS rounds (each on a fresh copy of the data).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS="${ROUNDS:-3}"

bench_cluster maintenance "shared_preload_libraries = 'assistant_hub'" "autovacuum = off"
trap 'bench_cluster_stop maintenance' EXIT

bsql -d postgres -c "CREATE DATABASE template_bench"
bsql -d template_bench <<SQL
CREATE EXTENSION assistant_hub;
SELECT assistant_hub.create_hub_schema();
INSERT INTO hub.users (email) SELECT 'user' || g || '@bench.example' FROM generate_series(1, $SCALE) g;
INSERT INTO hub.activity_logs (user_id, activity_type, created_at)
SELECT u.id, 'login', now() - interval '1 year' - g * interval '1 day'
FROM hub.users u, generate_series(1, 60) g;
INSERT INTO hub.activity_logs (user_id, activity_type, created_at)
SELECT u.id, 'login', now() - g * interval '1 day' FROM hub.users u, generate_series(1, 5) g;
SQL
bsql -d template_bench -c "VACUUM ANALYZE"
expired=$(bsql -d template_bench -c "SELECT count(*) FROM hub.activity_logs WHERE created_at < now() - interval '1 year'")
echo "SCALE=$SCALE users, $expired expired activity rows"

seed_longest=(); seed_total=(); ours_longest=(); ours_total=(); ours_runs=()
for r in $(seq "$ROUNDS"); do
    bsql -d postgres -c "DROP DATABASE IF EXISTS peer" -c "DROP DATABASE IF EXISTS ours" \
        -c "CREATE DATABASE peer TEMPLATE template_bench" -c "CREATE DATABASE ours TEMPLATE template_bench"
    # Seed 7.1: one DELETE, one transaction.
    t=$(explain_ms peer "DELETE FROM hub.activity_logs WHERE created_at < now() - interval '1 year'")
    seed_longest+=("$t"); seed_total+=("$t")
    # Ours: run_maintenance() until the cleanup reports it complete; each call is one transaction.
    longest=0; total=0; runs=0
    while :; do
        line=$(bsql -d ours -c "SELECT (r->>'duration_ms'), (s->>'complete')
                                FROM assistant_hub.run_maintenance() r,
                                     jsonb_array_elements(r->'steps') s
                                WHERE s->>'step' = 'activity_logs_retention'" 2>/dev/null)
        ms=${line%%|*}; complete=${line##*|}
        runs=$((runs + 1))
        total=$(python3 -c "print($total + $ms)")
        longest=$(python3 -c "print(max($longest, $ms))")
        [ "$complete" = true ] && break
    done
    left=$(bsql -d ours -c "SELECT count(*) FROM hub.activity_logs WHERE created_at < now() - interval '1 year'")
    [ "$left" = 0 ] || { echo "ours left $left expired rows" >&2; exit 1; }
    ours_longest+=("$longest"); ours_total+=("$total"); ours_runs+=("$runs")
    echo "round $r: seed DELETE ${t} ms; ours $runs runs, longest ${longest} ms, total ${total} ms"
done
record "maintenance: longest transaction removing $expired rows" \
    "$(median "${ours_longest[@]}")" "$(median "${seed_longest[@]}")" ms \
    "seed: one DELETE; ours: $(median "${ours_runs[@]}") bounded runs (5000-row batches, 10 per run)"
record "maintenance: total time removing $expired rows" \
    "$(median "${ours_total[@]}")" "$(median "${seed_total[@]}")" ms \
    "the price of short transactions: more statements, index lookups per batch"

# Routine run on settled data: the seed's ANALYZE of five tables plus its three cleanup DELETEs
# that find nothing, against run_maintenance() (everything, but ANALYZE only where needed).
bsql -d ours -c "ANALYZE" ; bsql -d peer -c "ANALYZE"
seed_routine=(); ours_routine=()
for r in $(seq $((ROUNDS * 3))); do
    t0=$(date +%s%N)
    bsql -d peer -c "ANALYZE hub.journal_entries" -c "ANALYZE hub.tasks" -c "ANALYZE hub.calendar_events" \
        -c "ANALYZE hub.email_messages" -c "ANALYZE hub.contacts" \
        -c "DELETE FROM hub.activity_logs WHERE created_at < now() - interval '1 year'" \
        -c "DELETE FROM hub.cache_entries WHERE expires_at < now()" >/dev/null
    t1=$(date +%s%N)
    bsql -d ours -c "SELECT assistant_hub.run_maintenance()" >/dev/null 2>&1
    t2=$(date +%s%N)
    seed_routine+=("$(python3 -c "print(($t1 - $t0) / 1e6)")")
    ours_routine+=("$(python3 -c "print(($t2 - $t1) / 1e6)")")
done
record "maintenance: routine run, nothing changed (client-side)" \
    "$(median "${ours_routine[@]}")" "$(median "${seed_routine[@]}")" ms \
    "seed ANALYZEs 5 tables every time; ours skips unchanged tables and also flushes, consolidates, premakes"
