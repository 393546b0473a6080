// The rows of the dashboard_metrics view for one user, computed from the metric values when they
// are read: the daily values of the three hub metrics over the last 90 days (consolidated, written
// deltas and this transaction's pending ones), folded into the seed's weekly rows in C++.
//
// Two ways to read the values, same result: straight from the key-first indexes of the value
// tables (no executor, no SQL), and through SQL. The index path is taken when neither row-level
// security nor SERIALIZABLE applies (the executor then has policies to add or predicate locks to
// take); everything else, such as privileges, is checked the same way on both.
#pragma once

#include "metrics/pure_dashboard_weeks.hpp"
#include "pg/palloc_allocator.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "pgtime.h"
#include "utils/date.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
#include "utils/uuid.h"
}

namespace assistant_hub::metrics {

// Columns: user_id, week_start, metric_type, weekly_total, daily_average, daily_maximum,
// daily_minimum, previous_week_total, week_over_week_change.
inline constexpr int dashboard_columns = 9;

struct DashboardRow {
    Datum values[dashboard_columns];
    bool nulls[dashboard_columns];
};
using DashboardRows = pg::Vector<DashboardRow>;
using DashboardKeys = pg::Vector<pg_uuid_t>;
// One metric's daily values; merged: sorted by day, one entry per day.
using DayValues = pg::SmallVector<DayValue, 128>;

struct DashboardMetric {
    int32 id;
    Datum name; // text
    const char *zone_name;
    pg_tz *zone;
    DateADT first_day; // today in the metric's zone minus 90
};

// Sorts day values and sums those of the same day.
void merge_days(DayValues &values);

// Week starts already computed (metrics mostly share a zone, and so their weeks' starts). Plain
// data; start() may ereport.
struct WeekStarts {
    static constexpr int capacity = 16;
    DateADT weeks[capacity];
    pg_tz *zones[capacity];
    Datum starts[capacity]; // timestamptz
    int count = 0;
    Datum start(DateADT week, pg_tz *zone);
};

// One week's row of a metric for user, palloc'd in the current memory context. May ereport.
DashboardRow week_row(const DashboardMetric &metric, const WeekRow &w, const pg_uuid_t *user,
                      WeekStarts &starts);

// Appends the weekly rows of one metric for user, from its merged day values, allocated in memory.
void week_rows(const DashboardMetric &metric, const DayValues &values, const pg_uuid_t *user,
               DashboardRows &out, MemoryContext memory, WeekStarts &starts);

// Everything one scan needs, opened once. Holds no C++ resources: relations and memory belong to
// the transaction and its memory contexts, so an error needs no C++ cleanup; close() ends it.
struct DashboardReader {
    Snapshot snapshot;
    MemoryContext context;
    DashboardMetric metrics[3]; // the hub metrics that exist, in the seed's order
    int metric_count;
    // The transaction start times that give every metric the same "today" as this one's: rows
    // computed now are the rows of any transaction starting in [valid_from, valid_until).
    TimestampTz valid_from, valid_until;
    bool by_index;                                       // false: through SQL
    Relation counts, counts_index, deltas, deltas_index; // open when by_index

    // Checks privileges, finds the hub metrics in snapshot, chooses the path. May ereport.
    static DashboardReader *open(Snapshot snapshot, MemoryContext context);
    void close();

    // Every key with a value in the window, sorted (uuid order), for a scan of all users.
    DashboardKeys *keys();
    // key's merged day values in the window, per metric (values[m] for metrics[m]): consolidated,
    // written deltas and this transaction's pending ones; counts_only: the consolidated ones only.
    void values_of(const pg_uuid_t &key, DayValues *values, MemoryContext memory,
                   bool counts_only = false);
    // key's rows, allocated in memory (one week of one metric each, in metric and week order).
    void rows_of(const pg_uuid_t &key, DashboardRows &out, MemoryContext memory);
};

// The relations dashboard_metrics reads: found by name in the extension's schema once per
// backend, and again after one of them is invalidated (altered, dropped, the extension re-created).
struct DashboardRelations {
    Oid catalog, counts, counts_index, deltas, deltas_index, cache, cache_index;
    Oid summary_cache, summary_cache_index; // dashboard_summary's cache
};
const DashboardRelations &dashboard_relations();

// Checks that the caller may read the dashboard (SELECT on the metric catalog and the uuid value
// tables, else 42501) and says whether the values may be read from the indexes directly: no
// row-level security on the value tables for the caller, not SERIALIZABLE.
bool dashboard_direct_read(const DashboardRelations &rels);

// The seed's daily_average, avg() of a week's daily values (total / days), and its
// week_over_week_change, CASE WHEN previous > 0 THEN round(((total - previous)::numeric /
// previous) * 100, 2) ELSE 0 END, as numeric Datums (palloc'd). dashboard_* build them from
// pure_dashboard_weeks' arithmetic; numeric_* compute them with numeric's own functions, which is
// their definition: the fallback beyond the fast path's range, and the self-test's reference.
Datum dashboard_average(int64 total, int64 days);
Datum dashboard_change(int64 total, int64 previous);
Datum numeric_average(int64 total, int64 days);
Datum numeric_change(int64 total, int64 previous); // previous > 0

} // namespace assistant_hub::metrics
