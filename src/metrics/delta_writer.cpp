// Writes a transaction's deltas at pre-commit into assistant_hub.metric_deltas_<storage>, rows in
// (metric, key, day) order (then the markers), straight through the executor's row insertion
// (no statement: these are the extension's tables, written whoever the writer is). Insert-only,
// so it never waits for or conflicts with another writer. A user
// dashboard_summary's triggers touched gets a marker row (metric summary_touch_metric) only when
// none of the transaction's delta rows has that key already: either tells a summary read the user
// changed.
#include <algorithm>

#include "metrics/delta_store.hpp"
#include "metrics/metric_cache.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"
}

namespace assistant_hub::metrics {
namespace {

// The rows of one storage, column by column.
struct Rows {
    pg::Vector<Datum> metric_ids, keys, days, deltas;
    explicit Rows(MemoryContext c)
        : metric_ids(pg::make_in<pg::Vector<Datum>>(c)), keys(pg::make_in<pg::Vector<Datum>>(c)),
          days(pg::make_in<pg::Vector<Datum>>(c)), deltas(pg::make_in<pg::Vector<Datum>>(c)) {}
};

struct Uuid {
    unsigned char bytes[UUID_LEN];
    bool operator<(const Uuid &o) const { return memcmp(bytes, o.bytes, UUID_LEN) < 0; }
};

Datum key_datum(const DeltaKey &key) {
    switch (key.storage) {
    case KeyStorage::uuid: {
        auto *u = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
        memcpy(u->data, key.uuid, UUID_LEN);
        return UUIDPGetDatum(u);
    }
    case KeyStorage::bigint:
        return Int64GetDatum(key.number);
    case KeyStorage::text:
        return PointerGetDatum(cstring_to_text_with_len(key.text, int(key.text_length)));
    }
    return Datum(0);
}

// Inserts the rows into metric_deltas_<storage> as logical replication's apply does
// (ExecSimpleRelationInsert: constraints, the heap, every index, row triggers if anyone added
// some), without planning and starting an INSERT statement: that cost most of a single-row
// write's overhead.
void insert_rows(KeyStorage storage, const Rows &rows) {
    size_t n = rows.metric_ids.size();
    if (n == 0)
        return;
    pg::call([&] {
        char name[NAMEDATALEN];
        snprintf(name, sizeof name, "metric_deltas_%s", key_storage_name(storage));
        Oid relid = get_relname_relid(name, get_rel_namespace(metric_catalog_relid()));
        if (!OidIsValid(relid))
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                            errmsg("relation assistant_hub.%s does not exist", name),
                            errhint("Reinstall the assistant_hub extension.")));
        Relation rel = table_open(relid, RowExclusiveLock);
        // The Datums go to the heap as they are: the columns must be what the extension made.
        const Oid key_type[key_storage_count] = {UUIDOID, INT8OID, TEXTOID};
        const Oid types[4] = {INT4OID, key_type[int(storage)], DATEOID, INT8OID};
        TupleDesc desc = RelationGetDescr(rel);
        bool as_made = rel->rd_rel->relkind == RELKIND_RELATION && desc->natts == 4;
        for (int c = 0; as_made && c < 4; c++)
            as_made = !TupleDescAttr(desc, c)->attisdropped &&
                      TupleDescAttr(desc, c)->attgenerated == '\0' &&
                      TupleDescAttr(desc, c)->atttypid == types[c];
        if (!as_made)
            ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                            errmsg("assistant_hub.%s is not the extension's delta table", name),
                            errdetail("Its columns must be (metric_id integer, key %s, day date, "
                                      "delta bigint).",
                                      format_type_be(types[1])),
                            errhint("Reinstall the assistant_hub extension.")));
        EState *estate = CreateExecutorState();
        RangeTblEntry *rte = makeNode(RangeTblEntry);
        rte->rtekind = RTE_RELATION;
        rte->relid = relid;
        rte->relkind = rel->rd_rel->relkind;
        rte->rellockmode = RowExclusiveLock;
        ExecInitRangeTable(estate, list_make1(rte));
        ResultRelInfo *target = makeNode(ResultRelInfo);
        InitResultRelInfo(target, rel, 1, nullptr, 0);
        // (Where ExecGetTriggerResultRel looks for it, as in apply.)
        estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, target);
        estate->es_output_cid = GetCurrentCommandId(true);
        ExecOpenIndices(target, false);
        bool triggers = rel->trigdesc != nullptr; // none of ours: someone's, fired as a statement's
        if (triggers)
            AfterTriggerBeginQuery();
        TupleTableSlot *slot =
            ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
        for (size_t i = 0; i < n; i++) {
            ExecClearTuple(slot);
            slot->tts_values[0] = rows.metric_ids[i];
            slot->tts_values[1] = rows.keys[i];
            slot->tts_values[2] = rows.days[i];
            slot->tts_values[3] = rows.deltas[i];
            memset(slot->tts_isnull, 0, 4 * sizeof(bool));
            ExecStoreVirtualTuple(slot);
            ExecSimpleRelationInsert(target, estate, slot);
            ResetPerTupleExprContext(estate);
        }
        if (triggers)
            AfterTriggerEndQuery(estate);
        ExecCloseIndices(target);
        ExecResetTupleTable(estate->es_tupleTable, false);
        FreeExecutorState(estate);
        table_close(rel, NoLock);
        CommandCounterIncrement(); // as a statement would: later readers in this commit see them
    });
}

} // namespace

void write_deltas(const DeltaLevels &levels) {
    MemoryContext context = CurrentMemoryContext;
    // Several maps (savepoints that committed into a level that had deltas): sum them first.
    const DeltaMap *all = nullptr;
    DeltaMap merged{DeltaKeyLess{}, DeltaMap::allocator_type(context)};
    if (levels.size() == 1) {
        all = &levels.front().deltas;
    } else {
        for (const DeltaLevel &level : levels)
            for (const auto &[key, delta] : level.deltas)
                add_delta(merged, key, delta);
        all = &merged;
    }

    Rows rows[key_storage_count] = {Rows(context), Rows(context), Rows(context)};
    bool any = false;
    int32 checked_metric = -1;
    bool metric_exists = false;
    using Touch = std::pair<const DeltaKey *, int64>;
    pg::Vector<Touch> touches = pg::make_in<pg::Vector<Touch>>(context);
    pg::Vector<Uuid> written = pg::make_in<pg::Vector<Uuid>>(context); // uuid keys with rows
    for (const auto &[key, delta] : *all) {
        if (delta == 0)
            continue;
        if (key.metric_id == summary_touch_metric) {
            touches.emplace_back(&key, delta);
            continue;
        }
        // A metric dropped by this transaction after its deltas were recorded has no home.
        if (key.metric_id != checked_metric) {
            checked_metric = key.metric_id;
            metric_exists = find_metric(key.metric_id) != nullptr;
        }
        if (!metric_exists)
            continue;
        Rows &r = rows[int(key.storage)];
        r.metric_ids.push_back(Int32GetDatum(key.metric_id));
        r.keys.push_back(pg::call([&, &k = key] { return key_datum(k); }));
        r.days.push_back(DateADTGetDatum(key.day));
        r.deltas.push_back(Int64GetDatum(delta));
        if (key.storage == KeyStorage::uuid) {
            written.emplace_back();
            memcpy(written.back().bytes, key.uuid, UUID_LEN);
        }
        any = true;
    }
    std::sort(written.begin(), written.end());
    for (const auto &[touch, count] : touches) {
        Uuid u;
        memcpy(u.bytes, touch->uuid, UUID_LEN);
        if (std::binary_search(written.begin(), written.end(), u))
            continue;
        Rows &r = rows[int(KeyStorage::uuid)];
        r.metric_ids.push_back(Int32GetDatum(summary_touch_metric));
        r.keys.push_back(pg::call([&, key = touch] { return key_datum(*key); }));
        r.days.push_back(DateADTGetDatum(touch->day));
        r.deltas.push_back(Int64GetDatum(count));
        any = true;
    }
    if (!any)
        return;
    // Pre-commit runs outside any statement: give the inserts (and any trigger) a snapshot (an
    // error aborts the transaction, which pops it).
    pg::call([] { PushActiveSnapshot(GetTransactionSnapshot()); });
    {
        AsMetricOwner owner; // as before: a trigger someone added runs as the tables' owner
        for (int s = 0; s < key_storage_count; s++)
            insert_rows(KeyStorage(s), rows[s]);
    }
    PopActiveSnapshot();
}

} // namespace assistant_hub::metrics
