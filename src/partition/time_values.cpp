#include "partition/time_values.hpp"

#include <limits>

#include "partition/pure_time_steps.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "datatype/timestamp.h"
#include "utils/date.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::partition {

bool is_time_type(Oid type) {
    return type == DATEOID || type == TIMESTAMPOID || type == TIMESTAMPTZOID;
}

static int64 clamp_infinite(int64 v, bool is_begin, bool is_end) {
    if (is_begin)
        return std::numeric_limits<int64>::min() / 2;
    if (is_end)
        return std::numeric_limits<int64>::max() / 2;
    return v;
}

int64 to_local(Datum value, Oid type, const std::string &time_zone) {
    switch (type) {
    case DATEOID: {
        DateADT d = DatumGetDateADT(value);
        return clamp_infinite(static_cast<int64>(d) * usecs_per_day, DATE_IS_NOBEGIN(d),
                              DATE_IS_NOEND(d));
    }
    case TIMESTAMPOID: {
        Timestamp t = DatumGetTimestamp(value);
        return clamp_infinite(t, TIMESTAMP_IS_NOBEGIN(t), TIMESTAMP_IS_NOEND(t));
    }
    case TIMESTAMPTZOID: {
        TimestampTz t = DatumGetTimestampTz(value);
        if (TIMESTAMP_NOT_FINITE(t))
            return clamp_infinite(t, TIMESTAMP_IS_NOBEGIN(t), TIMESTAMP_IS_NOEND(t));
        return pg::call([&] {
            return DatumGetTimestamp(DirectFunctionCall2(
                timestamptz_zone, CStringGetTextDatum(time_zone.c_str()), value));
        });
    }
    }
    throw Error(sqlstate::datatype_mismatch, "unsupported control column type");
}

int64 to_local_in_range(Datum value, Oid type, const std::string &time_zone,
                        const std::string &what) {
    int64 local = to_local(value, type, time_zone);
    if (!in_named_range(local))
        throw Error(sqlstate::datetime_field_overflow,
                    what + " is outside the years 1 to 9999 that time partitions support");
    return local;
}

Datum from_local(int64 local, Oid type, const std::string &time_zone) {
    switch (type) {
    case DATEOID:
        return DateADTGetDatum(static_cast<DateADT>(local / usecs_per_day));
    case TIMESTAMPOID:
        return TimestampGetDatum(local);
    case TIMESTAMPTZOID:
        return pg::call([&] {
            return DirectFunctionCall2(timestamp_zone, CStringGetTextDatum(time_zone.c_str()),
                                       TimestampGetDatum(local));
        });
    }
    throw Error(sqlstate::datatype_mismatch, "unsupported control column type");
}

std::string bound_literal(int64 local, Oid type, const std::string &time_zone) {
    switch (type) {
    case DATEOID:
        return "'" + iso_date(local) + "'::date";
    case TIMESTAMPOID:
        return "'" + iso_timestamp(local) + "'::timestamp";
    case TIMESTAMPTZOID: {
        int64 utc = DatumGetTimestampTz(from_local(local, type, time_zone));
        return "'" + iso_timestamp(utc) + "+00'::timestamptz";
    }
    }
    throw Error(sqlstate::datatype_mismatch, "unsupported control column type");
}

int64 local_now(const std::string &time_zone) {
    return to_local(TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), TIMESTAMPTZOID,
                    time_zone);
}

} // namespace assistant_hub::partition
