// assistant_hub._summary_touch_trigger(key_column): the statement-level trigger on the tables
// dashboard_summary counts from. It records which users a statement changed, as pending
// "touches" (DeltaKey of summary_touch_metric, day 0) that subtransactions keep or drop like any
// delta. At pre-commit a touched user gets a marker row in metric_deltas_uuid unless the
// transaction writes a delta row of that user anyway (delta_writer.cpp): a visible delta row of a
// user then means "changed since the summary cache was computed" (dashboard_summary_cache.cpp).
// BEFORE TRUNCATE it empties the caches instead.
#include <string>

#include "metrics/delta_store.hpp"
#include "metrics/metric_cache.hpp"
#include "metrics/statement_trigger.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"
}

using namespace assistant_hub;
using namespace assistant_hub::metrics;

namespace {

void touch(DeltaMap &deltas, TupleTableSlot *slot, AttrNumber key_attnum) {
    bool isnull;
    Datum key = slot_getattr(slot, key_attnum, &isnull);
    if (isnull)
        return;
    DeltaKey k;
    k.metric_id = summary_touch_metric;
    k.storage = KeyStorage::uuid;
    memcpy(k.uuid, DatumGetUUIDP(key)->data, UUID_LEN);
    add_delta(deltas, k, 1); // throws only bad_alloc, which pg::call carries out
}

// TRUNCATE removes every row without row changes, and not in the way MVCC would (an older snapshot
// then sees the table empty): the caches are emptied, which also tells a read whose snapshot
// still sees a cached row that the row was deleted (dashboard_summary_cache.cpp).
void clear_caches() {
    pg::SpiConnection spi;
    AsMetricOwner owner; // the function is the extension's, not the truncating role's
    spi.execute("SELECT assistant_hub._dashboard_cache_clear()");
}

Datum fire(FunctionCallInfo fcinfo) {
    TriggerData *data =
        statement_trigger_data(fcinfo, "_summary_touch_trigger", "the user key column");
    if (!sees_rows(data))
        return PointerGetDatum(nullptr);
    Relation rel = data->tg_relation;
    if (TRIGGER_FIRED_BY_TRUNCATE(data->tg_event)) {
        clear_caches();
        return PointerGetDatum(nullptr);
    }
    const char *column = data->tg_trigger->tgargs[0];
    AttrNumber key = pg::call([&] { return get_attnum(RelationGetRelid(rel), column); });
    if (key == InvalidAttrNumber ||
        TupleDescAttr(RelationGetDescr(rel), key - 1)->atttypid != UUIDOID)
        throw Error(sqlstate::undefined_column,
                    std::string("_summary_touch_trigger: ") +
                        pg::call([&] { return get_rel_name(RelationGetRelid(rel)); }) +
                        " has no uuid column \"" + column + "\"");
    DeltaMap &deltas = current_deltas();
    pg::call([&] {
        for (Tuplestorestate *rows : {data->tg_oldtable, data->tg_newtable})
            if (rows != nullptr)
                for_each_transition_row(rows, RelationGetDescr(rel),
                                        [&](TupleTableSlot *slot) { touch(deltas, slot, key); });
    });
    return PointerGetDatum(nullptr);
}

} // namespace

AH_SQL_FUNCTION(summary_touch_trigger) {
    return pg::guard([&] { return fire(fcinfo); });
}
