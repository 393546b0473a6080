// The steps of run_maintenance() that call other subsystems or PostgreSQL: partition
// maintenance, metric consolidation, the slow-query flush and ANALYZE of changed tables. A step
// whose subsystem is not installed is skipped and says so.
#include <algorithm>
#include <vector>

#include "maintenance/settings.hpp"
#include "maintenance/spi_values.hpp"
#include "maintenance/steps.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace assistant_hub::maintenance {

namespace {

StepResult not_installed(const char *function) {
    StepResult r;
    r.status = "skipped";
    r.reason = std::string(function) + " is not installed";
    return r;
}

} // namespace

StepResult partition_maintenance_step(pg::SpiConnection &spi) {
    const char *fn = "assistant_hub.run_partition_maintenance(regclass)";
    if (!function_exists(spi, fn))
        return not_installed(fn);
    uint64 n = spi.execute("SELECT action, pg_catalog.count(*)::bigint "
                           "FROM assistant_hub.run_partition_maintenance(NULL) GROUP BY action "
                           "ORDER BY action");
    StepResult r;
    JsonObject actions;
    for (uint64 i = 0; i < n; i++)
        actions.add(text_at(i, 1).value_or("unknown"), int64_at(i, 2));
    r.details.add_json("actions", actions.str());
    return r;
}

namespace {

// Calls a bigint function of another subsystem, when it is installed, and reports its result.
StepResult count_from(pg::SpiConnection &spi, const char *signature, const char *call,
                      const char *detail) {
    if (!function_exists(spi, signature))
        return not_installed(signature);
    spi.execute(call);
    StepResult r;
    r.details.add(detail, int64_at(0, 1));
    return r;
}

} // namespace

StepResult metric_consolidation_step(pg::SpiConnection &spi) {
    // The metric triggers append per-(key, day) deltas; consolidation folds them into the counts.
    return count_from(spi, "assistant_hub.consolidate_metrics()",
                      "SELECT assistant_hub.consolidate_metrics()::bigint", "rows_folded");
}

StepResult slow_query_flush_step(pg::SpiConnection &spi) {
    return count_from(spi, "assistant_hub.flush_slow_queries()",
                      "SELECT assistant_hub.flush_slow_queries()::bigint", "rows_flushed");
}

StepResult analyze_step(pg::SpiConnection &spi, const std::vector<std::string> &draining) {
    // Tables of the hub and of the extension whose rows changed enough since their last ANALYZE.
    // A partitioned table counts the changes of its leaves (PostgreSQL tracks none for the parent,
    // and autovacuum never analyzes it); ANALYZE of the parent also analyzes its partitions.
    int64 min_changes = analyze_min_changes();
    uint64 n = spi.execute(
        "WITH tops AS ("
        "  SELECT c.oid, c.relkind, pg_catalog.format('%I.%I', ns.nspname, c.relname) AS name"
        "  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace"
        "  WHERE ns.nspname IN ('hub', 'assistant_hub') AND c.relkind IN ('r', 'p')"
        "    AND NOT c.relispartition),"
        " leaves AS ("
        "  SELECT t.name, t.oid AS leaf FROM tops t WHERE t.relkind = 'r'"
        "  UNION ALL"
        "  SELECT t.name, pt.relid FROM tops t, pg_catalog.pg_partition_tree(t.oid) pt"
        "  WHERE t.relkind = 'p' AND pt.isleaf),"
        " changes AS ("
        "  SELECT l.name, pg_catalog.sum(s.n_mod_since_analyze)::bigint AS changed,"
        "         pg_catalog.sum(s.n_live_tup)::bigint AS live"
        "  FROM leaves l JOIN pg_catalog.pg_stat_user_tables s ON s.relid = l.leaf"
        "  GROUP BY l.name)"
        "SELECT name, changed FROM changes"
        " WHERE changed > 0 AND changed >= GREATEST($1, live / 10) ORDER BY name",
        {{INT8OID, Int64GetDatum(min_changes)}}, true);
    std::vector<std::pair<std::string, int64>> tables;
    for (uint64 i = 0; i < n; i++)
        tables.emplace_back(text_at(i, 1).value_or(""), int64_at(i, 2));
    StepResult r;
    JsonArray analyzed, deferred;
    for (const auto &[name, changed] : tables) {
        // A table whose expired rows are still being removed, run after run, is analyzed once
        // it has settled: analyzing a large partitioned table costs more than a cleanup batch.
        if (std::find(draining.begin(), draining.end(), name) != draining.end()) {
            deferred.add(name);
            continue;
        }
        spi.execute(("ANALYZE " + name).c_str());
        analyzed.add_json(JsonObject().add("table", name).add("changed_rows", changed).str());
    }
    r.details.add_json("analyzed", analyzed.str());
    if (!deferred.empty())
        r.details.add_json("deferred_while_cleaning", deferred.str());
    return r;
}

} // namespace assistant_hub::maintenance
