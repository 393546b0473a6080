// This transaction's pending metric deltas: (metric, key, day) -> change in count, one map per
// open (sub)transaction level. A subtransaction's maps become its parent's when it commits and are
// dropped when it rolls back; at pre-commit the top level's deltas are written (delta_writer).
// Everything lives in a context under TopTransactionContext, so an aborted transaction frees it.
#pragma once

#include <utility>

#include <boost/container/map.hpp>

#include "metrics/delta_key.hpp"
#include "pg/palloc_allocator.hpp"

namespace assistant_hub::metrics {

using DeltaMap = boost::container::map<DeltaKey, int64, DeltaKeyLess,
                                       pg::PallocAllocator<std::pair<const DeltaKey, int64>>>;

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

// Writes the deltas at pre-commit, through the metric catalog owner (delta_writer.cpp).
void write_deltas(const DeltaLevels &levels);

} // namespace assistant_hub::metrics
