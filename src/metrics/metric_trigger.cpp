// assistant_hub._metric_trigger(metric_id): the statement-level trigger of a metric. AFTER INSERT,
// UPDATE and DELETE it folds the transition tables into this (sub)transaction's pending deltas:
// +1 per new row and -1 per old row that has a key and a time and passes the filter (an UPDATE that
// keeps a row's key, day and filter result nets to zero). BEFORE TRUNCATE it subtracts every row
// the table holds. Nothing is written until pre-commit (delta_writer.cpp).
#include <string>

#include "metrics/day_bucket.hpp"
#include "metrics/delta_store.hpp"
#include "metrics/metric_cache.hpp"
#include "metrics/statement_trigger.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/tableam.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"
}

using namespace assistant_hub;
using namespace assistant_hub::metrics;

namespace {

// What one firing needs, copied out of the cache (which an invalidation may replace).
struct Firing {
    int32 metric_id;
    KeyStorage storage;
    Oid key_type;
    Oid time_type;
    pg_tz *zone;
    AttrNumber key_attnum;
    AttrNumber time_attnum;
    ExprState *filter; // or null
    ExprContext *econtext;
    DeltaMap *deltas;
};

// Folds one row (in econtext's scan slot) into the deltas. Runs inside pg::call; allocations go
// to the per-row context.
void fold_row(Firing &f, TupleTableSlot *slot, int64 sign) {
    bool isnull;
    Datum key = slot_getattr(slot, f.key_attnum, &isnull);
    if (isnull)
        return;
    Datum time = slot_getattr(slot, f.time_attnum, &isnull);
    if (isnull)
        return;
    if (f.filter != nullptr) {
        f.econtext->ecxt_scantuple = slot;
        if (!ExecQual(f.filter, f.econtext))
            return;
    }
    DeltaKey k;
    k.metric_id = f.metric_id;
    k.storage = f.storage;
    switch (f.key_type) {
    case UUIDOID:
        memcpy(k.uuid, DatumGetUUIDP(key)->data, UUID_LEN);
        break;
    case INT8OID:
        k.number = DatumGetInt64(key);
        break;
    case INT4OID:
        k.number = DatumGetInt32(key);
        break;
    default: { // text
        text *t = DatumGetTextPP(key);
        k.text = VARDATA_ANY(t);
        k.text_length = VARSIZE_ANY_EXHDR(t);
    }
    }
    k.day = day_of(time, f.time_type, f.zone);
    add_delta(*f.deltas, k, sign); // throws only bad_alloc, which pg::call carries out
}

void fold_tuplestore(Firing &f, Tuplestorestate *rows, TupleDesc desc, int64 sign) {
    for_each_transition_row(rows, desc, [&](TupleTableSlot *slot) {
        fold_row(f, slot, sign);
        ResetExprContext(f.econtext);
    });
}

// TRUNCATE removes every row, whoever committed it: read them with the latest snapshot.
void fold_table(Firing &f, Relation rel, int64 sign) {
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
    TupleTableSlot *slot = table_slot_create(rel, nullptr);
    while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        fold_row(f, slot, sign);
        ResetExprContext(f.econtext);
    }
    ExecDropSingleTupleTableSlot(slot);
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
}

Datum fire(FunctionCallInfo fcinfo) {
    TriggerData *data = statement_trigger_data(fcinfo, "_metric_trigger", "the metric id");
    int32 metric_id = pg::call([&] { return pg_strtoint32(data->tg_trigger->tgargs[0]); });
    if (!sees_rows(data))
        return PointerGetDatum(nullptr);
    Relation rel = data->tg_relation;
    bool truncate = TRIGGER_FIRED_BY_TRUNCATE(data->tg_event);

    const BoundMetric &bound = bind_metric(metric_id, rel);
    Firing f{};
    f.metric_id = metric_id;
    f.storage = bound.definition->storage;
    f.key_type = bound.definition->key_type;
    f.time_type = bound.definition->time_type;
    f.zone = bound.definition->zone;
    f.key_attnum = bound.key_attnum;
    f.time_attnum = bound.time_attnum;
    Expr *filter = bound.filter;
    f.deltas = &current_deltas();

    pg::call([&] {
        MemoryContext call_context = AllocSetContextCreate(
            CurrentMemoryContext, "assistant_hub metric trigger", ALLOCSET_SMALL_SIZES);
        MemoryContext old = MemoryContextSwitchTo(call_context);
        f.econtext = CreateStandaloneExprContext();
        f.filter = filter ? ExecInitQual(list_make1(copyObjectImpl(filter)), nullptr) : nullptr;
        if (truncate) {
            fold_table(f, rel, -1);
        } else {
            if (data->tg_oldtable != nullptr)
                fold_tuplestore(f, data->tg_oldtable, RelationGetDescr(rel), -1);
            if (data->tg_newtable != nullptr)
                fold_tuplestore(f, data->tg_newtable, RelationGetDescr(rel), +1);
        }
        FreeExprContext(f.econtext, true);
        MemoryContextSwitchTo(old);
        MemoryContextDelete(call_context);
    });
    return PointerGetDatum(nullptr);
}

} // namespace

AH_SQL_FUNCTION(metric_trigger) {
    return pg::guard([&] { return fire(fcinfo); });
}
