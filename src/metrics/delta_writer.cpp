// Writes a transaction's deltas at pre-commit: one INSERT per key storage into
// assistant_hub.metric_deltas_<storage>, rows in (metric, key, day) order, run as the metric
// catalog owner. Insert-only, so it never waits for or conflicts with another writer. A user
// dashboard_summary's triggers touched gets a marker row (metric summary_touch_metric) only when
// none of the transaction's delta rows has that key already: either tells a summary read the user
// changed.
#include <algorithm>

#include "metrics/delta_store.hpp"
#include "metrics/metric_cache.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/snapmgr.h"
#include "utils/uuid.h"
}

namespace assistant_hub::metrics {
namespace {

// Prepared once per backend (SPI_keepplan); the plan cache replans them when the tables change.
SPIPlanPtr insert_plans[key_storage_count] = {};

SPIPlanPtr insert_plan(KeyStorage storage) {
    SPIPlanPtr &plan = insert_plans[int(storage)];
    if (plan != nullptr)
        return plan;
    static const char *const sql[key_storage_count] = {
        "INSERT INTO assistant_hub.metric_deltas_uuid (metric_id, key, day, delta)"
        " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
        " pg_catalog.unnest($3), pg_catalog.unnest($4))",
        "INSERT INTO assistant_hub.metric_deltas_bigint (metric_id, key, day, delta)"
        " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
        " pg_catalog.unnest($3), pg_catalog.unnest($4))",
        "INSERT INTO assistant_hub.metric_deltas_text (metric_id, key, day, delta)"
        " SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2),"
        " pg_catalog.unnest($3), pg_catalog.unnest($4))"};
    static const Oid key_array_type[key_storage_count] = {UUIDARRAYOID, INT8ARRAYOID, TEXTARRAYOID};
    Oid types[4] = {INT4ARRAYOID, key_array_type[int(storage)], DATEARRAYOID, INT8ARRAYOID};
    plan = pg::call([&] {
        SPIPlanPtr p = SPI_prepare(sql[int(storage)], 4, types);
        if (p == nullptr)
            elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(p);
        return p;
    });
    return plan;
}

// The rows of one storage, as the four array parameters.
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

void insert_rows(KeyStorage storage, const Rows &rows) {
    int n = int(rows.metric_ids.size());
    if (n == 0)
        return;
    SPIPlanPtr plan = insert_plan(storage);
    pg::call([&] {
        static const Oid key_type[key_storage_count] = {UUIDOID, INT8OID, TEXTOID};
        int16 key_len[key_storage_count] = {UUID_LEN, 8, -1};
        bool key_byval[key_storage_count] = {false, FLOAT8PASSBYVAL, false};
        char key_align[key_storage_count] = {TYPALIGN_CHAR, TYPALIGN_DOUBLE, TYPALIGN_INT};
        int s = int(storage);
        Datum values[4] = {
            PointerGetDatum(construct_array(const_cast<Datum *>(rows.metric_ids.data()), n, INT4OID,
                                            4, true, TYPALIGN_INT)),
            PointerGetDatum(construct_array(const_cast<Datum *>(rows.keys.data()), n, key_type[s],
                                            key_len[s], key_byval[s], key_align[s])),
            PointerGetDatum(construct_array(const_cast<Datum *>(rows.days.data()), n, DATEOID, 4,
                                            true, TYPALIGN_INT)),
            PointerGetDatum(construct_array(const_cast<Datum *>(rows.deltas.data()), n, INT8OID, 8,
                                            FLOAT8PASSBYVAL, TYPALIGN_DOUBLE))};
        int rc = SPI_execute_plan(plan, values, nullptr, false, 0);
        if (rc != SPI_OK_INSERT)
            elog(ERROR, "inserting metric deltas failed: %s", SPI_result_code_string(rc));
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
    pg::Vector<const DeltaKey *> touches = pg::make_in<pg::Vector<const DeltaKey *>>(context);
    pg::Vector<Uuid> written = pg::make_in<pg::Vector<Uuid>>(context); // uuid keys with rows
    for (const auto &[key, delta] : *all) {
        if (delta == 0)
            continue;
        if (key.metric_id == summary_touch_metric) {
            touches.push_back(&key);
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
    for (const DeltaKey *touch : touches) {
        Uuid u;
        memcpy(u.bytes, touch->uuid, UUID_LEN);
        if (std::binary_search(written.begin(), written.end(), u))
            continue;
        Rows &r = rows[int(KeyStorage::uuid)];
        r.metric_ids.push_back(Int32GetDatum(summary_touch_metric));
        r.keys.push_back(pg::call([&] { return key_datum(*touch); }));
        r.days.push_back(DateADTGetDatum(touch->day));
        r.deltas.push_back(Int64GetDatum(all->find(*touch)->second));
        any = true;
    }
    if (!any)
        return;
    // Pre-commit runs outside any statement: give the inserts a snapshot (an error aborts the
    // transaction, which pops it).
    pg::call([] { PushActiveSnapshot(GetTransactionSnapshot()); });
    {
        pg::SpiConnection spi;
        AsMetricOwner owner;
        for (int s = 0; s < key_storage_count; s++)
            insert_rows(KeyStorage(s), rows[s]);
    }
    PopActiveSnapshot();
}

} // namespace assistant_hub::metrics
