#include <climits>

#include "maintenance/settings.hpp"

#include "core/init.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace assistant_hub {

namespace {
int batch_rows_setting = 5000;
int max_batches_setting = 10;
int analyze_min_changes_setting = 1000;
} // namespace

int maintenance::batch_rows() {
    return batch_rows_setting;
}
int maintenance::max_batches() {
    return max_batches_setting;
}
int maintenance::analyze_min_changes() {
    return analyze_min_changes_setting;
}

void init_maintenance() {
    DefineCustomIntVariable("assistant_hub.maintenance_batch_rows",
                            "Rows one retention-cleanup DELETE removes at most.",
                            "Small batches keep each statement and its row locks short.",
                            &batch_rows_setting, 5000, 1, 10000000, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("assistant_hub.maintenance_max_batches",
                            "Cleanup batches per table in one run_maintenance() call.",
                            "What is left is removed by the next run, or by run_cleanup().",
                            &max_batches_setting, 10, 1, 1000000, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("assistant_hub.analyze_min_changes",
                            "Rows changed since the last ANALYZE that make run_maintenance() "
                            "analyze a table (or a tenth of the table, when that is more).",
                            nullptr, &analyze_min_changes_setting, 1000, 0, INT_MAX, PGC_SUSET, 0,
                            nullptr, nullptr, nullptr);
}

} // namespace assistant_hub
