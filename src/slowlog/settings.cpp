#include "slowlog/settings.hpp"

#include <climits>

#include "pg/postgres.hpp"

extern "C" {
#include "miscadmin.h"
}

extern "C" {
#include "utils/guc.h"
}

namespace assistant_hub::slowlog {

int slow_query_ms = 1000;
bool track_nested = false;
bool log_plans = false;
int slow_query_buffer = 1000;
int flush_interval_ms = 1000;
char *flush_database = nullptr;

// Capture settings are superuser-only, as auto_explain's are: a session that lowers the threshold
// could otherwise fill the shared ring with its own statements.
void define_settings() {
    DefineCustomIntVariable("assistant_hub.slow_query_ms",
                            "Statements running at least this long are captured (-1: off).",
                            "0 captures every statement.", &slow_query_ms, 1000, -1, INT_MAX,
                            PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("assistant_hub.track_nested",
                             "Also capture statements run inside functions and procedures.",
                             nullptr, &track_nested, false, PGC_SUSET, 0, nullptr, nullptr,
                             nullptr);
    DefineCustomBoolVariable("assistant_hub.log_plans",
                             "Keep the plan of each captured statement (EXPLAIN, costs off).",
                             nullptr, &log_plans, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("assistant_hub.flush_interval_ms",
                            "How often the background worker writes captured statements to "
                            "assistant_hub.query_performance_log.",
                            nullptr, &flush_interval_ms, 1000, 10, 3600000, PGC_SIGHUP, GUC_UNIT_MS,
                            nullptr, nullptr, nullptr);
    // PostgreSQL refuses postmaster-context settings from a library loaded after startup.
    if (!process_shared_preload_libraries_in_progress)
        return;
    DefineCustomIntVariable("assistant_hub.slow_query_buffer",
                            "Entries in the shared ring that holds captured statements until they "
                            "are flushed.",
                            "A full ring drops new entries and counts them.", &slow_query_buffer,
                            1000, 1, 1000000, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("assistant_hub.database_name",
                               "Database in which the flush worker writes the slow-query log.",
                               "The extension must be installed there.", &flush_database,
                               "postgres", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
}

} // namespace assistant_hub::slowlog
