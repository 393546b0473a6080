// The dashboard cache: packing a user's rows, reading them back when they are valid, and the
// functions consolidate_metrics() fills the cache with (see dashboard_cache.hpp).
#include <limits>

#include "metrics/dashboard_cache.hpp"
#include "metrics/delta_store.hpp"
#include "metrics/index_entries.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "port/pg_crc32c.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

namespace assistant_hub::metrics {
namespace {

bool cache_setting = true;

// The packed form. Every part starts at a MAXALIGN offset of the bytes, so a copy of them in
// palloc'd memory serves its varlenas as Datums in place.
//   header, the metrics' names (text), then per row: PackedRow and its numerics (weekly_total,
//   daily_average, previous_week_total when there is one, week_over_week_change).
constexpr uint32 packed_magic = 0x41484432; // "AHD2"; another layout gets another number

struct PackedHeader {
    uint32 magic;
    uint16 metric_count;
    uint16 reserved;
    uint32 row_count;
    uint32 checksum; // CRC-32C of all the bytes, this field zero: damaged bytes are a miss
    int32 metric_ids[3];
};

uint32 checksum_of(const char *bytes, size_t size) {
    pg_crc32c crc;
    INIT_CRC32C(crc);
    COMP_CRC32C(crc, bytes, size);
    FIN_CRC32C(crc);
    return crc;
}

struct PackedRow {
    uint8 metric; // index into the header's metrics
    uint8 has_previous;
    uint8 reserved[6];
    int64 week_start; // timestamptz
    int64 maximum;
    int64 minimum;
};

constexpr int numeric_columns[] = {3, 4, 7, 8}; // of DashboardRow; 7 may be null

size_t packed_size(Datum varlena) {
    return MAXALIGN(VARSIZE_ANY(DatumGetPointer(varlena)));
}

char *put(char *at, Datum varlena) {
    memcpy(at, DatumGetPointer(varlena), VARSIZE_ANY(DatumGetPointer(varlena)));
    return at + packed_size(varlena);
}

// Reads packed bytes back, checking every length against the end (a damaged value is a miss,
// never a read beyond it).
class Unpacker {
  public:
    Unpacker(char *data, size_t size) : at_(data), end_(data + size) {}
    template <typename T> const T *fixed() {
        if (size_t(end_ - at_) < sizeof(T))
            return nullptr;
        auto *p = reinterpret_cast<const T *>(at_);
        at_ += MAXALIGN(sizeof(T));
        return p;
    }
    bool varlena(Datum *out) {
        if (at_ >= end_ || size_t(end_ - at_) < (VARATT_IS_1B(at_) ? 1 : VARHDRSZ) ||
            VARATT_IS_EXTERNAL(at_) || VARATT_IS_COMPRESSED(at_))
            return false;
        size_t size = VARSIZE_ANY(at_);
        if (size < (VARATT_IS_1B(at_) ? 1 : VARHDRSZ) || size > size_t(end_ - at_))
            return false;
        *out = PointerGetDatum(at_);
        at_ += MAXALIGN(size);
        return true;
    }
    bool at_end() const { return at_ >= end_; }

  private:
    char *at_;
    char *end_;
};

// Cached relation columns: user_id, valid_from, valid_until, rows.
constexpr AttrNumber valid_from_column = 2, valid_until_column = 3, rows_column = 4;

// This transaction has a pending delta for key in one of the header's metrics: a map lookup per
// metric and level (the maps are ordered by metric, key, day).
bool has_pending(const pg_uuid_t &key, const PackedHeader &header) {
    const DeltaLevels *levels = pending_levels();
    if (levels == nullptr)
        return false;
    for (const DeltaLevel &level : *levels)
        for (int m = 0; m < header.metric_count; m++) {
            DeltaKey first;
            first.metric_id = header.metric_ids[m];
            first.day = std::numeric_limits<int32>::min();
            first.storage = KeyStorage::uuid;
            memcpy(first.uuid, key.data, UUID_LEN);
            auto it = level.deltas.lower_bound(first);
            if (it != level.deltas.end() && it->first.metric_id == first.metric_id &&
                it->first.storage == KeyStorage::uuid &&
                memcmp(it->first.uuid, key.data, UUID_LEN) == 0)
                return true;
        }
    return false;
}

// snapshot sees a delta row of one of these metrics for key (not folded into the cache yet).
bool has_deltas(const DashboardRelations &rels, Snapshot snapshot, const pg_uuid_t &key,
                const PackedHeader &header) {
    Relation deltas = table_open(rels.deltas, AccessShareLock);
    Relation index = index_open(rels.deltas_index, AccessShareLock);
    ScanKeyData scankey;
    ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_UUID_EQ,
                UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)));
    bool found = false;
    for_each_visible_entry(deltas, index, snapshot, &scankey, 1,
                           [&](IndexTuple entry, TupleDesc desc) {
                               bool isnull;
                               int32 metric = DatumGetInt32(index_getattr(entry, 2, desc, &isnull));
                               for (int m = 0; m < header.metric_count; m++)
                                   found = found || header.metric_ids[m] == metric;
                           });
    index_close(index, AccessShareLock);
    table_close(deltas, AccessShareLock);
    return found;
}

// The cached bytes of key, copied into memory, if snapshot sees a row valid for this transaction
// whose header current() accepts (asked before the bytes are copied: a miss copies nothing).
template <typename Current>
char *fetch_cached(const DashboardRelations &rels, Snapshot snapshot, const pg_uuid_t &key,
                   MemoryContext memory, size_t *size, Current &&current) {
    Relation cache = table_open(rels.cache, AccessShareLock);
    Relation index = index_open(rels.cache_index, AccessShareLock);
    ScanKeyData scankey;
    ScanKeyInit(&scankey, 1, BTEqualStrategyNumber, F_UUID_EQ,
                UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)));
    IndexScanDesc scan = index_beginscan(cache, index, snapshot, 1, 0);
    index_rescan(scan, &scankey, 1, nullptr, 0);
    TupleTableSlot *slot = table_slot_create(cache, nullptr);
    char *bytes = nullptr;
    if (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        bool null_from, null_until, null_rows;
        TimestampTz from = DatumGetTimestampTz(slot_getattr(slot, valid_from_column, &null_from));
        TimestampTz until =
            DatumGetTimestampTz(slot_getattr(slot, valid_until_column, &null_until));
        Datum rows = slot_getattr(slot, rows_column, &null_rows);
        TimestampTz started = GetCurrentTransactionStartTimestamp();
        if (!null_from && !null_until && !null_rows && from <= started && started < until) {
            // In the pinned page unless toasted (then a palloc'd copy).
            struct varlena *v =
                pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(rows)));
            PackedHeader header;
            if (VARSIZE_ANY_EXHDR(v) >= sizeof header) {
                memcpy(&header, VARDATA_ANY(v), sizeof header); // the page keeps no alignment
                if (current(header)) {
                    *size = VARSIZE_ANY_EXHDR(v);
                    bytes = static_cast<char *>(MemoryContextAlloc(memory, *size + 1));
                    memcpy(bytes, VARDATA_ANY(v), *size);
                }
            }
        }
    }
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    index_close(index, AccessShareLock);
    table_close(cache, AccessShareLock);
    return bytes;
}

// Appends the rows packed in bytes (which it may change) to out; false (out unchanged) when they
// do not unpack.
bool unpack_rows(char *bytes, size_t size, const pg_uuid_t *user, DashboardRows &out) {
    Unpacker in(bytes, size);
    auto *header = const_cast<PackedHeader *>(in.fixed<PackedHeader>());
    if (header == nullptr || header->magic != packed_magic || header->metric_count > 3)
        return false;
    uint32 stored = header->checksum;
    header->checksum = 0;
    if (checksum_of(bytes, size) != stored)
        return false;
    if (header->row_count > size / sizeof(PackedRow))
        return false;
    Datum names[3];
    for (int m = 0; m < header->metric_count; m++)
        if (!in.varlena(&names[m]))
            return false;
    size_t first = out.size();
    out.reserve(first + header->row_count);
    for (uint32 i = 0; i < header->row_count; i++) {
        const PackedRow *packed = in.fixed<PackedRow>();
        if (packed == nullptr || packed->metric >= header->metric_count)
            break;
        DashboardRow row{};
        row.values[0] = UUIDPGetDatum(const_cast<pg_uuid_t *>(user));
        row.values[1] = TimestampTzGetDatum(packed->week_start);
        row.values[2] = names[packed->metric];
        row.values[5] = Int64GetDatum(packed->maximum);
        row.values[6] = Int64GetDatum(packed->minimum);
        row.nulls[7] = !packed->has_previous;
        bool complete = true;
        for (int column : numeric_columns)
            if (!row.nulls[column])
                complete = complete && in.varlena(&row.values[column]);
        if (!complete)
            break;
        out.push_back(row);
    }
    if (out.size() - first == header->row_count && in.at_end())
        return true;
    out.resize(first);
    return false;
}

} // namespace

bool dashboard_cache_enabled() {
    return cache_setting;
}

void define_dashboard_cache_setting() {
    DefineCustomBoolVariable(
        "assistant_hub.dashboard_cache",
        "Serves dashboard_metrics rows from assistant_hub.dashboard_cache when they are valid.",
        "Off computes every read from the metric values; the rows are the same either way.",
        &cache_setting, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

Datum pack_dashboard_rows(const DashboardReader &r, const DashboardRows &rows) {
    return pg::call([&] {
        size_t size = MAXALIGN(sizeof(PackedHeader));
        for (int m = 0; m < r.metric_count; m++)
            size += packed_size(r.metrics[m].name);
        for (const DashboardRow &row : rows) {
            size += MAXALIGN(sizeof(PackedRow));
            for (int column : numeric_columns)
                if (!row.nulls[column])
                    size += packed_size(row.values[column]);
        }
        auto *result = static_cast<bytea *>(palloc0(VARHDRSZ + size));
        SET_VARSIZE(result, VARHDRSZ + size);
        // Packed in an aligned buffer, then copied: VARDATA is only int-aligned.
        char *data = static_cast<char *>(palloc0(size));
        auto *header = reinterpret_cast<PackedHeader *>(data);
        header->magic = packed_magic;
        header->metric_count = uint16(r.metric_count);
        header->row_count = uint32(rows.size());
        char *at = data + MAXALIGN(sizeof(PackedHeader));
        for (int m = 0; m < r.metric_count; m++) {
            header->metric_ids[m] = r.metrics[m].id;
            at = put(at, r.metrics[m].name);
        }
        for (const DashboardRow &row : rows) {
            auto *packed = reinterpret_cast<PackedRow *>(at);
            for (int m = 0; m < r.metric_count; m++)
                if (row.values[2] == r.metrics[m].name)
                    packed->metric = uint8(m);
            packed->has_previous = !row.nulls[7];
            packed->week_start = DatumGetTimestampTz(row.values[1]);
            packed->maximum = DatumGetInt64(row.values[5]);
            packed->minimum = DatumGetInt64(row.values[6]);
            at += MAXALIGN(sizeof(PackedRow));
            for (int column : numeric_columns)
                if (!row.nulls[column])
                    at = put(at, row.values[column]);
        }
        header->checksum = checksum_of(data, size); // over the bytes with the field still zero
        memcpy(VARDATA(result), data, size);
        pfree(data);
        return PointerGetDatum(result);
    });
}

bool read_cached_rows(Snapshot snapshot, const pg_uuid_t &key, DashboardRows &out,
                      MemoryContext memory) {
    if (!cache_setting)
        return false;
    const DashboardRelations &rels = dashboard_relations();
    if (!dashboard_direct_read(rels))
        return false;
    return pg::call([&] {
        size_t size = 0;
        char *bytes =
            fetch_cached(rels, snapshot, key, memory, &size, [&](const PackedHeader &header) {
                return header.magic == packed_magic && header.metric_count <= 3 &&
                       !has_pending(key, header) && !has_deltas(rels, snapshot, key, header);
            });
        if (bytes == nullptr)
            return false;
        auto *user = static_cast<pg_uuid_t *>(MemoryContextAlloc(memory, sizeof(pg_uuid_t)));
        *user = key;
        return unpack_rows(bytes, size, user, out);
    });
}

} // namespace assistant_hub::metrics

using namespace assistant_hub;
using namespace assistant_hub::metrics;

// _dashboard_cache_build(keys uuid[]): (user_id, valid_from, valid_until, rows) of each key with
// dashboard rows, computed now; every such user when keys is null.
AH_SQL_FUNCTION(dashboard_cache_build) {
    return pg::guard([&] {
        pg::call([&] { InitMaterializedSRF(fcinfo, 0); });
        auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        MemoryContext memory = pg::call([&] {
            return AllocSetContextCreate(CurrentMemoryContext, "dashboard cache build",
                                         ALLOCSET_DEFAULT_SIZES);
        });
        DashboardReader *r = DashboardReader::open(GetActiveSnapshot(), CurrentMemoryContext);
        DashboardKeys *keys = nullptr;
        if (PG_ARGISNULL(0)) {
            keys = r->keys();
        } else {
            keys = pg::call([&] {
                ArrayType *array = PG_GETARG_ARRAYTYPE_P(0);
                Datum *elements;
                bool *nulls;
                int count;
                deconstruct_array(array, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elements, &nulls,
                                  &count);
                void *p = palloc(sizeof(DashboardKeys));
                auto *k = new (p) DashboardKeys(pg::make_in<DashboardKeys>(CurrentMemoryContext));
                for (int i = 0; i < count; i++)
                    if (!nulls[i])
                        k->push_back(*DatumGetUUIDP(elements[i]));
                return k;
            });
        }
        for (const pg_uuid_t &key : *keys) {
            pg::call([&] { MemoryContextReset(memory); });
            void *p = pg::call([&] { return MemoryContextAlloc(memory, sizeof(DashboardRows)); });
            auto *rows = new (p) DashboardRows(pg::make_in<DashboardRows>(memory));
            r->rows_of(key, *rows, memory);
            if (rows->empty())
                continue;
            pg::call([&] {
                MemoryContext old = MemoryContextSwitchTo(memory);
                Datum values[4] = {UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)),
                                   TimestampTzGetDatum(r->valid_from),
                                   TimestampTzGetDatum(r->valid_until),
                                   pack_dashboard_rows(*r, *rows)};
                bool nulls[4] = {false, false, false, false};
                MemoryContextSwitchTo(old);
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
            });
        }
        r->close();
        pg::call([&] { MemoryContextDelete(memory); });
        return Datum(0);
    });
}

// _dashboard_cache_period(): the transaction start times for which rows computed now are valid.
AH_SQL_FUNCTION(dashboard_cache_period) {
    return pg::guard([&] {
        DashboardReader *r = DashboardReader::open(GetActiveSnapshot(), CurrentMemoryContext);
        r->close();
        TupleDesc desc;
        pg::call([&] {
            if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
                elog(ERROR, "return type must be a row type");
        });
        Datum values[2] = {TimestampTzGetDatum(r->valid_from), TimestampTzGetDatum(r->valid_until)};
        bool nulls[2] = {false, false};
        return pg::call([&] {
            return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
        });
    });
}
