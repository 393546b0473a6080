// dashboard_summary's cache: assistant_hub.dashboard_summary_cache holds, per user, what the four
// counts can be at any transaction start in [valid_from, valid_until), computed by consolidation
// (_dashboard_summary_cache_build): the journal entries and the pending tasks due within a week
// for each day the user's "today" can be in that period, the confirmed events' start times from
// valid_from to valid_until + 24 hours, and the unread threads. A read picks the counts for its
// own now() and today, so one index probe and one heap row replace five index scans.
//
// Exact because every change to the rows these counts come from leaves a delta or marker row of
// the user (summary_touch.cpp, delta_writer.cpp) that consolidation deletes only in the
// transaction that recomputes the user's cache row: a visible one, or a pending one of this
// transaction, sends the read to the indexes. What changes rows otherwise (TRUNCATE; DDL on the
// tables, _summary_sources_changed) empties the caches; a read whose snapshot still sees a row
// deleted since (by that, or by a consolidation) counts instead. The read locks the five tables
// as a query does, so DDL on them waits for its transaction (a partition's does not, and then
// reaches the read through that deleted row).
#include "metrics/dashboard_cache.hpp"
#include "metrics/dashboard_summary.hpp"
#include "metrics/delta_store.hpp"
#include "metrics/index_entries.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/multixact.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/rls.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::metrics::summary {
namespace {

// Columns of assistant_hub.dashboard_summary_cache.
enum : AttrNumber {
    valid_from_column = 2,
    valid_until_column,
    timezone_column,
    first_day_column,
    journal_column,
    tasks_column,
    events_column,
    unread_column
};

// Whether a transaction that committed has deleted or updated the tuple in slot (its snapshot
// still seeing it): the caches were emptied, or the row recomputed, since the snapshot was taken,
// say by DDL or TRUNCATE, which older snapshots do not see the way they see row changes.
bool deleted_since_snapshot(TupleTableSlot *slot) {
    auto *heap_slot = reinterpret_cast<BufferHeapTupleTableSlot *>(slot);
    if (!TTS_IS_BUFFERTUPLE(slot) || !BufferIsValid(heap_slot->buffer))
        return true; // not a heap table (SET ACCESS METHOD): do not trust it

    LockBuffer(heap_slot->buffer, BUFFER_LOCK_SHARE);
    HeapTupleHeader t = heap_slot->base.tuple->t_data;
    bool deleted = !(t->t_infomask & HEAP_XMAX_INVALID) &&
                   !HEAP_XMAX_IS_LOCKED_ONLY(t->t_infomask) &&
                   TransactionIdIsValid(HeapTupleHeaderGetUpdateXid(t)) &&
                   TransactionIdDidCommit(HeapTupleHeaderGetUpdateXid(t));
    LockBuffer(heap_slot->buffer, BUFFER_LOCK_UNLOCK);
    return deleted;
}

// An array of element type without nulls, empty or of one dimension, its length in *n; null
// otherwise.
ArrayType *plain_array(Datum value, Oid element_type, int *n) {
    ArrayType *array = DatumGetArrayTypeP(value);
    if (ARR_NDIM(array) > 1 || ARR_HASNULL(array) || ARR_ELEMTYPE(array) != element_type)
        return nullptr;
    *n = ARR_NDIM(array) == 1 ? ARR_DIMS(array)[0] : 0;
    return array;
}

// Whether snapshot sees a delta or marker row of key (any metric).
bool has_delta_rows(const DashboardRelations &rels, Snapshot snapshot, Datum key) {
    bool any = false;
    for_each_visible_entry_of(rels.deltas, rels.deltas_index, snapshot, key,
                              [&](IndexTuple, TupleDesc) { any = true; });
    return any;
}

// The counts from the cached row in slot, for this transaction's now() and the user's today;
// false when the row does not cover them.
bool counts_from(TupleTableSlot *slot, Counts *counts) {
    bool null[unread_column + 1] = {};
    Datum value[unread_column + 1];
    for (AttrNumber a = valid_from_column; a <= unread_column; a++)
        value[a] = slot_getattr(slot, a, &null[a]);
    for (AttrNumber a = valid_from_column; a <= unread_column; a++)
        if (null[a])
            return false;
    TimestampTz now = GetCurrentTransactionStartTimestamp();
    if (now < DatumGetTimestampTz(value[valid_from_column]) ||
        now >= DatumGetTimestampTz(value[valid_until_column]))
        return false;
    int days = 0, task_days = 0, events = 0;
    ArrayType *journal = plain_array(value[journal_column], INT8OID, &days);
    ArrayType *tasks = plain_array(value[tasks_column], INT8OID, &task_days);
    ArrayType *starts = plain_array(value[events_column], TIMESTAMPTZOID, &events);
    if (journal == nullptr || tasks == nullptr || starts == nullptr || task_days != days)
        return false;
    int day = today_in(value[timezone_column]) - DatumGetDateADT(value[first_day_column]);
    if (day < 0 || day >= days)
        return false;
    // The start times are sorted: those in [now, now + 24 hours], both ends included.
    const auto *times = reinterpret_cast<const TimestampTz *>(ARR_DATA_PTR(starts));
    TimestampTz until = now + 24 * USECS_PER_HOUR;
    int first = 0;
    while (first < events && times[first] < now)
        first++;
    int last = first;
    while (last < events && times[last] <= until)
        last++;
    counts->journal_today = reinterpret_cast<const int64 *>(ARR_DATA_PTR(journal))[day];
    counts->pending_tasks = reinterpret_cast<const int64 *>(ARR_DATA_PTR(tasks))[day];
    counts->events_next_day = last - first;
    counts->unread_threads = DatumGetInt64(value[unread_column]);
    return true;
}

} // namespace

bool read_cached_summary(Datum uid, Snapshot snapshot, Counts *counts) {
    Oid tables[5];
    if (!dashboard_cache_on() || has_pending_uuid(DatumGetUUIDP(uid)->data) ||
        !resolved_summary_tables(tables) || unreadable_as_is(tables) != nullptr)
        return false;
    const DashboardRelations &rels = dashboard_relations();
    if (!OidIsValid(rels.summary_cache) || !OidIsValid(rels.summary_cache_index))
        return false;
    // The locks a query of the tables takes: DDL and TRUNCATE wait for this transaction.
    for (Oid table : tables)
        LockRelationOid(table, AccessShareLock);
    return with_row_of(rels.summary_cache, rels.summary_cache_index, snapshot, uid,
                       [&](TupleTableSlot *slot) {
                           return !deleted_since_snapshot(slot) && counts_from(slot, counts) &&
                                  !has_delta_rows(rels, snapshot, uid);
                       });
}

} // namespace assistant_hub::metrics::summary
