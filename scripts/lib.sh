# Shared by the project's scripts: packages, PostgreSQL paths, and running as the postgres user.
# shellcheck shell=bash

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"

# Everything the build, the tests, the demo and the benchmarks need, from Debian's archive.
REQUIRED_PACKAGES=(
    postgresql-15 postgresql-server-dev-15 postgresql-15-cron postgresql-15-partman
    libboost-dev pgbouncer libipc-run-perl
    make g++ cmake googletest libgtest-dev clang-format valgrind rsync procps
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_packages() {
    local missing=()
    for p in "${REQUIRED_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root, or install them)" >&2
        exit 1
    fi
    log "installing ${missing[*]}"
    apt-get update -qq
    # Debian's postgresql-common would create and start a cluster on 5432; we run our own.
    mkdir -p /etc/postgresql-common
    if [ ! -f /etc/postgresql-common/createcluster.conf ] ||
        ! grep -q '^create_main_cluster = false' /etc/postgresql-common/createcluster.conf; then
        echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

pg_bindir() { "$PG_CONFIG" --bindir; }

# A TCP port on the loopback that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgxs_dir() { dirname "$(dirname "$("$PG_CONFIG" --pgxs)")"; }

# Runs a command as the postgres user (PostgreSQL refuses to run as root).
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- env PATH="$(pg_bindir):$PATH" "$@"
    else
        env PATH="$(pg_bindir):$PATH" "$@"
    fi
}

# A directory owned by the postgres user, one per checkout, for test output and clusters
# (the checkout itself may sit under a directory postgres cannot enter, such as /root).
stage_dir() {
    local d
    d="/var/tmp/assistant_hub-$(printf '%s' "$PROJECT_DIR" | md5sum | cut -c1-8)/$1"
    mkdir -p "$d"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$(dirname "$d")" "$d"
    printf '%s\n' "$d"
}

build_and_install() {
    log "building and installing assistant_hub"
    make -C "$PROJECT_DIR" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
    make -C "$PROJECT_DIR" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
}
