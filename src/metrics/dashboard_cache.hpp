// The dashboard cache (assistant_hub.dashboard_cache): each user's dashboard_metrics rows as
// consolidate_metrics() last computed them, one row per user, the rows packed in one bytea in the
// form they are returned in. A read returns them only when they are provably the rows computing
// them again would give in the reading transaction:
//   - the transaction started within the row's [valid_from, valid_until) (same "today" for every
//     metric, so the same 90-day window);
//   - the snapshot sees no delta row of a hub metric for the user (consolidation writes the cache
//     in the transaction that folds the deltas, and only consolidation writes counts after a
//     metric's backfill; the functions that change counts otherwise clear the cache);
//   - the transaction has no pending delta for the user;
//   - the values may be read without the executor (no row-level security, not SERIALIZABLE), and
//     the caller has the privileges computing them needs.
// Otherwise the rows are computed (dashboard_metrics_rows.cpp). So a read is exact either way.
#pragma once

#include "metrics/dashboard_metrics_rows.hpp"

namespace assistant_hub::metrics {

// assistant_hub.dashboard_cache (on by default): off computes every read.
bool dashboard_cache_enabled();
void define_dashboard_cache_setting();

// rows (DashboardReader::rows_of of r) packed as a bytea Datum.
Datum pack_dashboard_rows(const DashboardReader &r, const DashboardRows &rows);

// key's cached rows, appended to out in memory, when they are valid for this transaction and
// snapshot; false: compute them. Checks privileges as computing them does.
bool read_cached_rows(Snapshot snapshot, const pg_uuid_t &key, DashboardRows &out,
                      MemoryContext memory);

} // namespace assistant_hub::metrics
