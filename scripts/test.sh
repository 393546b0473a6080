#!/usr/bin/env bash
# `make test`: installs what is missing, builds, installs, then runs every suite: pg_regress
# (with and without the library preloaded), isolation, TAP and the C++ unit tests. Exits non-zero
# when any of them fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PROJECT_DIR"
start=$(date +%s)

ensure_packages
build_and_install

stage=$(stage_dir test)
rsync -a --delete --exclude .git --exclude build --exclude demo --exclude '*.o' --exclude '*.bc' \
    ./ "$stage/"
chown -R postgres:postgres "$stage" 2>/dev/null || true

failed=()
as_postgres env PG_CONFIG="$PG_CONFIG" "$stage/test/run_suites.sh" "$stage" || failed+=(server-suites)

log "unit tests (GoogleTest via CMake)"
make -s unit PG_CONFIG="$PG_CONFIG" || failed+=(unit)

log "done in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "all suites passed"
