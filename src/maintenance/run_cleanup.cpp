// CALL assistant_hub.run_cleanup(max_rounds): retention cleanup until nothing expired is left.
// Each round removes at most maintenance_max_batches batches per table and then commits, so no
// round holds its row locks for long however large the backlog is. A C procedure, because a
// procedure that commits cannot carry a SET search_path clause; every name here is qualified.
#include <string>

#include "maintenance/run_lock.hpp"
#include "maintenance/spi_values.hpp"
#include "maintenance/steps.hpp"

extern "C" {
#include "nodes/parsenodes.h"
}

using namespace assistant_hub;
using namespace assistant_hub::maintenance;

namespace {

int64 cleanup_round(pg::SpiConnection &spi) {
    // Waits for a running run_maintenance() rather than racing it for the same rows; then the
    // round's own statements wait at most 2 s for a lock (the setting ends with the round).
    spi.execute(wait_run_lock_sql);
    spi.execute("SELECT pg_catalog.set_config('lock_timeout', '2s', true)");
    int n_rules = 0;
    const RetentionRule *rules = retention_rules(n_rules);
    int64 removed = 0;
    for (int i = 0; i < n_rules; i++)
        removed += apply_retention(spi, rules[i]).removed;
    return removed;
}

} // namespace

AH_SQL_FUNCTION(run_cleanup) {
    return pg::guard([&] {
        if (PG_ARGISNULL(0))
            throw Error(sqlstate::null_value_not_allowed,
                        "run_cleanup: argument \"max_rounds\" must not be null");
        int32 max_rounds = PG_GETARG_INT32(0);
        if (max_rounds < 1)
            throw Error(sqlstate::invalid_parameter_value,
                        "run_cleanup: max_rounds must be positive, not " +
                            std::to_string(max_rounds));
        refuse_on_standby("run_cleanup");
        bool nonatomic = fcinfo->context != nullptr && IsA(fcinfo->context, CallContext) &&
                         !castNode(CallContext, fcinfo->context)->atomic;
        if (!nonatomic)
            throw Error("2D000",
                        "run_cleanup commits between rounds and cannot run inside a "
                        "transaction block",
                        {},
                        "CALL assistant_hub.run_cleanup() on its own, outside BEGIN ... COMMIT.");

        int64 total = 0;
        int rounds = 0;
        {
            pg::SpiConnection spi(SPI_OPT_NONATOMIC);
            for (;;) {
                int64 removed = cleanup_round(spi);
                total += removed;
                rounds++;
                pg::call([] { SPI_commit(); });
                if (removed == 0 || rounds >= max_rounds)
                    break;
            }
        }
        report(NOTICE, "run_cleanup: removed " + std::to_string(total) +
                           " rows and partitions in " + std::to_string(rounds) + " rounds");
        PG_RETURN_VOID();
    });
}
