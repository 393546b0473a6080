// Retention cleanup: rows older than a table's retention period. Where a table is range-
// partitioned on its time column, whole expired partitions are dropped; everything else (the hash
// partitions of hub.activity_logs, plain tables) is deleted in small batches, one bounded DELETE
// each, at most max_batches() full batches per table per call, so one call never holds its locks
// for long and a backlog drains over several runs (or in run_cleanup(), which commits between
// rounds).
#include <vector>

#include "maintenance/settings.hpp"
#include "maintenance/spi_values.hpp"
#include "maintenance/steps.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace assistant_hub::maintenance {

namespace {

const RetentionRule rules[] = {
    {"activity_logs_retention", "hub", "activity_logs", "created_at", "1 year"},
    {"cache_entries_expiry", "hub", "cache_entries", "expires_at", "0"},
    {"query_log_retention", "assistant_hub", "query_performance_log", "logged_at", "90 days"},
    {"maintenance_log_retention", "assistant_hub", "maintenance_log", "started_at", "90 days"},
};

StepResult skipped(const std::string &reason) {
    report(NOTICE, reason + "; its cleanup is skipped");
    StepResult r;
    r.status = "skipped";
    r.reason = reason;
    return r;
}

} // namespace

const RetentionRule *retention_rules(int &count) {
    count = static_cast<int>(sizeof rules / sizeof rules[0]);
    return rules;
}

StepResult apply_retention(pg::SpiConnection &spi, const RetentionRule &rule) {
    std::string table = quoted_name(rule.schema, rule.table);
    std::string schema(rule.schema), name(rule.table), column(rule.column), keep(rule.keep);

    // The table may have been dropped or changed by its owner: then there is nothing to clean.
    uint64 found = spi.execute(
        "SELECT c.oid::bigint, c.relkind IN ('r', 'p'), a.attnum IS NOT NULL,"
        "       COALESCE(pt.partstrat = 'r' AND pt.partnatts = 1 AND pt.partattrs[0] = a.attnum,"
        "                false)"
        " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_catalog.pg_attribute a"
        "   ON a.attrelid = c.oid AND a.attname = $3 AND NOT a.attisdropped"
        " LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid"
        " WHERE n.nspname = $1 AND c.relname = $2",
        {text_arg(schema), text_arg(name), text_arg(column)}, true);
    if (found == 0)
        return skipped("table " + table + " does not exist");
    int64 relid = int64_at(0, 1);
    if (!bool_at(0, 2))
        return skipped(table + " is not a table");
    if (!bool_at(0, 3))
        return skipped("column " + column + " of " + table + " does not exist");
    bool range_on_column = bool_at(0, 4);

    StepResult r;
    int64 partitions_dropped = 0;
    if (range_on_column) {
        // Partitions whose upper bound is at or before the cutoff hold only expired rows.
        uint64 n = spi.execute(
            "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)"
            " FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE i.inhparent = $1::oid AND (pg_catalog.regexp_match("
            "   pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']*)''\\)'))[1]"
            "   ::timestamptz <= pg_catalog.now() - $2::interval"
            " ORDER BY 1",
            {{INT8OID, Int64GetDatum(relid)}, text_arg(keep)}, true);
        std::vector<std::string> expired;
        for (uint64 i = 0; i < n; i++)
            expired.push_back(text_at(i, 1).value_or(""));
        for (const std::string &partition : expired) {
            spi.execute(("DROP TABLE " + partition).c_str());
            partitions_dropped++;
        }
    }

    uint64 leaves = spi.execute(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)"
        " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE (c.oid = $1::oid AND c.relkind = 'r')" // a plain table is its own only leaf
        "    OR c.oid IN (SELECT relid FROM pg_catalog.pg_partition_tree($1::oid) WHERE isleaf)"
        " ORDER BY 1",
        {{INT8OID, Int64GetDatum(relid)}}, true);
    std::vector<std::string> leaf_names;
    for (uint64 i = 0; i < leaves; i++)
        leaf_names.push_back(text_at(i, 1).value_or(""));

    std::string col = pg::call([&] { return std::string(quote_identifier(rule.column)); });
    // Each batch goes on from the time value where the previous one stopped (keyset order on the
    // time column, which has an index): starting over would scan again, every time, the rows this
    // transaction already deleted, and a long backlog would cost quadratic time. Rows of equal time
    // at the boundary are read again, but deleted ones are invisible and not counted twice.
    std::string del = "WITH gone AS (DELETE FROM ONLY %1 WHERE ctid = ANY (ARRAY("
                      "  SELECT ctid FROM ONLY %1 WHERE %2 < pg_catalog.now() - $1::interval"
                      "    AND %2 >= $3::timestamptz ORDER BY %2 LIMIT $2)) RETURNING %2)"
                      " SELECT pg_catalog.count(*)::bigint, pg_catalog.max(%2)::timestamptz::text"
                      " FROM gone";
    std::string more =
        "SELECT EXISTS (SELECT 1 FROM ONLY %1 WHERE %2 < pg_catalog.now() - $1::interval)";
    auto fill = [&](std::string sql, const std::string &leaf) {
        for (size_t at; (at = sql.find("%1")) != std::string::npos;)
            sql.replace(at, 2, leaf);
        for (size_t at; (at = sql.find("%2")) != std::string::npos;)
            sql.replace(at, 2, col);
        return sql;
    };
    // The budget counts full batches: a batch that comes back short has emptied its leaf, so the
    // statements of one call are at most max_batches() plus one per leaf.
    int64 rows_deleted = 0, statements = 0, full_batches = 0;
    const int64 batch = batch_rows(), budget = max_batches();
    bool complete = true;
    for (const std::string &leaf : leaf_names) {
        std::string leaf_del = fill(del, leaf);
        std::string from = "-infinity";
        for (;;) {
            if (full_batches >= budget) {
                spi.execute(fill(more, leaf).c_str(), {text_arg(keep)}, true);
                complete = !bool_at(0, 1);
                break;
            }
            spi.execute(leaf_del.c_str(),
                        {text_arg(keep), {INT8OID, Int64GetDatum(batch)}, text_arg(from)});
            int64 deleted = int64_at(0, 1);
            from = text_at(0, 2).value_or(from);
            rows_deleted += deleted;
            statements++;
            if (deleted < batch)
                break;
            full_batches++;
        }
        if (!complete)
            break;
    }
    r.removed = rows_deleted + partitions_dropped;
    r.incomplete = !complete;
    r.details.add("table", table)
        .add("rows_deleted", rows_deleted)
        .add("batches", statements)
        .add("partitions_dropped", partitions_dropped)
        .add("complete", complete);
    return r;
}

} // namespace assistant_hub::maintenance
