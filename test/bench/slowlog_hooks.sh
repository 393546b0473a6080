#!/usr/bin/env bash
# Cost of slow-query capture per statement, in instructions (valgrind --tool=callgrind on
# `postgres --single` running point SELECTs, as pgbench -S does), for shared_preload_libraries =
# none, pg_stat_statements, auto_explain (log_min_duration = 1000) and assistant_hub (threshold
# 1000 ms, and 0: every statement captured). Each configuration runs N1 and N2 statements; the
# difference divided by N2 - N1 removes the start-up cost. Then, on a running server: the
# counters after a pgbench -S run at threshold 0 (captured = flushed + dropped), and how long a
# slow statement takes to reach query_performance_log (budget: one flush interval + 250 ms).
#   test/bench/slowlog_hooks.sh        (N1=1000 N2=3000 ROUNDS=1 PGBENCH_SECONDS=10 LATENCY_PROBES=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

N1="${N1:-1000}"
N2="${N2:-3000}"
ROUNDS="${ROUNDS:-1}"
PGBENCH_SECONDS="${PGBENCH_SECONDS:-10}"
LATENCY_PROBES="${LATENCY_PROBES:-5}"
FLUSH_INTERVAL_MS="${FLUSH_INTERVAL_MS:-1000}"
work="$BENCH_DIR/slowlog_hooks"
mkdir -p "$work"
chown postgres:postgres "$work" 2>/dev/null || true

bench_cluster slowlog_hooks \
    "shared_preload_libraries = 'assistant_hub'" \
    "assistant_hub.database_name = 'postgres'" \
    "assistant_hub.flush_interval_ms = $FLUSH_INTERVAL_MS" \
    "assistant_hub.slow_query_buffer = 10000" \
    "max_connections = 20"
bsql -d postgres -c "CREATE EXTENSION assistant_hub"
as_postgres pgbench -q -i -s 1 postgres >/dev/null 2>&1

# The same point SELECTs for every configuration.
python3 - "$work" "$N1" "$N2" <<'PY'
import random, sys
work, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
keys = [rng.randint(1, 100000) for _ in range(n2)]
for n in (n1, n2):
    with open(f"{work}/select_{n}.sql", "w") as f:
        for k in keys[:n]:
            f.write(f"SELECT abalance FROM pgbench_accounts WHERE aid = {k};\n")
PY
chown postgres:postgres "$work"/*.sql 2>/dev/null || true

# ---- Part 1: instructions per statement ---------------------------------------------------------
bench_cluster_stop slowlog_hooks

instructions() { # n config-args...
    local n="$1"; shift
    local out="$work/callgrind.$$.$RANDOM"
    as_postgres valgrind --tool=callgrind --callgrind-out-file="$out" \
        postgres --single -D "$PGDATA" -c shared_buffers=128MB -c max_wal_size=8GB "$@" postgres \
        < "$work/select_$n.sql" > /dev/null 2> "$work/valgrind.log"
    awk '/^(summary|totals):/ {print $2; exit}' "$out"
    rm -f "$out"
}

per_statement() { # config-args...
    local samples=() r a b
    for ((r = 0; r < ROUNDS; r++)); do
        a=$(instructions "$N1" "$@")
        b=$(instructions "$N2" "$@")
        samples+=("$(python3 -c "print(($b - $a) / ($N2 - $N1))")")
    done
    median "${samples[@]}"
}

declare -A per
per[none]=$(per_statement -c "shared_preload_libraries=")
per[pg_stat_statements]=$(per_statement -c "shared_preload_libraries=pg_stat_statements")
per[auto_explain]=$(per_statement -c "shared_preload_libraries=auto_explain" \
    -c "auto_explain.log_min_duration=1000")
per[assistant_hub]=$(per_statement -c "shared_preload_libraries=assistant_hub" \
    -c "assistant_hub.slow_query_ms=1000")
per[assistant_hub_all]=$(per_statement -c "shared_preload_libraries=assistant_hub" \
    -c "assistant_hub.slow_query_ms=0" -c "assistant_hub.slow_query_buffer=$((N2 + 100))")

pct() { python3 -c "print(f'{($1 / $2 - 1) * 100:+.2f}%')"; }
echo
printf '%-40s %14s %10s\n' "shared_preload_libraries" "instr/stmt" "vs none"
for c in none pg_stat_statements auto_explain assistant_hub assistant_hub_all; do
    label="$c"
    [ "$c" = auto_explain ] && label="auto_explain (log_min_duration=1000)"
    [ "$c" = assistant_hub ] && label="assistant_hub (slow_query_ms=1000)"
    [ "$c" = assistant_hub_all ] && label="assistant_hub (slow_query_ms=0, all)"
    printf '%-40s %14.0f %10s\n' "$label" "${per[$c]}" "$(pct "${per[$c]}" "${per[none]}")"
done
echo
overhead() { python3 -c "print(f'{$1 - $2:.0f}')"; }
record "slowlog: extra instr/stmt at 1000ms vs the budget (+0.5% of none)" \
    "$(overhead "${per[assistant_hub]}" "${per[none]}")" \
    "$(python3 -c "print(f'{${per[none]} * 0.005:.0f}')")" "instr" \
    "none=${per[none]} ours=${per[assistant_hub]} ($(pct "${per[assistant_hub]}" "${per[none]}"))"
record "slowlog: extra instr/stmt, ours (1000ms) vs pg_stat_statements" \
    "$(overhead "${per[assistant_hub]}" "${per[none]}")" \
    "$(overhead "${per[pg_stat_statements]}" "${per[none]}")" "instr"
record "slowlog: extra instr/stmt, ours (1000ms) vs auto_explain" \
    "$(overhead "${per[assistant_hub]}" "${per[none]}")" \
    "$(overhead "${per[auto_explain]}" "${per[none]}")" "instr"
record "slowlog: extra instr/stmt, ours capturing all (0ms) vs pg_stat_statements" \
    "$(overhead "${per[assistant_hub_all]}" "${per[none]}")" \
    "$(overhead "${per[pg_stat_statements]}" "${per[none]}")" "instr"

# ---- Part 2: a pgbench run with every statement captured -------------------------------------
as_postgres pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" -w start >/dev/null
bsql -d postgres -c "ALTER SYSTEM SET assistant_hub.slow_query_ms = 0" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
tps=$(as_postgres pgbench -n -S -c 2 -j 2 -T "$PGBENCH_SECONDS" postgres 2>/dev/null |
    awk '/^tps/ {print $3; exit}')
bsql -d postgres -c "ALTER SYSTEM RESET assistant_hub.slow_query_ms" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
stats=$(bsql -d postgres -F' ' -c "SET assistant_hub.slow_query_ms = -1" \
    -c "SELECT assistant_hub.flush_slow_queries()" \
    -c "SELECT captured, flushed, dropped, buffer_used, captured = flushed + dropped AND buffer_used = 0
        FROM assistant_hub.slow_query_stats()" | tail -n 1)
read -r captured flushed dropped used holds <<< "$stats"
echo "pgbench -S at slow_query_ms=0: tps=$tps captured=$captured flushed=$flushed dropped=$dropped pending=$used"
record "slowlog: pgbench -S at threshold 0, captured = flushed + dropped" \
    "$([ "$holds" = t ] && echo 1 || echo 0)" "1" "bool" \
    "captured=$captured flushed=$flushed dropped=$dropped tps=$tps"

# ---- Part 3: from a slow statement's end to its row in the log --------------------------------
latencies=()
for ((i = 1; i <= LATENCY_PROBES; i++)); do
    # A random phase against the worker's timer.
    sleep "0.$((RANDOM % 10))"
    ms=$(bsql -d postgres <<SQL | tail -n 1
SET assistant_hub.slow_query_ms = 100;
SELECT pg_sleep(0.15) AS latency_probe_$i \gset
SET assistant_hub.slow_query_ms = -1;
DO \$\$
DECLARE t timestamptz;
BEGIN
    LOOP
        SELECT logged_at INTO t FROM assistant_hub.query_performance_log
        WHERE query_text LIKE '%latency_probe_$i';
        EXIT WHEN FOUND;
        PERFORM pg_sleep(0.005);
    END LOOP;
    PERFORM set_config('bench.latency_ms',
        (extract(epoch FROM clock_timestamp() - t) * 1000)::text, false);
END \$\$;
SELECT round(current_setting('bench.latency_ms')::numeric);
SQL
)
    latencies+=("$ms")
done
worst=$(python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "${latencies[@]}")
echo "statement end -> query_performance_log (ms): ${latencies[*]} (worst $worst, budget $((FLUSH_INTERVAL_MS + 250)))"
record "slowlog: worst ms from statement end to the log (budget interval+250ms)" \
    "$worst" "$((FLUSH_INTERVAL_MS + 250))" "ms" "probes: ${latencies[*]}"

bench_cluster_stop slowlog_hooks
