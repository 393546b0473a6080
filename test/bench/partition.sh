#!/usr/bin/env bash
# Partition manager against pg_partman 4.7, measured in the same cluster and run:
#  1. a no-op maintenance run over SETS monthly sets (server time, and relation locks held)
#  2. creating the next partition of each of SETS sets (premake raised by one per round)
#  3. retention over SETS sets (one partition of each dropped per round)
#  4. convert_to_partitioned of a ROWS-row table while pgbench inserts and updates it: the longest
#     writer wait and rows before/after, against the plain-PostgreSQL conversion (rename, create
#     the parent, ATTACH the old table, which scans it under ACCESS EXCLUSIVE). pg_partman 4.7 has
#     no online conversion of a live table (its documented migration takes the table offline).
# Usage: test/bench/partition.sh   (SETS=100 ROWS=1000000 ROUNDS=5 by default;
#        SECTIONS="maintenance convert" runs both parts)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SETS="${SETS:-100}"
ROWS="${ROWS:-1000000}"
ROUNDS="${ROUNDS:-5}"
SECTIONS="${SECTIONS:-maintenance convert}"
WRITE_SECONDS="${WRITE_SECONDS:-12}"   # pgbench run around each conversion
DB=bench_partition

bench_cluster partition "shared_preload_libraries = 'assistant_hub'" "max_worker_processes = 16" \
    "max_locks_per_transaction = 1024"
trap 'bench_cluster_stop partition' EXIT
bsql -d postgres -c "CREATE DATABASE $DB"
q() { bsql -d "$DB" "$@"; }
q -c "CREATE EXTENSION assistant_hub; CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;
      CREATE SCHEMA ours; CREATE SCHEMA peer;"
log "pg_partman $(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_partman'"), $SETS sets each"

if [[ " $SECTIONS " == *" maintenance "* ]]; then
# SETS monthly sets per tool, premake 4, partitions reaching 8 months back.
q -c "
DO \$\$
BEGIN
    FOR i IN 1..$SETS LOOP
        EXECUTE format('CREATE TABLE ours.t%s (id bigint, at timestamptz NOT NULL, v int) PARTITION BY RANGE (at)', i);
        EXECUTE format('CREATE INDEX ON ours.t%s (at)', i);
        PERFORM assistant_hub.partition_by_time(format('ours.t%s', i)::regclass, 'at', '1 month', 4);
        PERFORM assistant_hub.create_partitions_for_range(format('ours.t%s', i)::regclass,
            date_trunc('month', now()) - interval '8 months', now());
        EXECUTE format('CREATE TABLE peer.t%s (id bigint, at timestamptz NOT NULL, v int) PARTITION BY RANGE (at)', i);
        EXECUTE format('CREATE INDEX ON peer.t%s (at)', i);
        PERFORM partman.create_parent(format('peer.t%s', i), 'at', 'native', 'monthly', p_premake := 4,
            p_start_partition := (date_trunc('month', now()) - interval '8 months')::text);
    END LOOP;
END \$\$;"
# pg_partman premakes from max() of the data unless told to follow the clock, as ours does.
q -c "UPDATE partman.part_config SET infinite_time_partitions = true"
q -c "SELECT count(*) FROM assistant_hub.run_partition_maintenance()" >/dev/null
q -c "SELECT partman.run_maintenance()" >/dev/null
partitions() { q -c "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent
                     WHERE c.relnamespace = '$1'::regnamespace AND c.relkind = 'p'"; }
log "partitions: ours $(partitions ours), pg_partman $(partitions peer)"

OURS_RUN="SELECT count(*) FROM assistant_hub.run_partition_maintenance()"
PEER_RUN="SELECT partman.run_maintenance()"

# 1. No-op maintenance.
ours=(); peer=()
for r in $(seq "$ROUNDS"); do
    ours+=("$(explain_ms "$DB" "$OURS_RUN")")
    peer+=("$(explain_ms "$DB" "$PEER_RUN")")
done
record "partition: no-op maintenance, $SETS monthly sets" "$(median "${ours[@]}")" "$(median "${peer[@]}")" ms
locks() { # relation locks held after the run, all and on the sets' tables
    q -c "BEGIN" -c "$1" -c "SELECT count(*) || ' relation locks, ' ||
            count(*) FILTER (WHERE c.relnamespace = '$2'::regnamespace) || ' on user tables'
          FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
          WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'" -c "ROLLBACK" | tail -n 1
}
ours_locks=$(locks "$OURS_RUN" ours); peer_locks=$(locks "$PEER_RUN" peer)
echo "no-op run holds: ours $ours_locks; pg_partman $peer_locks"
record "partition: no-op maintenance, user-table locks held" \
    "$(echo "$ours_locks" | sed -E 's/.*, ([0-9]+) on user tables/\1/')" \
    "$(echo "$peer_locks" | sed -E 's/.*, ([0-9]+) on user tables/\1/')" locks "ours: $ours_locks; pg_partman: $peer_locks"

# timed_rounds NAME CHANGE: three rounds of (CHANGE ROUND: SQL that changes both tools' sets; one
# maintenance run of each, timed); prints how many partitions each run added or removed.
timed_rounds() {
    local name="$1" change="$2" r before_o before_p d_o d_p
    local ours=() peer=()
    for r in 1 2 3; do
        q -c "$("$change" "$r")"
        before_o=$(partitions ours); before_p=$(partitions peer)
        ours+=("$(explain_ms "$DB" "$OURS_RUN")")
        peer+=("$(explain_ms "$DB" "$PEER_RUN")")
        d_o=$(( $(partitions ours) - before_o )); d_p=$(( $(partitions peer) - before_p ))
        echo "$name round $r: partitions changed by ours $d_o, pg_partman $d_p"
    done
    record "partition: $name, $SETS sets" "$(median "${ours[@]}")" "$(median "${peer[@]}")" ms
}
# 2. The next partition of every set: premake + 1 per round.
premake_plus_one() {
    echo "UPDATE assistant_hub.partition_sets SET premake = premake + 1 WHERE parent::text LIKE 'ours.%';
          UPDATE partman.part_config SET premake = premake + 1"
}
timed_rounds "create next partition" premake_plus_one
# 3. Retention: each round keeps one month less, so one partition of each set goes.
keep_one_month_less() {
    echo "UPDATE assistant_hub.partition_sets SET retain = '$(( 8 - $1 )) months' WHERE parent::text LIKE 'ours.%';
          UPDATE partman.part_config SET retention = '$(( 8 - $1 )) months', retention_keep_table = false"
}
timed_rounds retention keep_one_month_less

# Instructions of one warm no-op run (valgrind callgrind on postgres --single; timing on a shared
# machine is noisy): (three runs - one run) / 2, so start-up and cold caches cancel out.
instructions() { # sql
    local n out total=()
    for n in 1 3; do
        out="$BENCH_DIR/callgrind.$$.$n"
        for _ in $(seq "$n"); do echo "$1"; done |
            as_postgres valgrind --tool=callgrind --callgrind-out-file="$out" \
                postgres --single -D "$PGDATA" -c shared_preload_libraries=assistant_hub "$DB" >/dev/null 2>&1
        total+=("$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')")
        rm -f "$out"
    done
    echo $(( (total[1] - total[0]) / 2 ))
}
if command -v valgrind >/dev/null; then
    bench_cluster_stop partition
    ours_ir=$(instructions "$OURS_RUN")
    peer_ir=$(instructions "$PEER_RUN")
    record "partition: no-op maintenance, $SETS sets, instructions" "$ours_ir" "$peer_ir" Ir "callgrind, warm run"
    as_postgres pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" -w start >/dev/null
fi

fi

[[ " $SECTIONS " == *" convert "* ]] || exit 0
# 4. Conversion of a live table.
PGB_DIR="$BENCH_DIR/pgbench"
rm -rf "$PGB_DIR"; mkdir -p "$PGB_DIR"; chown postgres "$PGB_DIR"
cat > "$PGB_DIR/writes.sql" <<SQL
\set id random(1, $ROWS)
UPDATE big SET v = v + 1 WHERE id = :id;
INSERT INTO big (at, v) VALUES (now(), 1);
SQL
chmod a+r "$PGB_DIR/writes.sql"
make_big() {
    q -c "DROP TABLE IF EXISTS big, big_old CASCADE;
          DELETE FROM assistant_hub.partition_conversions; DELETE FROM assistant_hub.partition_sets WHERE parent::text = 'big';
          CREATE TABLE big (id bigint GENERATED BY DEFAULT AS IDENTITY, at timestamptz NOT NULL, v int NOT NULL,
                            PRIMARY KEY (id, at));
          INSERT INTO big (at, v) SELECT now() - (g % 700) * interval '1 day', 0 FROM generate_series(1, $ROWS) g;
          CREATE INDEX big_id ON big (id);"
    q -c "VACUUM ANALYZE big"
}
# convert_under_load NAME SQL...: pgbench writes for WRITE_SECONDS; the conversion starts after
# 2 s. Prints "<longest writer wait ms> <rows before> <rows after> <rows written> <failed>".
convert_under_load() {
    local name="$1"; shift
    make_big
    local before; before=$(q -c "SELECT count(*) FROM big")
    rm -f "$PGB_DIR"/"$name"*
    as_postgres pgbench -n -c 2 -j 2 -T "$WRITE_SECONDS" -f "$PGB_DIR/writes.sql" -l --log-prefix="$PGB_DIR/$name" \
        -h "$PGHOST" -p "$PGPORT" "$DB" > "$PGB_DIR/$name.out" 2>&1 &
    local pgb=$!
    sleep 2
    local start; start=$(date +%s.%N)
    q "$@" > /dev/null
    echo "$name: conversion took $(python3 -c "import time; print(f'{time.time() - $start:.2f}')") s" >&2
    wait "$pgb" || true
    local after; after=$(q -c "SELECT count(*) FROM big")
    cat "$PGB_DIR/$name".[0-9]* | python3 -c '
import sys
lat = [int(l.split()[2]) for l in sys.stdin if len(l.split()) >= 6]
print(f"{max(lat) / 1000:.1f} {len(lat)}")' | {
        read -r wait_ms written
        local failed; failed=$(grep -c "aborted\|ERROR" "$PGB_DIR/$name.out" || true)
        echo "$wait_ms $before $after $written $failed"
    }
}
# The same writes with nothing else going on: the machine's own worst latency.
read -r base_wait _ < <(convert_under_load baseline -c "SELECT 1")
echo "no conversion: longest writer wait ${base_wait} ms"
read -r ours_wait ours_before ours_after ours_written ours_failed < <(
    convert_under_load ours -c "SELECT assistant_hub.convert_to_partitioned('big', 'at')")
echo "ours: longest writer wait ${ours_wait} ms; rows before $ours_before, after $ours_after, written during the run $ours_written (failed clients: $ours_failed)"
bound=$(q -c "SELECT (date_trunc('month', now()) + interval '1 month')::text")
read -r peer_wait peer_before peer_after peer_written peer_failed < <(
    convert_under_load peer -c "BEGIN" -c "ALTER TABLE big RENAME TO big_old" \
        -c "CREATE TABLE big (LIKE big_old INCLUDING ALL) PARTITION BY RANGE (at)" \
        -c "SELECT setval(pg_get_serial_sequence('big', 'id'), (SELECT max(id) FROM big_old))" \
        -c "ALTER TABLE big ATTACH PARTITION big_old FOR VALUES FROM (MINVALUE) TO ('$bound')" -c "COMMIT")
echo "plain ATTACH: longest writer wait ${peer_wait} ms; rows before $peer_before, after $peer_after, written $peer_written (failed clients: $peer_failed)"
record "partition: convert $ROWS-row table under writes, longest writer wait" "$ours_wait" "$peer_wait" ms \
    "peer: rename + ATTACH without a validated CHECK (pg_partman 4.7 has no online conversion); same writes without a conversion: ${base_wait} ms"
ok=$([ "$ours_after" -eq $(( ours_before + ours_written )) ] && echo equal || echo DIFFERENT)
record "partition: convert rows after = before + written" "$ours_after" "$(( ours_before + ours_written ))" rows "$ok"
