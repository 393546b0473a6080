#include <cstring>
#include <string>

#include "metrics/day_bucket.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::metrics {

DateADT day_of(Datum value, Oid type, pg_tz *zone) {
    switch (type) {
    case DATEOID:
        return DatumGetDateADT(value);
    case TIMESTAMPOID:
        return DatumGetDateADT(DirectFunctionCall1(timestamp_date, value));
    case TIMESTAMPTZOID: {
        TimestampTz t = DatumGetTimestampTz(value);
        if (TIMESTAMP_IS_NOBEGIN(t)) {
            DateADT d;
            DATE_NOBEGIN(d);
            return d;
        }
        if (TIMESTAMP_IS_NOEND(t)) {
            DateADT d;
            DATE_NOEND(d);
            return d;
        }
        struct pg_tm tm;
        fsec_t fsec;
        int offset;
        if (timestamp2tm(t, &offset, &tm, &fsec, nullptr, zone) != 0)
            ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
                            errmsg("timestamp out of range")));
        return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
    }
    default:
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                        errmsg("metric time column has unsupported type %u", type)));
    }
    pg_unreachable();
}

pg_tz *zone_named(const char *name) {
    pg_tz *zone = pg::call([&] { return pg_tzset(name); });
    if (zone == nullptr)
        throw Error(sqlstate::invalid_parameter_value,
                    std::string("time zone \"") + name + "\" not recognized");
    return zone;
}

} // namespace assistant_hub::metrics

using namespace assistant_hub;

// assistant_hub._metric_day(t timestamptz | timestamp | date, time_zone text) returns date
AH_SQL_FUNCTION(metric_day) {
    return pg::guard([&] {
        Oid type = get_fn_expr_argtype(fcinfo->flinfo, 0);
        pg_tz *zone = nullptr;
        if (type == TIMESTAMPTZOID) {
            // The zone is nearly always the same from row to row: keep the last one looked up.
            struct LastZone {
                pg_tz *zone;
                int length;
                char name[TZ_STRLEN_MAX + 1];
            };
            text *arg = pg::call([&] { return PG_GETARG_TEXT_PP(1); });
            int length = VARSIZE_ANY_EXHDR(arg);
            auto *last = static_cast<LastZone *>(fcinfo->flinfo->fn_extra);
            if (last != nullptr && last->length == length &&
                memcmp(last->name, VARDATA_ANY(arg), length) == 0) {
                zone = last->zone;
            } else {
                char *name = pg::call([&] { return text_to_cstring(arg); });
                zone = metrics::zone_named(name);
                if (length <= TZ_STRLEN_MAX) {
                    if (last == nullptr)
                        last = static_cast<LastZone *>(pg::call([&] {
                            return MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
                                                          sizeof(LastZone));
                        }));
                    last->zone = zone;
                    last->length = length;
                    memcpy(last->name, name, length);
                    fcinfo->flinfo->fn_extra = last;
                }
            }
        }
        Datum value = PG_GETARG_DATUM(0);
        return pg::call([&] { return DateADTGetDatum(metrics::day_of(value, type, zone)); });
    });
}

// assistant_hub._time_zone_known(name text) returns boolean: whether PostgreSQL knows the zone by
// that name (then AT TIME ZONE accepts it), without the error an unknown one raises.
AH_SQL_FUNCTION(time_zone_known) {
    return pg::guard([&] {
        return pg::call([&] {
            text *name = PG_GETARG_TEXT_PP(0);
            if (VARSIZE_ANY_EXHDR(name) > TZ_STRLEN_MAX)
                return BoolGetDatum(false);
            return BoolGetDatum(pg_tzset(text_to_cstring(name)) != nullptr);
        });
    });
}
