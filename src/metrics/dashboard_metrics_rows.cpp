#include <algorithm>
#include <cstring>

#include "metrics/dashboard_metrics_rows.hpp"
#include "metrics/day_bucket.hpp"
#include "metrics/delta_store.hpp"
#include "metrics/index_entries.hpp"
#include "metrics/metric_cache.hpp"
#include "metrics/pure_dashboard_weeks.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::metrics {
namespace {

// The seed's metric types, in its order; dashboard_metrics shows the uuid-keyed metrics so named.
constexpr const char *hub_metric_names[] = {"journal_entries", "tasks_completed",
                                            "emails_received"};
constexpr int window_days = 90; // the seed's "CURRENT_DATE - INTERVAL '90 days'"

void require_select(Oid relid) {
    if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
        aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
}

// day::timestamp AT TIME ZONE zone: the day's midnight in zone (of a week's Monday, its start).
Datum midnight(DateADT day, pg_tz *zone) {
    struct pg_tm tm;
    fsec_t fsec;
    TimestampTz result;
    Timestamp local = Timestamp(day) * USECS_PER_DAY;
    if (DATE_NOT_FINITE(day) || timestamp2tm(local, nullptr, &tm, &fsec, nullptr, nullptr) != 0)
        ereport(ERROR,
                (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("timestamp out of range")));
    int tz = DetermineTimeZoneOffset(&tm, zone);
    if (tm2timestamp(&tm, fsec, &tz, &result) != 0)
        ereport(ERROR,
                (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("timestamp out of range")));
    return TimestampTzGetDatum(result);
}

// The hub metrics (uuid keys) that snapshot sees, with their zones' first day of the window.
void find_hub_metrics(DashboardReader &r, Oid catalog) {
    // Found by the index of the name in hub_metric_names (names are unique).
    struct Found {
        bool present;
        int32 id;
        char *zone;
    } found[3] = {};
    pg::call([&] {
        Relation rel = table_open(catalog, AccessShareLock);
        AttrNumber id_col = get_attnum(catalog, "id"), name_col = get_attnum(catalog, "name"),
                   type_col = get_attnum(catalog, "key_type"),
                   zone_col = get_attnum(catalog, "time_zone");
        TableScanDesc scan = table_beginscan(rel, r.snapshot, 0, nullptr);
        TupleTableSlot *slot = table_slot_create(rel, nullptr);
        while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
            bool isnull;
            if (DatumGetObjectId(slot_getattr(slot, type_col, &isnull)) != UUIDOID)
                continue;
            char *name = TextDatumGetCString(slot_getattr(slot, name_col, &isnull));
            for (int i = 0; i < 3; i++)
                if (strcmp(name, hub_metric_names[i]) == 0) {
                    MemoryContext old = MemoryContextSwitchTo(r.context);
                    found[i] = {true, DatumGetInt32(slot_getattr(slot, id_col, &isnull)),
                                TextDatumGetCString(slot_getattr(slot, zone_col, &isnull))};
                    MemoryContextSwitchTo(old);
                }
        }
        ExecDropSingleTupleTableSlot(slot);
        table_endscan(scan);
        table_close(rel, AccessShareLock);
    });
    Datum now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
    r.metric_count = 0;
    r.valid_from = DT_NOBEGIN;
    r.valid_until = DT_NOEND;
    for (int i = 0; i < 3; i++) {
        if (!found[i].present)
            continue;
        pg_tz *zone = zone_named(found[i].zone);
        DateADT today = pg::call([&] { return day_of(now, TIMESTAMPTZOID, zone); });
        Datum name = pg::call([&] {
            MemoryContext old = MemoryContextSwitchTo(r.context);
            Datum d = CStringGetTextDatum(hub_metric_names[i]);
            MemoryContextSwitchTo(old);
            return d;
        });
        r.metrics[r.metric_count++] = {found[i].id, name, found[i].zone, zone, today - window_days};
        pg::call([&] {
            r.valid_from = std::max(r.valid_from, DatumGetTimestampTz(midnight(today, zone)));
            r.valid_until = std::min(r.valid_until, DatumGetTimestampTz(midnight(today + 1, zone)));
        });
    }
}

int metric_index(const DashboardReader &r, int32 id) {
    for (int i = 0; i < r.metric_count; i++)
        if (r.metrics[i].id == id)
            return i;
    return -1;
}

DateADT earliest_day(const DashboardReader &r) {
    DateADT first = r.metrics[0].first_day;
    for (int i = 1; i < r.metric_count; i++)
        first = std::min(first, r.metrics[i].first_day);
    return first;
}

Datum metric_ids(const DashboardReader &r) {
    return pg::call([&] {
        Datum ids[3];
        for (int i = 0; i < r.metric_count; i++)
            ids[i] = Int32GetDatum(r.metrics[i].id);
        return PointerGetDatum(construct_array(ids, r.metric_count, INT4OID, 4, true, 'i'));
    });
}

// Adds one stored value row to the day values of its metric, when it is in that metric's window.
void add_value(const DashboardReader &r, DayValues *values, int32 metric, DateADT day, int64 v) {
    int m = metric_index(r, metric);
    if (m >= 0 && day >= r.metrics[m].first_day)
        values[m].push_back({day, v});
}

// Reads key's value rows from one key-first index: (key, metric_id, day) INCLUDE (value), every
// column of the table, so visible rows on all-visible pages need no heap access.
void read_index(const DashboardReader &r, Relation heap, Relation index, const pg_uuid_t &key,
                DayValues *values) {
    pg::call([&] {
        ScanKeyData scankey;
        ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_UUID_EQ,
                    UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)));
        for_each_visible_entry(
            heap, index, r.snapshot, &scankey, 1, [&](IndexTuple entry, TupleDesc desc) {
                bool isnull;
                int32 metric = DatumGetInt32(index_getattr(entry, 2, desc, &isnull));
                DateADT day = DatumGetDateADT(index_getattr(entry, 3, desc, &isnull));
                int64 v = DatumGetInt64(index_getattr(entry, 4, desc, &isnull));
                add_value(r, values, metric, day, v);
            });
    });
}

SPIPlanPtr values_plan = nullptr, counts_plan = nullptr, keys_plan = nullptr;

// The same rows through SQL, so the caller's row-level security policies apply.
void read_sql(const DashboardReader &r, const pg_uuid_t &key, DayValues *values, bool counts_only) {
    pg::SpiConnection spi;
    SPIPlanPtr plan =
        counts_only
            ? spi.kept_plan(&counts_plan,
                            "SELECT metric_id, day, value FROM assistant_hub.metric_counts_uuid"
                            " WHERE key = $1 AND metric_id = ANY ($2) AND day >= $3",
                            {UUIDOID, INT4ARRAYOID, DATEOID})
            : spi.kept_plan(
                  &values_plan,
                  "SELECT metric_id, day, value FROM assistant_hub.metric_counts_uuid"
                  " WHERE key = $1 AND metric_id = ANY ($2) AND day >= $3"
                  " UNION ALL SELECT metric_id, day, delta FROM assistant_hub.metric_deltas_uuid"
                  " WHERE key = $1 AND metric_id = ANY ($2) AND day >= $3",
                  {UUIDOID, INT4ARRAYOID, DATEOID});
    uint64 n = spi.execute_plan(plan,
                                {{UUIDOID, UUIDPGetDatum(const_cast<pg_uuid_t *>(&key))},
                                 {INT4ARRAYOID, metric_ids(r)},
                                 {DATEOID, DateADTGetDatum(earliest_day(r))}},
                                true);
    for (uint64 i = 0; i < n; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        add_value(r, values, DatumGetInt32(SPI_getbinval(t, d, 1, &isnull)),
                  DatumGetDateADT(SPI_getbinval(t, d, 2, &isnull)),
                  DatumGetInt64(SPI_getbinval(t, d, 3, &isnull)));
    }
}

// This transaction's deltas that are not written yet, of every key (a scan of every user lists
// the keys that have some).
template <typename F> void for_each_pending(const DashboardReader &r, F &&f) {
    const DeltaLevels *levels = pending_levels();
    if (levels == nullptr)
        return;
    for (const DeltaLevel &level : *levels)
        for (const auto &[k, delta] : level.deltas)
            if (k.storage == KeyStorage::uuid && delta != 0 && metric_index(r, k.metric_id) >= 0)
                f(k, delta);
}

// A numeric Datum built from its bytes (encode_numeric), or null when it needs the long format.
Datum encoded_numeric(__int128 digits, int scale) {
    unsigned char payload[numeric_payload_max];
    int size = encode_numeric(digits, scale, payload);
    if (size == 0)
        return Datum(0);
    auto *v = static_cast<struct varlena *>(palloc(VARHDRSZ + size));
    SET_VARSIZE(v, VARHDRSZ + size);
    memcpy(VARDATA(v), payload, size);
    return PointerGetDatum(v);
}

Datum numeric_of(int64 v) {
    Datum d = encoded_numeric(v, 0);
    return d != Datum(0) ? d : NumericGetDatum(int64_to_numeric(v));
}

Datum numeric_of(const Decimal &d) {
    return d.fits ? encoded_numeric(d.digits, d.scale) : Datum(0);
}

} // namespace

Datum numeric_average(int64 total, int64 days) {
    return DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(total)),
                               NumericGetDatum(int64_to_numeric(days)));
}

Datum numeric_change(int64 total, int64 previous) {
    Datum change =
        DirectFunctionCall2(numeric_div, NumericGetDatum(int64_to_numeric(total - previous)),
                            NumericGetDatum(int64_to_numeric(previous)));
    return DirectFunctionCall2(
        numeric_round,
        DirectFunctionCall2(numeric_mul, change, NumericGetDatum(int64_to_numeric(100))),
        Int32GetDatum(2));
}

Datum dashboard_average(int64 total, int64 days) {
    Datum fast = numeric_of(numeric_quotient(total, days));
    return fast != Datum(0) ? fast : numeric_average(total, days);
}

Datum dashboard_change(int64 total, int64 previous) {
    if (previous <= 0)
        return numeric_of(int64(0));
    Datum fast = numeric_of(percent_change(total, previous));
    return fast != Datum(0) ? fast : numeric_change(total, previous);
}

namespace {

// A relation of the extension's schema, by name (42P01 when missing).
Oid relation_in_schema(Oid schema, const char *name) {
    Oid relid = get_relname_relid(name, schema);
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                        errmsg("relation assistant_hub.%s does not exist", name)));
    return relid;
}

DashboardRelations known_relations;
bool relations_known = false;
uint64 invalidations = 0; // of any relation: one during a lookup may concern what it found

void on_relation_invalidated(Datum, Oid relid) {
    invalidations++;
    const Oid *known = &known_relations.catalog;
    for (size_t i = 0; i < sizeof(DashboardRelations) / sizeof(Oid); i++)
        if (!OidIsValid(relid) || known[i] == relid)
            relations_known = false;
}

} // namespace

const DashboardRelations &dashboard_relations() {
    static bool callback_registered = false;
    if (relations_known)
        return known_relations;
    pg::call([&] {
        if (!callback_registered) {
            CacheRegisterRelcacheCallback(on_relation_invalidated, Datum(0));
            callback_registered = true;
        }
    });
    uint64 before = invalidations;
    Oid catalog = metric_catalog_relid();
    pg::call([&] {
        Oid schema = get_rel_namespace(catalog);
        known_relations = {catalog, relation_in_schema(schema, "metric_counts_uuid"),
                           relation_in_schema(schema, "metric_counts_uuid_pkey"),
                           relation_in_schema(schema, "metric_deltas_uuid"),
                           relation_in_schema(schema, "metric_deltas_uuid_key"),
                           relation_in_schema(schema, "dashboard_cache"),
                           relation_in_schema(schema, "dashboard_cache_pkey"),
                           // (InvalidOid while missing: dashboard_summary then counts.)
                           get_relname_relid("dashboard_summary_cache", schema),
                           get_relname_relid("dashboard_summary_cache_pkey", schema)};
    });
    relations_known = invalidations == before;
    return known_relations;
}

bool dashboard_direct_read(const DashboardRelations &rels) {
    return pg::call([&] {
        require_select(rels.catalog);
        require_select(rels.counts);
        require_select(rels.deltas);
        return !IsolationIsSerializable() &&
               check_enable_rls(rels.counts, InvalidOid, false) != RLS_ENABLED &&
               check_enable_rls(rels.deltas, InvalidOid, false) != RLS_ENABLED;
    });
}

DashboardReader *DashboardReader::open(Snapshot snapshot, MemoryContext context) {
    const DashboardRelations &rels = dashboard_relations();
    bool direct = dashboard_direct_read(rels);
    DashboardReader *r = pg::call([&] {
        auto *reader = static_cast<DashboardReader *>(
            MemoryContextAllocZero(context, sizeof(DashboardReader)));
        reader->snapshot = snapshot;
        reader->context = context;
        reader->by_index = direct;
        return reader;
    });
    find_hub_metrics(*r, rels.catalog);
    if (r->by_index)
        pg::call([&] {
            r->counts = table_open(rels.counts, AccessShareLock);
            r->counts_index = index_open(rels.counts_index, AccessShareLock);
            r->deltas = table_open(rels.deltas, AccessShareLock);
            r->deltas_index = index_open(rels.deltas_index, AccessShareLock);
        });
    return r;
}

void DashboardReader::close() {
    if (!by_index)
        return;
    pg::call([&] {
        index_close(counts_index, AccessShareLock);
        table_close(counts, AccessShareLock);
        index_close(deltas_index, AccessShareLock);
        table_close(deltas, AccessShareLock);
    });
    by_index = false;
}

DashboardKeys *DashboardReader::keys() {
    auto *keys = pg::call([&] {
        void *p = MemoryContextAlloc(context, sizeof(DashboardKeys));
        return new (p) DashboardKeys(pg::make_in<DashboardKeys>(context));
    });
    if (metric_count == 0)
        return keys;
    {
        pg::SpiConnection spi;
        SPIPlanPtr plan = spi.kept_plan(&keys_plan,
                                        "SELECT key FROM assistant_hub.metric_counts_uuid WHERE "
                                        "metric_id = ANY ($1) AND day >= $2"
                                        " UNION SELECT key FROM assistant_hub.metric_deltas_uuid"
                                        " WHERE metric_id = ANY ($1) AND day >= $2",
                                        {INT4ARRAYOID, DATEOID});
        uint64 n = spi.execute_plan(
            plan,
            {{INT4ARRAYOID, metric_ids(*this)}, {DATEOID, DateADTGetDatum(earliest_day(*this))}},
            true);
        keys->reserve(n);
        for (uint64 i = 0; i < n; i++) {
            bool isnull;
            keys->push_back(*DatumGetUUIDP(
                SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)));
        }
    }
    for_each_pending(*this, [&](const DeltaKey &k, int64) {
        pg_uuid_t u;
        memcpy(u.data, k.uuid, UUID_LEN);
        keys->push_back(u);
    });
    auto less = [](const pg_uuid_t &a, const pg_uuid_t &b) {
        return memcmp(a.data, b.data, UUID_LEN) < 0;
    };
    std::sort(keys->begin(), keys->end(), less);
    keys->erase(std::unique(keys->begin(), keys->end(),
                            [](const pg_uuid_t &a, const pg_uuid_t &b) {
                                return memcmp(a.data, b.data, UUID_LEN) == 0;
                            }),
                keys->end());
    return keys;
}

void merge_days(DayValues &v) {
    std::sort(v.begin(), v.end(),
              [](const DayValue &a, const DayValue &b) { return a.day < b.day; });
    size_t out = 0;
    for (size_t i = 0; i < v.size(); i++) {
        if (out > 0 && v[out - 1].day == v[i].day)
            v[out - 1].value += v[i].value;
        else
            v[out++] = v[i];
    }
    v.resize(out);
}

Datum WeekStarts::start(DateADT week, pg_tz *zone) {
    for (int i = 0; i < count; i++)
        if (weeks[i] == week && zones[i] == zone)
            return starts[i];
    Datum start = midnight(week, zone);
    if (count < capacity) {
        weeks[count] = week;
        zones[count] = zone;
        starts[count++] = start;
    }
    return start;
}

DashboardRow week_row(const DashboardMetric &metric, const WeekRow &w, const pg_uuid_t *user,
                      WeekStarts &starts) {
    DashboardRow row{};
    row.values[0] = UUIDPGetDatum(const_cast<pg_uuid_t *>(user));
    row.values[1] = starts.start(w.week, metric.zone);
    row.values[2] = metric.name;
    row.values[3] = numeric_of(w.total);
    row.values[4] = dashboard_average(w.total, w.days);
    row.values[5] = Int64GetDatum(w.maximum);
    row.values[6] = Int64GetDatum(w.minimum);
    row.nulls[7] = !w.has_previous;
    row.values[7] = w.has_previous ? numeric_of(w.previous_total) : Datum(0);
    row.values[8] =
        w.has_previous ? dashboard_change(w.total, w.previous_total) : numeric_of(int64(0));
    return row;
}

void week_rows(const DashboardMetric &metric, const DayValues &values, const pg_uuid_t *user,
               DashboardRows &out, MemoryContext memory, WeekStarts &starts) {
    // One pg::call for the metric's rows: only plain data lives in these frames.
    pg::call([&] {
        MemoryContext old = MemoryContextSwitchTo(memory);
        for_each_week(values.data(), values.data() + values.size(),
                      [&](const WeekRow &w) { out.push_back(week_row(metric, w, user, starts)); });
        MemoryContextSwitchTo(old);
    });
}

void DashboardReader::values_of(const pg_uuid_t &key, DayValues *values, MemoryContext memory,
                                bool counts_only) {
    for (int m = 0; m < metric_count; m++)
        values[m] = pg::make_in<DayValues>(memory);
    if (metric_count == 0)
        return;
    if (by_index) {
        read_index(*this, counts, counts_index, key, values);
        if (!counts_only)
            read_index(*this, deltas, deltas_index, key, values);
    } else {
        read_sql(*this, key, values, counts_only);
    }
    if (!counts_only)
        for (int m = 0; m < metric_count; m++)
            for_each_pending_of(metrics[m].id, key.data, [&](DateADT day, int64 delta) {
                add_value(*this, values, metrics[m].id, day, delta);
            });
    for (int m = 0; m < metric_count; m++)
        merge_days(values[m]);
}

void DashboardReader::rows_of(const pg_uuid_t &key, DashboardRows &out, MemoryContext memory) {
    if (metric_count == 0)
        return;
    DayValues values[3] = {pg::make_in<DayValues>(memory), pg::make_in<DayValues>(memory),
                           pg::make_in<DayValues>(memory)};
    values_of(key, values, memory);
    auto *user = static_cast<pg_uuid_t *>(
        pg::call([&] { return MemoryContextAlloc(memory, sizeof(pg_uuid_t)); }));
    *user = key;
    WeekStarts starts;
    for (int m = 0; m < metric_count; m++)
        week_rows(metrics[m], values[m], user, out, memory, starts);
}

} // namespace assistant_hub::metrics
