#!/usr/bin/env bash
# `make bench [SCALE=users] [REPORT=path] [SCALES="a b c"]`: runs every benchmark in test/bench
# against its peer in the same run and writes a report (markdown table + SVG chart).
# Benchmarks that take part in the scaling curve (those that declare `# scaling: yes`) run once per
# scale in SCALES.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PROJECT_DIR"

SCALE="${SCALE:-10000}"
SCALES="${SCALES:-1000 3000 $SCALE}"
REPORT="${REPORT:-$PROJECT_DIR/bench/report.md}"
start=$(date +%s)

ensure_packages
build_and_install

export BENCH_DIR; BENCH_DIR=$(stage_dir bench)
export BENCH_RESULTS="$BENCH_DIR/results.tsv"
: > "$BENCH_RESULTS"
chown postgres:postgres "$BENCH_RESULTS"
mkdir -p "$(dirname "$REPORT")"

run_one() { # script scale
    local name log
    name=$(basename "$1" .sh)
    log="$BENCH_DIR/$name-$2.log"
    log "benchmark $name at SCALE=$2"
    if ! SCALE="$2" BENCH_NAME_SUFFIX="${3:-}" bash "$1" 2>&1 | tee "$log"; then
        printf '%s\tn/a\tn/a\t\tn/a\tbenchmark failed at SCALE=%s (log: %s)\n' "$name" "$2" "$log" >> "$BENCH_RESULTS"
    fi
}

for script in test/bench/*.sh; do
    [ "$(basename "$script")" = lib.sh ] && continue
    if grep -q '^# scaling: yes' "$script"; then
        for s in $SCALES; do run_one "$script" "$s" " @ $s users"; done
    else
        run_one "$script" "$SCALE"
    fi
done

python3 scripts/bench_report.py "$BENCH_RESULTS" "$REPORT" "$(pg_bindir)/postgres" "$(( $(date +%s) - start ))"
log "report: $REPORT (chart: ${REPORT%.md}.svg)"
