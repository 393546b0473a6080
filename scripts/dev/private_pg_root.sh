#!/usr/bin/env bash
# For developers running several checkouts at once: a private copy of the PostgreSQL 15
# installation (binaries, share, headers, pg_cron, pg_partman), so that `make install` from one
# checkout does not replace the extension another checkout is testing. PostgreSQL finds its share
# and lib directories relative to its binaries, so the copy works where it is put.
#   scripts/dev/private_pg_root.sh DIR   then   export PG_CONFIG=DIR/lib/postgresql/15/bin/pg_config
set -euo pipefail
root="${1:?usage: private_pg_root.sh DIR}"
mkdir -p "$root/lib/postgresql" "$root/share/postgresql" "$root/include/postgresql"
rsync -a /usr/lib/postgresql/15 "$root/lib/postgresql/"
rsync -a /usr/share/postgresql/15 "$root/share/postgresql/"
rsync -a /usr/include/postgresql/ "$root/include/postgresql/"
chmod -R a+rX "$root"
echo "export PG_CONFIG=$root/lib/postgresql/15/bin/pg_config"
