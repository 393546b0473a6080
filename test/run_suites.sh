#!/usr/bin/env bash
# Runs the server test suites from a staged copy of the project, as the postgres user:
#   test/run_suites.sh STAGE_DIR [suite...]     suites: schedules regress nopreload isolation tap
# Each suite gets its own temporary instance; output goes to STAGE_DIR/out/<suite>.
set -uo pipefail
stage="$1"; shift
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(schedules regress nopreload isolation tap)
cd "$stage"
PG_CONFIG="${PG_CONFIG:-pg_config}"
bindir=$("$PG_CONFIG" --bindir)
pgxs=$(dirname "$(dirname "$("$PG_CONFIG" --pgxs)")")
export PATH="$bindir:$PATH"
failed=()

bold() { printf '\033[1m==> %s\033[0m\n' "$*"; }

show_diffs() {
    [ -f "$1/regression.diffs" ] && head -n 300 "$1/regression.diffs"
}

# Every test file is in exactly one schedule, and every scheduled test exists.
check_schedules() {
    local ok=0 t
    for f in sql/*.sql; do
        t=$(basename "$f" .sql)
        grep -qwh "^test:.*\b$t\b" test/schedule test/schedule_nopreload ||
            { echo "sql/$t.sql is in no schedule (test/schedule or test/schedule_nopreload)"; ok=1; }
    done
    for t in $(sed -n 's/^test://p' test/schedule test/schedule_nopreload); do
        [ -f "sql/$t.sql" ] || { echo "scheduled test $t has no sql/$t.sql"; ok=1; }
        [ -f "expected/$t.out" ] || { echo "scheduled test $t has no expected/$t.out"; ok=1; }
    done
    if ls test/isolation/specs/*.spec >/dev/null 2>&1; then
        for f in test/isolation/specs/*.spec; do
            t=$(basename "$f" .spec)
            grep -qw "$t" test/isolation/schedule || { echo "isolation spec $t is not scheduled"; ok=1; }
        done
    fi
    return $ok
}

run_regress() { # name config schedule
    local out="out/$1"
    rm -rf "$out"; mkdir -p "$out"
    bold "pg_regress: $1"
    "$pgxs/test/regress/pg_regress" --bindir="$bindir" --inputdir=. --outputdir="$out" \
        --temp-instance="$out/tmp_check" --temp-config="$2" --dbname=contrib_regression \
        --schedule="$3" || { show_diffs "$out"; return 1; }
}

run_isolation() {
    ls test/isolation/specs/*.spec >/dev/null 2>&1 || return 0
    local out="out/isolation"
    rm -rf "$out"; mkdir -p "$out"
    bold "isolation"
    "$pgxs/test/isolation/pg_isolation_regress" --bindir="$bindir" --inputdir=test/isolation \
        --outputdir="$out" --temp-instance="$out/tmp_check" --temp-config=test/regress.conf \
        --dbname=contrib_regression --schedule=test/isolation/schedule || { show_diffs "$out"; return 1; }
}

run_tap() {
    ls test/t/*.pl >/dev/null 2>&1 || return 0
    bold "TAP"
    rm -rf out/tap; mkdir -p out/tap/tmp_check
    TESTDIR="$stage/out/tap" PG_REGRESS="$pgxs/test/regress/pg_regress" PGPORT=65400 \
        PERL5LIB="$pgxs/test/perl" PROJECT_DIR="$stage" \
        prove --timer -v test/t/*.pl > out/tap/prove.log 2>&1
    local rc=$?
    grep -E '^(ok|not ok|#   Failed|\[|Result|t/|test/)' out/tap/prove.log | tail -n 200
    [ $rc -eq 0 ] || { tail -n 80 out/tap/prove.log; for l in out/tap/tmp_check/log/*; do [ -f "$l" ] && { echo "--- $l"; tail -n 40 "$l"; }; done; }
    return $rc
}

for s in "${suites[@]}"; do
    case "$s" in
        schedules) bold "schedule check"; check_schedules || failed+=(schedules) ;;
        regress) run_regress regress test/regress.conf test/schedule || failed+=(regress) ;;
        nopreload) run_regress nopreload test/regress_nopreload.conf test/schedule_nopreload || failed+=(nopreload) ;;
        isolation) run_isolation || failed+=(isolation) ;;
        tap) run_tap || failed+=(tap) ;;
        *) echo "unknown suite $s"; failed+=("$s") ;;
    esac
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED suites: ${failed[*]}"
    exit 1
fi
