#!/usr/bin/env bash
# `make valgrind-check`: runs the pg_regress suite against a server running under valgrind
# memcheck (every backend traced) and reports the memory errors whose stack passes through
# assistant_hub. Slow (several minutes), so not part of `make test`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$PROJECT_DIR"
ensure_packages
build_and_install

dir=$(stage_dir valgrind)
rsync -a --delete --exclude .git --exclude build --exclude demo --exclude '*.o' --exclude '*.bc' ./ "$dir/tree/"
rm -rf "$dir/data" "$dir/logs" "$dir/out"
mkdir -p "$dir/logs" "$dir/out"
chown -R postgres:postgres "$dir"
port=$(free_port)
as_postgres initdb -D "$dir/data" -U postgres --auth=trust >/dev/null
{
    cat test/regress.conf
    echo "port = $port"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 20"
} >> "$dir/data/postgresql.conf"

log "starting postgres under valgrind memcheck"
as_postgres valgrind --quiet --trace-children=yes --leak-check=no --num-callers=30 \
    --error-limit=no --suppressions="$dir/tree/test/valgrind.supp" --log-file="$dir/logs/vg.%p.log" \
    "$(pg_bindir)/postgres" -D "$dir/data" > "$dir/logs/server.log" 2>&1 &
for _ in $(seq 1 120); do
    as_postgres pg_isready -q -h "$dir" -p "$port" && break
    sleep 1
done
as_postgres psql -X -q -h "$dir" -p "$port" -d postgres -c "CREATE DATABASE contrib_regression"

log "running the regression suite (slow under valgrind)"
rc=0
as_postgres "$(pgxs_dir)/test/regress/pg_regress" --bindir="$(pg_bindir)" --inputdir="$dir/tree" \
    --outputdir="$dir/out" --use-existing --host="$dir" --port="$port" --dbname=contrib_regression \
    --schedule="$dir/tree/test/schedule" || rc=$?
as_postgres pg_ctl -D "$dir/data" -m fast -w stop >/dev/null || true
sleep 2

# Memcheck error blocks ("==pid== <kind>" up to the blank line) that mention our library.
python3 - "$dir/logs" <<'PY'
import glob, re, sys
ours, total = [], 0
for path in glob.glob(sys.argv[1] + "/vg.*.log"):
    blocks = re.split(r"\n==\d+== \n", open(path, errors="replace").read())
    for b in blocks:
        if re.search(r"(Invalid (read|write|free)|uninitialised|Mismatched free|overlap|Source and destination)", b):
            total += 1
            frames = [l for l in b.splitlines() if re.search(r"(at|by) 0x", l)]
            first = next((i for i, l in enumerate(frames) if "assistant_hub" in l), None)
            # Our executor/utility hooks are in every statement's stack: an error inside the
            # standard_* function a hook passed control to is PostgreSQL's own, not ours.
            passed_through = first is not None and any(
                re.search(r"standard_(Executor(Start|Run|Finish|End)|ProcessUtility)\b", l)
                for l in frames[:first])
            if first is not None and not passed_through:
                ours.append((path, b))
print(f"memcheck errors in all backends: {total}; raised in or below assistant_hub code (not just passed through its hooks): {len(ours)}")
for path, b in ours[:20]:
    print(f"--- {path}\n{b}\n")
sys.exit(1 if ours else 0)
PY
vg=$?
[ $rc -eq 0 ] || echo "the regression suite failed under valgrind (see $dir/out/regression.diffs)"
exit $(( rc || vg ))
