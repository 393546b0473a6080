// assistant_hub._dashboard_arithmetic_selftest(max_value): compares the dashboard's own numeric
// arithmetic (dashboard_metrics_rows.cpp, from pure_dashboard_weeks.cpp) with numeric's functions
// byte for byte, over every total in 0..max_value with every day count 1..7 (daily_average) and
// every pair of weekly totals (week_over_week_change), plus values near the fast path's limits.
#include "metrics/dashboard_metrics_rows.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/numeric.h"
}

using namespace assistant_hub;
using namespace assistant_hub::metrics;

AH_SQL_FUNCTION(dashboard_arithmetic_selftest) {
    int32 max_value = PG_GETARG_INT32(0);
    return pg::guard([&] {
        if (max_value < 1 || max_value > 2000)
            throw Error(sqlstate::invalid_parameter_value,
                        "_dashboard_arithmetic_selftest: max_value must be between 1 and 2000");
        int64 compared = 0, mismatched = 0;
        pg::call([&] {
            MemoryContext work = AllocSetContextCreate(
                CurrentMemoryContext, "dashboard arithmetic selftest", ALLOCSET_DEFAULT_SIZES);
            MemoryContext old = MemoryContextSwitchTo(work);
            auto check = [&](Datum ours, Datum reference) {
                compared++;
                if (!datumIsEqual(ours, reference, false, -1))
                    mismatched++;
            };
            const int64 large[] = {9999,
                                   10000,
                                   10001,
                                   99999999,
                                   100000000,
                                   922337203685,
                                   999999999999999,
                                   1000000000000000,
                                   1000000000000001};
            for (int64 total = 0; total <= max_value; total++) {
                for (int64 days = 1; days <= 7; days++)
                    check(dashboard_average(total, days), numeric_average(total, days));
                for (int64 previous = 1; previous <= max_value; previous++)
                    check(dashboard_change(total, previous), numeric_change(total, previous));
                MemoryContextReset(work);
            }
            for (int64 a : large)
                for (int64 b : large) {
                    check(dashboard_average(a, b), numeric_average(a, b));
                    check(dashboard_change(a, b), numeric_change(a, b));
                    check(dashboard_change(a % 97, b), numeric_change(a % 97, b));
                }
            MemoryContextSwitchTo(old);
            MemoryContextDelete(work);
        });
        TupleDesc desc;
        pg::call([&] {
            if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
                elog(ERROR, "return type must be a row type");
        });
        Datum values[2] = {Int64GetDatum(compared), Int64GetDatum(mismatched)};
        bool nulls[2] = {false, false};
        return pg::call([&] {
            return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
        });
    });
}
