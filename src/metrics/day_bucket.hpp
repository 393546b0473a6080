// The day a row falls on. One implementation serves the trigger code and the SQL recount
// (assistant_hub._metric_day), so both always agree.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "pgtime.h"
#include "utils/date.h"
}

namespace assistant_hub::metrics {

// The day of value, of type timestamptz (in zone), timestamp or date. May ereport: call it
// through pg::call from C++ frames.
DateADT day_of(Datum value, Oid type, pg_tz *zone);

// The zone named name; throws 22023 when it is unknown.
pg_tz *zone_named(const char *name);

} // namespace assistant_hub::metrics
