// The dashboard cache (assistant_hub.dashboard_cache): each user's consolidated day values and the
// dashboard_metrics rows computed from them, as consolidate_metrics() last wrote them, packed in
// one bytea per user. A one-user read uses them when the transaction started within the row's
// [valid_from, valid_until) (the same "today" for every metric, so the same 90-day window), the
// values may be read without the executor (no row-level security, not SERIALIZABLE) and the caller
// has the privileges computing them needs. Then:
//   - no newer deltas of the user (delta rows the snapshot sees, pending ones of this transaction):
//     the cached rows as they are;
//   - newer deltas: the rows of the metrics they touch recomputed from the cached values plus the
//     deltas, the others as cached.
// This is exact because the cached values are the counts (consolidation writes the cache from the
// counts in the transaction that folds the deltas into them, only consolidation writes counts
// after a metric's backfill, and what changes counts otherwise empties the cache), and a delta row
// is visible exactly when it is not in the counts the visible cache row was computed from.
// Otherwise the rows are computed from the value tables (dashboard_metrics_rows.cpp).
#pragma once

#include "metrics/dashboard_metrics_rows.hpp"

namespace assistant_hub::metrics {

// Defines assistant_hub.dashboard_cache (on by default): off computes every read.
void define_dashboard_cache_setting();

// Whether assistant_hub.dashboard_cache is on (dashboard_summary's cache follows it too).
bool dashboard_cache_on();

// A user's consolidated day values (DashboardReader::values_of of r, counts only) and the rows
// computed from them (week_rows), packed as a bytea Datum.
Datum pack_dashboard_rows(const DashboardReader &r, const DayValues *values,
                          const DashboardRows &rows);

enum class CachedRead {
    miss,       // compute the rows
    cached,     // the cached rows
    with_deltas // the cached rows, those of metrics with newer deltas recomputed with them
};

// key's rows from the cache, appended to out in memory, when the cache holds them valid for this
// transaction; adds the deltas the snapshot and the transaction have beyond the cached values.
// direct: what dashboard_direct_read() (which checks privileges as computing the rows does) said
// for this scan; the cache is used only when the values may be read directly.
CachedRead read_cached_rows(Snapshot snapshot, const pg_uuid_t &key, bool direct,
                            DashboardRows &out, MemoryContext memory);

} // namespace assistant_hub::metrics
