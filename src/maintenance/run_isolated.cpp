// One maintenance step in its own subtransaction, the way PL/pgSQL runs an EXCEPTION block: a
// failing step (a lock that is busy, a table in use) is rolled back alone and reported, and the
// other steps still run.
#include "maintenance/spi_values.hpp"
#include "maintenance/steps.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace assistant_hub::maintenance {

namespace {

StepResult failure(const char *sqlstate, const std::string &message) {
    StepResult r;
    // A missing prerequisite (e.g. the library is not preloaded) is a reason to skip, not a fault.
    r.status =
        std::string(sqlstate) == sqlstate::object_not_in_prerequisite_state ? "skipped" : "error";
    r.reason = message;
    r.details.add("sqlstate", sqlstate);
    return r;
}

} // namespace

StepResult run_isolated(pg::SpiConnection &spi, const Step &step) {
    MemoryContext caller_context = CurrentMemoryContext;
    ResourceOwner caller_owner = CurrentResourceOwner;
    auto restore = [&] {
        MemoryContextSwitchTo(caller_context);
        CurrentResourceOwner = caller_owner;
    };
    pg::call([] { BeginInternalSubTransaction(nullptr); });
    MemoryContextSwitchTo(caller_context);

    StepResult result;
    try {
        result = step.run(spi);
        pg::call([] { ReleaseCurrentSubTransaction(); });
        restore();
        return result;
    } catch (const pg::PgError &e) {
        // A cancel, a statement timeout or a shutdown stops the whole run, as it would stop
        // PL/pgSQL's EXCEPTION WHEN OTHERS; the transaction's abort closes the subtransaction.
        if (ERRCODE_TO_CATEGORY(e.sqlerrcode()) == ERRCODE_OPERATOR_INTERVENTION)
            throw;
        // Copy what we need before the rollback frees the subtransaction's memory.
        result = failure(unpack_sql_state(e.sqlerrcode()), e.what());
    } catch (const Error &e) {
        result = failure(e.sqlstate(), e.what());
    }
    pg::call([] { RollbackAndReleaseCurrentSubTransaction(); });
    restore();
    if (result.status == "error")
        report(WARNING,
               std::string("run_maintenance: step ") + step.name + " failed: " + result.reason);
    return result;
}

} // namespace assistant_hub::maintenance
