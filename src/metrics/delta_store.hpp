// This transaction's pending metric deltas: (metric, key, day) -> change in count, one map per
// open (sub)transaction level. A subtransaction's maps become its parent's when it commits and are
// dropped when it rolls back; at pre-commit the top level's deltas are written (delta_writer).
// Everything lives in a context under TopTransactionContext, so an aborted transaction frees it.
#pragma once

#include <cstring>
#include <limits>
#include <utility>

#include <boost/container/map.hpp>

#include "metrics/delta_key.hpp"
#include "pg/palloc_allocator.hpp"

namespace assistant_hub::metrics {

using DeltaMap = boost::container::map<DeltaKey, int64, DeltaKeyLess,
                                       pg::PallocAllocator<std::pair<const DeltaKey, int64>>>;

// The pseudo-metric of dashboard_summary's touches (summary_touch.cpp): never a metric's id (ids
// come from a sequence starting at 1). Its entries count the rows a user had changed; they are
// written as marker rows, never folded into counts.
inline constexpr int32 summary_touch_metric = 0;

struct DeltaLevel {
    int nest_level;
    DeltaMap deltas;
};
using DeltaLevels = boost::container::vector<DeltaLevel, pg::PallocAllocator<DeltaLevel>>;

// The map of the current (sub)transaction level, created on first use.
DeltaMap &current_deltas();

// Adds delta to key's entry; a text key's bytes are copied on first insert.
void add_delta(DeltaMap &deltas, const DeltaKey &key, int64 delta);

// Every open level's deltas (a key may appear in several levels; sum them), or null when there are
// none.
const DeltaLevels *pending_levels();

// Calls f(day, delta) for each non-zero pending delta of one metric and uuid key, in every open
// level: a map lookup per level (the maps are ordered by metric, key, day), not a walk of them.
template <typename F> void for_each_pending_of(int32 metric, const unsigned char *uuid, F &&f) {
    const DeltaLevels *levels = pending_levels();
    if (levels == nullptr)
        return;
    DeltaKey first;
    first.metric_id = metric;
    first.day = std::numeric_limits<int32>::min();
    first.storage = KeyStorage::uuid;
    std::memcpy(first.uuid, uuid, sizeof first.uuid);
    for (const DeltaLevel &level : *levels)
        for (auto it = level.deltas.lower_bound(first);
             it != level.deltas.end() && it->first.metric_id == metric &&
             it->first.storage == KeyStorage::uuid &&
             std::memcmp(it->first.uuid, uuid, sizeof first.uuid) == 0;
             ++it)
            if (it->second != 0)
                f(it->first.day, it->second);
}

// Whether this transaction has a pending delta or touch of the uuid key, of any metric (a walk of
// the maps: only a transaction that wrote has any).
bool has_pending_uuid(const unsigned char *uuid);

// Writes the deltas at pre-commit, through the metric catalog owner (delta_writer.cpp).
void write_deltas(const DeltaLevels &levels);

} // namespace assistant_hub::metrics
