// The steps of run_maintenance(): each one does one job and says what it did.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "maintenance/pure_json.hpp"
#include "pg/spi.hpp"

namespace assistant_hub::maintenance {

struct StepResult {
    std::string status = "ok"; // ok | skipped | error
    std::string reason;        // why it was skipped, or the error message
    JsonObject details;        // what it did: counts, names
    int64_t removed = 0;       // rows and partitions a cleanup step removed
    bool incomplete = false;   // a cleanup step that left expired rows for the next run
};

using StepFn = std::function<StepResult(pg::SpiConnection &)>;

struct Step {
    const char *name;
    StepFn run;
};

StepResult partition_maintenance_step(pg::SpiConnection &spi);
StepResult metric_consolidation_step(pg::SpiConnection &spi);
StepResult slow_query_flush_step(pg::SpiConnection &spi);
// ANALYZE of the tables that changed enough, but those still draining a retention backlog.
StepResult analyze_step(pg::SpiConnection &spi, const std::vector<std::string> &draining);

// Retention cleanup of one table: rows whose time column is older than now() - keep.
struct RetentionRule {
    const char *step;
    const char *schema;
    const char *table;
    const char *column;
    const char *keep; // an interval
};

// The tables run_maintenance() and run_cleanup() clean, in order.
const RetentionRule *retention_rules(int &count);

// Removes what rule says has expired: whole partitions when the table is range-partitioned on
// the column, then rows in batches of batch_rows(), at most max_batches() per call.
StepResult apply_retention(pg::SpiConnection &spi, const RetentionRule &rule);

// Runs step inside an internal subtransaction: a PostgreSQL error in it rolls back that step
// only and is reported in the result (SQLSTATE 55000, a missing prerequisite, as "skipped").
StepResult run_isolated(pg::SpiConnection &spi, const Step &step);

} // namespace assistant_hub::maintenance
