// Index scans for dashboard_summary's fast path: a count as an Index Only Scan makes it, and the
// lookup of one row by its primary key.
#include "metrics/dashboard_summary.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "executor/executor.h"
#include "storage/bufmgr.h"
}

namespace assistant_hub::metrics::summary {

int64 count_index_matches(Relation heap, Relation index, Snapshot snapshot, ScanKey keys,
                          int nkeys) {
    IndexScanDesc scan = index_beginscan(heap, index, snapshot, nkeys, 0);
    // As for an Index Only Scan: the btree then keeps its pin on the leaf page whose entries we
    // are counting, so VACUUM cannot remove one of them and mark its heap page all-visible before
    // we look at the visibility map (a removed entry would then count as a visible tuple).
    scan->xs_want_itup = true;
    index_rescan(scan, keys, nkeys, nullptr, 0);
    Buffer vm_buffer = InvalidBuffer;
    TupleTableSlot *slot = nullptr;
    int64 count = 0;
    ItemPointer tid;
    // The scan keys are every condition, so each index entry whose tuple our snapshot sees counts
    // once. On an all-visible page it does without a heap visit (as in nodeIndexonlyscan.c: the
    // bit is read without a lock; an entry added after it was cleared is for a tuple we cannot see
    // anyway). Otherwise the heap decides; with an MVCC snapshot an entry yields one tuple at most.
    while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != nullptr) {
        CHECK_FOR_INTERRUPTS();
        if (VM_ALL_VISIBLE(heap, ItemPointerGetBlockNumber(tid), &vm_buffer)) {
            ++count;
            continue;
        }
        if (slot == nullptr)
            slot = table_slot_create(heap, nullptr);
        if (index_fetch_heap(scan, slot))
            ++count;
    }
    if (BufferIsValid(vm_buffer))
        ReleaseBuffer(vm_buffer);
    if (slot != nullptr)
        ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
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
