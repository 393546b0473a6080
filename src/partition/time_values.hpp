// Conversions between values of a time set's control column (date, timestamp, timestamptz) and
// local timestamps in the set's time zone, and the literals used in partition bounds.
#pragma once

#include <string>

#include "pg/postgres.hpp"

namespace assistant_hub::partition {

bool is_time_type(Oid type);
// Local timestamp of a value of type type (timestamptz: seen in time_zone). Infinities clamp.
int64 to_local(Datum value, Oid type, const std::string &time_zone);
// to_local, for a value that partitions are planned from: one outside the years 1 to 9999
// (infinities included) is an error (22008) naming what it is.
int64 to_local_in_range(Datum value, Oid type, const std::string &time_zone,
                        const std::string &what);
// The value of type type at local time local.
Datum from_local(int64 local, Oid type, const std::string &time_zone);
// A typed SQL literal, e.g. '2026-11-01'::date, independent of DateStyle and TimeZone.
std::string bound_literal(int64 local, Oid type, const std::string &time_zone);
// The transaction's start time as a local timestamp in time_zone.
int64 local_now(const std::string &time_zone);

} // namespace assistant_hub::partition
