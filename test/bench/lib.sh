# Sourced by the benchmarks in test/bench/*.sh. Each benchmark starts its own clusters, measures
# ours and the peer in the same run, and records one result row per comparison with `record`.
# `make bench` (scripts/bench.sh) runs them all and turns the rows into the report.
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib.sh"

BENCH_DIR="${BENCH_DIR:-$(stage_dir bench)}"
BENCH_RESULTS="${BENCH_RESULTS:-$BENCH_DIR/results.tsv}"   # name, ours, peer, unit, ratio, note
SCALE="${SCALE:-10000}"                                       # users in the dataset
export PATH="$(pg_bindir):$PATH"

# bench_cluster NAME [postgresql.conf lines...]: a fresh cluster in $BENCH_DIR/NAME, started on a
# free port; sets PGHOST/PGPORT/PGDATA for the following psql calls.
bench_cluster() {
    local name="$1"; shift
    export PGDATA="$BENCH_DIR/$name" PGHOST="$BENCH_DIR" PGUSER=postgres
    bench_cluster_stop "$name"
    rm -rf "$PGDATA"
    as_postgres initdb -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    PGPORT=$(free_port)
    export PGPORT
    {
        echo "port = $PGPORT"
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$BENCH_DIR'"
        echo "shared_buffers = 1GB"
        echo "max_wal_size = 8GB"
        echo "checkpoint_timeout = 30min"
        printf '%s\n' "$@"
    } >> "$PGDATA/postgresql.conf"
    as_postgres pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" -w start >/dev/null
}

bench_cluster_stop() {
    local data="$BENCH_DIR/$1"
    [ -f "$data/postmaster.pid" ] && as_postgres pg_ctl -D "$data" -m fast -w stop >/dev/null 2>&1
    return 0
}

bsql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -tA "$@"; }

# Server-side execution time of one statement, in ms, from EXPLAIN (ANALYZE).
explain_ms() { # db sql
    bsql -d "$1" -c "EXPLAIN (ANALYZE, FORMAT JSON) $2" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])'
}

median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

# record NAME OURS PEER UNIT [NOTE]: one comparison; ratio = peer / ours (above 1: we are better
# for costs). Runs at several scales add BENCH_NAME_SUFFIX (" @ N users") to the name. PEER may be "n/a" when the peer could not run; the note then says why.
record() {
    local name="$1${BENCH_NAME_SUFFIX:-}" ours="$2" peer="$3" unit="$4" note="${5:-}" ratio="n/a"
    if [[ "$peer" =~ ^[0-9.]+$ && "$ours" =~ ^[0-9.]+$ ]] && python3 -c "import sys; sys.exit(float('$ours') == 0)"; then
        ratio=$(python3 -c "print(f'{$peer / $ours:.2f}')")
    fi
    mkdir -p "$(dirname "$BENCH_RESULTS")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$ours" "$peer" "$unit" "$ratio" "$note" >> "$BENCH_RESULTS"
    printf '%-55s ours=%-12s peer=%-12s %-8s peer/ours=%s %s\n' "$name" "$ours" "$peer" "$unit" "$ratio" "$note"
}
