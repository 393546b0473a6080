// Reading a table's rows straight from one of its btree indexes, as an Index Only Scan does, and
// the one row of a uuid key through a unique index. The dashboards' fast paths use it (only when
// the executor would add nothing to the scan: no row-level security, no SERIALIZABLE predicate
// locks). May ereport: call it under pg::call.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/fmgroids.h"
}

namespace assistant_hub::metrics {

// Calls f(IndexTuple, TupleDesc) for each entry of index matching keys whose heap tuple snapshot
// (an MVCC snapshot) sees; the entry carries the indexed and included columns.
template <typename F>
void for_each_visible_entry(Relation heap, Relation index, Snapshot snapshot, ScanKey keys,
                            int nkeys, F &&f) {
    IndexScanDesc scan = index_beginscan(heap, index, snapshot, nkeys, 0);
    // As for an Index Only Scan: the btree then keeps its pin on the leaf page whose entries we
    // read, so VACUUM cannot remove one of them and mark its heap page all-visible before we look
    // at the visibility map (a removed entry would then pass for a visible tuple).
    scan->xs_want_itup = true;
    index_rescan(scan, keys, nkeys, nullptr, 0);
    Buffer vm_buffer = InvalidBuffer;
    TupleTableSlot *slot = nullptr;
    ItemPointer tid;
    // On an all-visible page an entry needs no heap visit (as in nodeIndexonlyscan.c: the bit is
    // read without a lock, per entry; an entry added after it was cleared is for a tuple the
    // snapshot cannot see anyway). Otherwise the heap decides; with an MVCC snapshot an entry
    // yields one tuple at most.
    while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != nullptr) {
        CHECK_FOR_INTERRUPTS();
        if (!VM_ALL_VISIBLE(heap, ItemPointerGetBlockNumber(tid), &vm_buffer)) {
            if (slot == nullptr)
                slot = table_slot_create(heap, nullptr);
            if (!index_fetch_heap(scan, slot))
                continue;
        }
        f(scan->xs_itup, scan->xs_itupdesc);
    }
    if (BufferIsValid(vm_buffer))
        ReleaseBuffer(vm_buffer);
    if (slot != nullptr)
        ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
}

// for_each_visible_entry over the entries of index whose first column equals the uuid key,
// opening (and closing) the table and index.
template <typename F>
void for_each_visible_entry_of(Oid table, Oid index, Snapshot snapshot, Datum key, F &&f) {
    Relation heap = table_open(table, AccessShareLock);
    Relation ix = index_open(index, AccessShareLock);
    ScanKeyData scankey;
    ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_UUID_EQ, key);
    for_each_visible_entry(heap, ix, snapshot, &scankey, 1, f);
    index_close(ix, AccessShareLock);
    table_close(heap, AccessShareLock);
}

// The row of table that snapshot sees with the uuid key in the first column of its unique index,
// passed to f(slot) while pinned (a slot of the table's own kind); false when there is none,
// else what f returns.
template <typename F> bool with_row_of(Oid table, Oid index, Snapshot snapshot, Datum key, F &&f) {
    Relation heap = table_open(table, AccessShareLock);
    Relation ix = index_open(index, AccessShareLock);
    ScanKeyData scankey;
    ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_UUID_EQ, key);
    IndexScanDesc scan = index_beginscan(heap, ix, snapshot, 1, 0);
    index_rescan(scan, &scankey, 1, nullptr, 0);
    TupleTableSlot *slot = table_slot_create(heap, nullptr);
    bool result = index_getnext_slot(scan, ForwardScanDirection, slot) && f(slot);
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    index_close(ix, AccessShareLock);
    table_close(heap, AccessShareLock);
    return result;
}

} // namespace assistant_hub::metrics
