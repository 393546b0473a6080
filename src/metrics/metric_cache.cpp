#include <new>
#include <string>
#include <utility>

#include "metrics/day_bucket.hpp"
#include "metrics/filter.hpp"
#include "metrics/metric_cache.hpp"
#include "metrics/metrics.hpp"
#include "pg/guard.hpp"
#include "pg/palloc_allocator.hpp"

extern "C" {
#include "access/attmap.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type_d.h"
#include "executor/tuptable.h"
#include "nodes/nodes.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteManip.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace assistant_hub::metrics {
namespace {

using DefinitionMap = pg::FlatMap<int32, MetricDefinition *>;
using BoundMap = pg::FlatMap<std::pair<int32, Oid>, BoundMetric *>;

// The cache lives in one context under CacheMemoryContext. An invalidation only marks it stale
// (it may arrive while a caller holds an entry); the next lookup starts it afresh.
struct Cache {
    MemoryContext context = nullptr;
    DefinitionMap *definitions = nullptr; // a null value: no such metric
    BoundMap *bound = nullptr;
    Oid catalog_relid = InvalidOid;
    bool stale = true;
} cache;

void start_afresh() {
    if (!cache.stale)
        return;
    pg::call([] {
        if (cache.context == nullptr)
            cache.context = AllocSetContextCreate(CacheMemoryContext, "assistant_hub metric cache",
                                                  ALLOCSET_SMALL_SIZES);
        else
            MemoryContextReset(cache.context);
    });
    // The old maps lived in the reset context: forget them, never destroy them.
    cache.definitions = nullptr;
    cache.bound = nullptr;
    cache.catalog_relid = InvalidOid;
    void *d = pg::call([] { return MemoryContextAlloc(cache.context, sizeof(DefinitionMap)); });
    cache.definitions = new (d) DefinitionMap(pg::make_in<DefinitionMap>(cache.context));
    void *b = pg::call([] { return MemoryContextAlloc(cache.context, sizeof(BoundMap)); });
    cache.bound = new (b) BoundMap(pg::make_in<BoundMap>(cache.context));
    cache.stale = false;
}

void on_relcache_invalidation(Datum, Oid relid) {
    if (cache.stale || cache.bound == nullptr)
        return;
    if (relid == InvalidOid || relid == cache.catalog_relid) {
        cache.stale = true;
        return;
    }
    for (const auto &[key, bound] : *cache.bound)
        if (key.second == relid || bound->definition->source == relid) {
            cache.stale = true;
            return;
        }
}

KeyStorage storage_of(Oid key_type) {
    switch (key_type) {
    case UUIDOID:
        return KeyStorage::uuid;
    case INT8OID:
    case INT4OID:
        return KeyStorage::bigint;
    case TEXTOID:
        return KeyStorage::text;
    }
    throw Error(sqlstate::datatype_mismatch,
                "metric key column has unsupported type " + std::to_string(key_type));
}

// Reads the metric's row from assistant_hub.metrics with the latest snapshot (a metric created
// after this transaction's snapshot already has triggers this transaction fires), straight from
// the table: no SQL runs, so no privilege or row-level security of the caller applies.
MetricDefinition *load_definition(int32 id) {
    Oid relid = metric_catalog_relid();
    MetricDefinition *found = nullptr;
    char *filter_text = nullptr;
    char *zone_name = nullptr;
    pg::call([&] {
        Relation rel = table_open(relid, AccessShareLock);
        TupleDesc desc = RelationGetDescr(rel);
        auto column = [&](const char *name) {
            for (int i = 0; i < desc->natts; i++)
                if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
                    return AttrNumber(i + 1);
            elog(ERROR, "assistant_hub.metrics has no column %s", name);
            return AttrNumber(InvalidAttrNumber);
        };
        AttrNumber id_col = column("id"), source_col = column("source"),
                   key_attnum_col = column("key_attnum"), key_type_col = column("key_type"),
                   time_attnum_col = column("time_attnum"), time_type_col = column("time_type"),
                   filter_col = column("filter"), zone_col = column("time_zone");
        Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
        TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
        TupleTableSlot *slot = table_slot_create(rel, nullptr);
        while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
            bool isnull;
            if (DatumGetInt32(slot_getattr(slot, id_col, &isnull)) != id)
                continue;
            MemoryContext old = MemoryContextSwitchTo(cache.context);
            found = static_cast<MetricDefinition *>(palloc0(sizeof(MetricDefinition)));
            found->id = id;
            found->source = DatumGetObjectId(slot_getattr(slot, source_col, &isnull));
            found->key_attnum = DatumGetInt16(slot_getattr(slot, key_attnum_col, &isnull));
            found->key_type = DatumGetObjectId(slot_getattr(slot, key_type_col, &isnull));
            found->time_attnum = DatumGetInt16(slot_getattr(slot, time_attnum_col, &isnull));
            found->time_type = DatumGetObjectId(slot_getattr(slot, time_type_col, &isnull));
            Datum filter = slot_getattr(slot, filter_col, &isnull);
            if (!isnull)
                filter_text = TextDatumGetCString(filter);
            zone_name = TextDatumGetCString(slot_getattr(slot, zone_col, &isnull));
            MemoryContextSwitchTo(old);
            break;
        }
        ExecDropSingleTupleTableSlot(slot);
        table_endscan(scan);
        UnregisterSnapshot(snapshot);
        table_close(rel, AccessShareLock);
    });
    if (found != nullptr) {
        found->storage = storage_of(found->key_type);
        found->zone = zone_named(zone_name);
        if (filter_text != nullptr) {
            MemoryContext old = MemoryContextSwitchTo(cache.context);
            try {
                found->filter = parse_filter(found->source, filter_text);
            } catch (...) {
                MemoryContextSwitchTo(old);
                throw;
            }
            MemoryContextSwitchTo(old);
        }
    }
    return found;
}

} // namespace

Oid metric_catalog_relid() {
    if (!cache.stale && OidIsValid(cache.catalog_relid))
        return cache.catalog_relid;
    Oid relid = pg::call([] {
        Oid nsp = get_namespace_oid("assistant_hub", true);
        return OidIsValid(nsp) ? get_relname_relid("metrics", nsp) : InvalidOid;
    });
    if (!OidIsValid(relid))
        throw Error(sqlstate::undefined_table, "table assistant_hub.metrics does not exist", {},
                    "Is the extension assistant_hub installed in this database?");
    if (!cache.stale)
        cache.catalog_relid = relid;
    return relid;
}

Oid metric_catalog_owner() {
    Oid relid = metric_catalog_relid();
    return pg::call([&] {
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tuple))
            elog(ERROR, "cache lookup failed for relation %u", relid);
        Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
        ReleaseSysCache(tuple);
        return owner;
    });
}

const MetricDefinition *find_metric(int32 id) {
    start_afresh();
    auto it = cache.definitions->find(id);
    if (it != cache.definitions->end())
        return it->second;
    MetricDefinition *definition = load_definition(id);
    cache.definitions->emplace(id, definition);
    return definition;
}

const BoundMetric &bind_metric(int32 id, Relation rel) {
    const MetricDefinition *definition = find_metric(id);
    if (definition == nullptr)
        throw Error(sqlstate::undefined_object,
                    "metric with id " + std::to_string(id) + " does not exist",
                    "Relation \"" + std::string(RelationGetRelationName(rel)) +
                        "\" still has a trigger of it.",
                    "Drop the trigger assistant_hub_metric_" + std::to_string(id) + "_* on it.");
    Oid relid = RelationGetRelid(rel);
    auto it = cache.bound->find({id, relid});
    if (it != cache.bound->end())
        return *it->second;

    BoundMetric *bound = pg::call([&] {
        MemoryContext old = MemoryContextSwitchTo(cache.context);
        auto *b = static_cast<BoundMetric *>(palloc0(sizeof(BoundMetric)));
        b->definition = definition;
        Node *filter =
            definition->filter ? static_cast<Node *>(copyObjectImpl(definition->filter)) : nullptr;
        if (relid == definition->source) {
            b->key_attnum = definition->key_attnum;
            b->time_attnum = definition->time_attnum;
        } else {
            // A partition: same column names, maybe other column numbers.
            Relation source = relation_open(definition->source, AccessShareLock);
            AttrMap *map = build_attrmap_by_name(RelationGetDescr(rel), RelationGetDescr(source));
            b->key_attnum = map->attnums[definition->key_attnum - 1];
            b->time_attnum = map->attnums[definition->time_attnum - 1];
            if (filter != nullptr) {
                bool whole_row = false;
                filter = map_variable_attnos(filter, 1, 0, map, InvalidOid, &whole_row);
            }
            relation_close(source, AccessShareLock);
        }
        if (filter != nullptr)
            b->filter = expression_planner(reinterpret_cast<Expr *>(filter));
        MemoryContextSwitchTo(old);
        return b;
    });
    cache.bound->emplace(std::make_pair(id, relid), bound);
    return *bound;
}

AsMetricOwner::AsMetricOwner() {
    Oid owner = metric_catalog_owner();
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    SetUserIdAndSecContext(owner, saved_context_ | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);
}

AsMetricOwner::~AsMetricOwner() {
    SetUserIdAndSecContext(saved_user_, saved_context_);
}

void register_metric_cache_callbacks() {
    CacheRegisterRelcacheCallback(on_relcache_invalidation, PointerGetDatum(nullptr));
}

} // namespace assistant_hub::metrics

using namespace assistant_hub;

// assistant_hub._metric_invalidate(): every backend reloads metric definitions at its next use.
AH_SQL_FUNCTION(metric_invalidate) {
    return pg::guard([&] {
        Oid relid = metrics::metric_catalog_relid();
        pg::call([&] { CacheInvalidateRelcacheByRelid(relid); });
        PG_RETURN_VOID();
    });
}

// assistant_hub._metric_zone(): the value of assistant_hub.metrics_timezone.
AH_SQL_FUNCTION(metric_zone) {
    return pg::guard([&] {
        return pg::call(
            [] { return PointerGetDatum(cstring_to_text(metrics::metrics_timezone())); });
    });
}
