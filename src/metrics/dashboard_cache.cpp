// The dashboard cache: packing a user's rows, reading them back when they are valid, and the
// functions consolidate_metrics() fills the cache with (see dashboard_cache.hpp).
#include <algorithm>

#include "metrics/dashboard_cache.hpp"
#include "metrics/day_bucket.hpp"
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
// palloc'd memory serves its varlenas as Datums in place:
//   the header;
//   per metric: its name and zone (text);
//   per row: PackedRow and its numerics (weekly_total, daily_average, previous_week_total when
//     there is one, week_over_week_change);
//   (from rows_end) per metric: its consolidated day values in the window (PackedDays, the days,
//     the values), from which a read that meets newer deltas recomputes rows. A read without
//     newer deltas copies and checks the bytes before rows_end only.
constexpr uint32 packed_magic = 0x41484434; // "AHD4"; another layout gets another number

struct PackedHeader {
    uint32 magic;
    uint16 metric_count;
    uint16 reserved;
    uint32 row_count;
    uint32 rows_end;
    uint32 checksum;      // CRC-32C of the bytes before rows_end, this field zero
    uint32 days_checksum; // CRC-32C of the bytes from rows_end: damaged bytes are a miss
    int32 metric_ids[3];
    int32 first_days[3]; // each metric's first day of the window (DateADT)
};

struct PackedDays {
    uint32 count;
    uint32 reserved;
};

struct PackedRow {
    uint8 metric; // index into the header's metrics
    uint8 has_previous;
    uint8 reserved[6];
    int64 week_start; // timestamptz
    int64 maximum;
    int64 minimum;
};

constexpr int numeric_columns[] = {3, 4, 7, 8}; // of DashboardRow; 7 may be null

uint32 checksum_of(const char *bytes, size_t size) {
    pg_crc32c crc;
    INIT_CRC32C(crc);
    COMP_CRC32C(crc, bytes, size);
    FIN_CRC32C(crc);
    return crc;
}

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
    Unpacker() = default;
    Unpacker(char *data, size_t size) : at_(data), end_(data + size) {}
    template <typename T> T *array(size_t n) {
        if (n > left() / sizeof(T))
            return nullptr;
        auto *p = reinterpret_cast<T *>(at_);
        at_ += MAXALIGN(n * sizeof(T));
        return p;
    }
    template <typename T> T *fixed() { return array<T>(1); }
    bool varlena(Datum *out) {
        if (left() == 0 || left() < (VARATT_IS_1B(at_) ? 1 : VARHDRSZ) || VARATT_IS_EXTERNAL(at_) ||
            VARATT_IS_COMPRESSED(at_))
            return false;
        size_t size = VARSIZE_ANY(at_);
        if (size < (VARATT_IS_1B(at_) ? 1 : VARHDRSZ) || size > left())
            return false;
        *out = PointerGetDatum(at_);
        at_ += MAXALIGN(size);
        return true;
    }
    bool at_end() const { return at_ >= end_; }

  private:
    // Bytes left (none once the alignment padding of the last part went past the end).
    size_t left() const { return at_ < end_ ? size_t(end_ - at_) : 0; }

    char *at_ = nullptr;
    char *end_ = nullptr;
};

// The parts of packed bytes, pointing into them; rows still packed.
struct Packed {
    PackedHeader *header;
    Datum names[3], zones[3]; // text
    const int32 *days[3];
    const int64 *values[3];
    uint32 day_counts[3];
    Unpacker rows; // positioned at the first row
};

// Checks the checksums and parses the header, the metrics and (with days) their day values from
// bytes, which hold the bytes before rows_end, or (with days) all of them; false when damaged.
bool unpack_metrics(char *bytes, size_t size, bool with_days, Packed &p) {
    Unpacker head(bytes, size);
    p.header = head.fixed<PackedHeader>();
    if (p.header == nullptr || p.header->magic != packed_magic || p.header->metric_count > 3 ||
        p.header->rows_end > size || p.header->rows_end % MAXIMUM_ALIGNOF != 0 ||
        p.header->row_count > size / sizeof(PackedRow) ||
        (!with_days && p.header->rows_end != size))
        return false;
    uint32 stored = p.header->checksum;
    p.header->checksum = 0;
    if (checksum_of(bytes, p.header->rows_end) != stored)
        return false;
    p.rows = Unpacker(bytes, p.header->rows_end);
    p.rows.fixed<PackedHeader>();
    for (int m = 0; m < p.header->metric_count; m++)
        if (!p.rows.varlena(&p.names[m]) || !p.rows.varlena(&p.zones[m]))
            return false;
    if (!with_days)
        return true;
    char *days_start = bytes + p.header->rows_end;
    size_t days_size = size - p.header->rows_end;
    if (checksum_of(days_start, days_size) != p.header->days_checksum)
        return false;
    Unpacker days_part(days_start, days_size);
    for (int m = 0; m < p.header->metric_count; m++) {
        const PackedDays *days = days_part.fixed<PackedDays>();
        if (days == nullptr || (p.days[m] = days_part.array<int32>(days->count)) == nullptr ||
            (p.values[m] = days_part.array<int64>(days->count)) == nullptr)
            return false;
        p.day_counts[m] = days->count;
    }
    return days_part.at_end();
}

// Appends the packed rows to out (with each row's metric index to metrics, when given); false
// when damaged (out may then hold some of them).
bool unpack_rows(Packed &p, const pg_uuid_t *user, DashboardRows &out,
                 pg::SmallVector<uint8, 64> *metrics) {
    out.reserve(out.size() + p.header->row_count);
    for (uint32 i = 0; i < p.header->row_count; i++) {
        const PackedRow *packed = p.rows.fixed<PackedRow>();
        if (packed == nullptr || packed->metric >= p.header->metric_count)
            return false;
        DashboardRow row{};
        row.values[0] = UUIDPGetDatum(const_cast<pg_uuid_t *>(user));
        row.values[1] = TimestampTzGetDatum(packed->week_start);
        row.values[2] = p.names[packed->metric];
        row.values[5] = Int64GetDatum(packed->maximum);
        row.values[6] = Int64GetDatum(packed->minimum);
        row.nulls[7] = !packed->has_previous;
        for (int column : numeric_columns)
            if (!row.nulls[column] && !p.rows.varlena(&row.values[column]))
                return false;
        out.push_back(row);
        if (metrics != nullptr)
            metrics->push_back(packed->metric);
    }
    return p.rows.at_end();
}

// Cached relation columns: user_id, valid_from, valid_until, rows.
constexpr AttrNumber valid_from_column = 2, valid_until_column = 3, rows_column = 4;

// A delta newer than the cached values: of the header's metric m.
struct NewerDelta {
    int metric;
    DateADT day;
    int64 delta;
};
using NewerDeltas = pg::SmallVector<NewerDelta, 16>;

int metric_of(const PackedHeader &header, int32 id) {
    for (int m = 0; m < header.metric_count; m++)
        if (header.metric_ids[m] == id)
            return m;
    return -1;
}

// The deltas of key in the header's metrics that are not in the cached values: the delta rows
// snapshot sees (consolidation writes the cache from the counts it folded them into), and this
// transaction's pending deltas.
void newer_deltas(const DashboardRelations &rels, Snapshot snapshot, const pg_uuid_t &key,
                  const PackedHeader &header, NewerDeltas &found) {
    for_each_visible_entry_of(
        rels.deltas, rels.deltas_index, snapshot, UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)),
        [&](IndexTuple entry, TupleDesc desc) {
            bool isnull;
            int m = metric_of(header, DatumGetInt32(index_getattr(entry, 2, desc, &isnull)));
            if (m >= 0)
                found.push_back({m, DatumGetDateADT(index_getattr(entry, 3, desc, &isnull)),
                                 DatumGetInt64(index_getattr(entry, 4, desc, &isnull))});
        });
    for (int m = 0; m < header.metric_count; m++)
        for_each_pending_of(header.metric_ids[m], key.data, [&](DateADT day, int64 delta) {
            found.push_back({m, day, delta});
        });
}

// The cached bytes of key, copied into memory, if snapshot sees a row valid for this transaction:
// the first want(header, size) of them (0: none, a miss), asked while the row is still pinned.
template <typename Want>
char *fetch_cached(const DashboardRelations &rels, Snapshot snapshot, const pg_uuid_t &key,
                   MemoryContext memory, size_t *size, Want &&want) {
    char *bytes = nullptr;
    with_row_of(rels.cache, rels.cache_index, snapshot,
                UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)), [&](TupleTableSlot *slot) {
                    bool null_from, null_until, null_rows;
                    TimestampTz from =
                        DatumGetTimestampTz(slot_getattr(slot, valid_from_column, &null_from));
                    TimestampTz until =
                        DatumGetTimestampTz(slot_getattr(slot, valid_until_column, &null_until));
                    Datum rows = slot_getattr(slot, rows_column, &null_rows);
                    TimestampTz started = GetCurrentTransactionStartTimestamp();
                    if (null_from || null_until || null_rows || from > started || started >= until)
                        return false;
                    // In the pinned page unless toasted (then a palloc'd copy).
                    struct varlena *v = pg_detoast_datum_packed(
                        reinterpret_cast<struct varlena *>(DatumGetPointer(rows)));
                    size_t total = VARSIZE_ANY_EXHDR(v);
                    PackedHeader header;
                    if (total < sizeof header)
                        return false;
                    memcpy(&header, VARDATA_ANY(v), sizeof header); // the page keeps no alignment
                    *size = std::min(want(header, total), total);
                    if (*size > 0) {
                        bytes = static_cast<char *>(MemoryContextAlloc(memory, *size));
                        memcpy(bytes, VARDATA_ANY(v), *size);
                    }
                    return true;
                });
    return bytes;
}

// The rows of the cached metrics with newer deltas recomputed from their cached values and those
// deltas; the other metrics' rows as cached. False when damaged. (C++ containers here: PostgreSQL
// calls go through pg::call.)
bool patched_rows(Packed &p, const NewerDeltas &deltas, const pg_uuid_t *user, DashboardRows &out,
                  MemoryContext memory) {
    DashboardRows cached = pg::make_in<DashboardRows>(memory);
    pg::SmallVector<uint8, 64> cached_metric = pg::make_in<pg::SmallVector<uint8, 64>>(memory);
    if (!unpack_rows(p, user, cached, &cached_metric))
        return false;
    WeekStarts starts;
    for (int m = 0; m < p.header->metric_count; m++) {
        // This metric's deltas in the window (those before it change no row).
        DayValues added = pg::make_in<DayValues>(memory);
        for (const NewerDelta &d : deltas)
            if (d.metric == m && d.day >= p.header->first_days[m])
                added.push_back({d.day, d.delta});
        if (added.empty()) {
            for (size_t i = 0; i < cached.size(); i++)
                if (cached_metric[i] == m)
                    out.push_back(cached[i]);
            continue;
        }
        DashboardMetric metric{p.header->metric_ids[m], p.names[m], nullptr, nullptr,
                               p.header->first_days[m]};
        metric.zone_name = pg::call([&] { return text_to_cstring(DatumGetTextPP(p.zones[m])); });
        metric.zone = zone_named(metric.zone_name);
        // The cached values are sorted, one per day: merged with the (few) deltas, sorted apart.
        merge_days(added);
        DayValues values = pg::make_in<DayValues>(memory);
        values.reserve(p.day_counts[m] + added.size());
        size_t a = 0;
        for (uint32 i = 0; i < p.day_counts[m]; i++) {
            for (; a < added.size() && added[a].day < p.days[m][i]; a++)
                values.push_back(added[a]);
            int64 value = p.values[m][i];
            if (a < added.size() && added[a].day == p.days[m][i])
                value += added[a++].value;
            values.push_back({p.days[m][i], value});
        }
        for (; a < added.size(); a++)
            values.push_back(added[a]);
        // A week's row changes only when a delta falls in it or between it and the previous week
        // with values (which gives its previous_week_total): the other rows are the cached ones.
        pg::SmallVector<WeekRow, 16> weeks = pg::make_in<pg::SmallVector<WeekRow, 16>>(memory);
        for_each_week(values.data(), values.data() + values.size(),
                      [&](const WeekRow &w) { weeks.push_back(w); });
        pg::SmallVector<size_t, 16> mine = pg::make_in<pg::SmallVector<size_t, 16>>(memory);
        for (size_t i = 0; i < cached.size(); i++)
            if (cached_metric[i] == m)
                mine.push_back(i);
        out.reserve(out.size() + weeks.size());
        pg::call([&] {
            MemoryContext old = MemoryContextSwitchTo(memory);
            size_t c = 0;
            for (size_t i = 0; i < weeks.size(); i++) {
                DateADT previous = i > 0 ? weeks[i - 1].week : DATEVAL_NOBEGIN;
                bool changed = false;
                for (const DayValue &d : added)
                    changed =
                        changed || (previous <= week_of(d.day) && week_of(d.day) <= weeks[i].week);
                TimestampTz start = DatumGetTimestampTz(starts.start(weeks[i].week, metric.zone));
                while (!changed && c < mine.size() &&
                       DatumGetTimestampTz(cached[mine[c]].values[1]) < start)
                    c++;
                if (!changed && c < mine.size() &&
                    DatumGetTimestampTz(cached[mine[c]].values[1]) == start)
                    out.push_back(cached[mine[c]]);
                else
                    out.push_back(week_row(metric, weeks[i], user, starts));
            }
            MemoryContextSwitchTo(old);
        });
    }
    return true;
}

} // namespace

void define_dashboard_cache_setting() {
    DefineCustomBoolVariable(
        "assistant_hub.dashboard_cache",
        "Serves dashboard_metrics rows and dashboard_summary counts from the dashboard caches "
        "when they are valid.",
        "Off computes every read; the results are the same either way.", &cache_setting, true,
        PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

bool dashboard_cache_on() {
    return cache_setting;
}

Datum pack_dashboard_rows(const DashboardReader &r, const DayValues *values,
                          const DashboardRows &rows) {
    return pg::call([&] {
        size_t size = MAXALIGN(sizeof(PackedHeader));
        Datum zones[3];
        for (int m = 0; m < r.metric_count; m++) {
            zones[m] = CStringGetTextDatum(r.metrics[m].zone_name);
            size += packed_size(r.metrics[m].name) + packed_size(zones[m]);
        }
        for (const DashboardRow &row : rows) {
            size += MAXALIGN(sizeof(PackedRow));
            for (int column : numeric_columns)
                if (!row.nulls[column])
                    size += packed_size(row.values[column]);
        }
        size_t rows_end = size;
        for (int m = 0; m < r.metric_count; m++)
            size += MAXALIGN(sizeof(PackedDays)) + MAXALIGN(values[m].size() * sizeof(int32)) +
                    MAXALIGN(values[m].size() * sizeof(int64));
        auto *result = static_cast<bytea *>(palloc0(VARHDRSZ + size));
        SET_VARSIZE(result, VARHDRSZ + size);
        // Packed in an aligned buffer, then copied: VARDATA is only int-aligned.
        char *data = static_cast<char *>(palloc0(size));
        auto *header = reinterpret_cast<PackedHeader *>(data);
        header->magic = packed_magic;
        header->metric_count = uint16(r.metric_count);
        header->row_count = uint32(rows.size());
        char *at = data + MAXALIGN(sizeof(PackedHeader));
        header->rows_end = uint32(rows_end);
        for (int m = 0; m < r.metric_count; m++) {
            header->metric_ids[m] = r.metrics[m].id;
            header->first_days[m] = r.metrics[m].first_day;
            at = put(at, r.metrics[m].name);
            at = put(at, zones[m]);
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
        for (int m = 0; m < r.metric_count; m++) {
            reinterpret_cast<PackedDays *>(at)->count = uint32(values[m].size());
            at += MAXALIGN(sizeof(PackedDays));
            auto *days = reinterpret_cast<int32 *>(at);
            at += MAXALIGN(values[m].size() * sizeof(int32));
            auto *day_values = reinterpret_cast<int64 *>(at);
            at += MAXALIGN(values[m].size() * sizeof(int64));
            for (size_t i = 0; i < values[m].size(); i++) {
                days[i] = values[m][i].day;
                day_values[i] = values[m][i].value;
            }
        }
        header->days_checksum = checksum_of(data + rows_end, size - rows_end);
        header->checksum = checksum_of(data, rows_end); // with the field itself still zero
        memcpy(VARDATA(result), data, size);
        pfree(data);
        return PointerGetDatum(result);
    });
}

CachedRead read_cached_rows(Snapshot snapshot, const pg_uuid_t &key, bool direct,
                            DashboardRows &out, MemoryContext memory) {
    if (!cache_setting || !direct)
        return CachedRead::miss;
    const DashboardRelations &rels = dashboard_relations();
    // The newer deltas are looked up first (from the header's metric ids): without any, only the
    // bytes before rows_end are copied and checked.
    NewerDeltas deltas = pg::make_in<NewerDeltas>(memory);
    size_t size = 0;
    char *bytes = pg::call([&] {
        return fetch_cached(rels, snapshot, key, memory, &size,
                            [&](const PackedHeader &header, size_t total) -> size_t {
                                if (header.magic != packed_magic || header.metric_count > 3 ||
                                    header.rows_end > total)
                                    return 0;
                                newer_deltas(rels, snapshot, key, header, deltas);
                                return deltas.empty() ? header.rows_end : total;
                            });
    });
    Packed p{};
    if (bytes == nullptr || !unpack_metrics(bytes, size, !deltas.empty(), p))
        return CachedRead::miss;
    auto *user = static_cast<pg_uuid_t *>(
        pg::call([&] { return MemoryContextAlloc(memory, sizeof(pg_uuid_t)); }));
    *user = key;
    size_t first = out.size();
    bool ok = deltas.empty() ? unpack_rows(p, user, out, nullptr)
                             : patched_rows(p, deltas, user, out, memory);
    if (!ok) {
        out.resize(first);
        return CachedRead::miss;
    }
    return deltas.empty() ? CachedRead::cached : CachedRead::with_deltas;
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
            DayValues days[3] = {pg::make_in<DayValues>(memory), pg::make_in<DayValues>(memory),
                                 pg::make_in<DayValues>(memory)};
            r->values_of(key, days, memory, true); // the counts: newer deltas are added on read
            WeekStarts starts;
            for (int m = 0; m < r->metric_count; m++)
                week_rows(r->metrics[m], days[m], &key, *rows, memory, starts);
            if (rows->empty())
                continue;
            pg::call([&] {
                MemoryContext old = MemoryContextSwitchTo(memory);
                Datum values[4] = {UUIDPGetDatum(const_cast<pg_uuid_t *>(&key)),
                                   TimestampTzGetDatum(r->valid_from),
                                   TimestampTzGetDatum(r->valid_until),
                                   pack_dashboard_rows(*r, days, *rows)};
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
