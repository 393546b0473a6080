// Index scans for dashboard_summary's fast path: a count as an Index Only Scan makes it, and the
// lookup of one row by its primary key.
#include "metrics/dashboard_summary.hpp"
#include "metrics/index_entries.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "executor/executor.h"
}

namespace assistant_hub::metrics::summary {

int64 count_index_matches(Relation heap, Relation index, Snapshot snapshot, ScanKey keys,
                          int nkeys) {
    // The scan keys are every condition, so each visible entry counts once.
    int64 count = 0;
    for_each_visible_entry(heap, index, snapshot, keys, nkeys,
                           [&](IndexTuple, TupleDesc) { ++count; });
    return count;
}

bool fetch_first_match(Relation heap, Relation index, Snapshot snapshot, ScanKey keys, int nkeys,
                       TupleTableSlot *slot) {
    IndexScanDesc scan = index_beginscan(heap, index, snapshot, nkeys, 0);
    index_rescan(scan, keys, nkeys, nullptr, 0);
    bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    index_endscan(scan);
    return found;
}

} // namespace assistant_hub::metrics::summary
