// What every maintenance entry point checks first: not on a hot standby, and one run at a time.
#pragma once

namespace assistant_hub::maintenance {

// Throws 25006 (read-only SQL transaction) on a hot standby, naming the function.
void refuse_on_standby(const char *function);

// The transaction-level advisory lock that serializes run_maintenance() and run_cleanup()
// rounds: SQL that returns whether it was taken (try) or waits for it.
inline constexpr const char *try_run_lock_sql =
    "SELECT "
    "pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('assistant_hub.run_maintenance'))";
inline constexpr const char *wait_run_lock_sql =
    "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('assistant_hub.run_maintenance'))";

} // namespace assistant_hub::maintenance
