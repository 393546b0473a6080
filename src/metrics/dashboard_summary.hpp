// dashboard_summary's fast path: the four counts read straight from the hub's btree indexes, when
// nothing the executor would add (row-level security, SSI predicate locks) applies. The SQL
// body, assistant_hub._dashboard_summary_sql, stays the definition and the path for everything
// else. These functions may ereport: call them from plain C-like code under one pg::call.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "access/skey.h"
#include "executor/tuptable.h"
#include "utils/date.h"
#include "utils/rel.h"
#include "utils/snapshot.h"
}

namespace assistant_hub::metrics::summary {

// One user's dashboard_summary counts.
struct Counts {
    int64 journal_today, pending_tasks, events_next_day, unread_threads;
};

// The SQL body's "today" for a user in zone (text): (now() AT TIME ZONE zone)::date.
DateADT today_in(Datum zone);

// What the executor checks before the SQL body reads the five tables (users, journal_entries,
// tasks, calendar_events, email_threads): null when it would read them as they are, else why
// not. Without table-wide SELECT the SQL body raises the executor's own error (or reads through
// column privileges); where a policy applies, it applies the policy.
const char *unreadable_as_is(const Oid (&tables)[5]);

// The counts of uid from assistant_hub.dashboard_summary_cache (dashboard_summary_cache.cpp),
// when the cache is on, the caller reads the hub's tables as they are (no row-level security,
// SELECT on each), snapshot sees a row for uid valid for this transaction, and neither the
// snapshot nor this transaction has a delta or marker row of uid (which a change to the user's
// rows since the row was computed leaves). False: count them otherwise.
bool read_cached_summary(Datum uid, Snapshot snapshot, Counts *counts);

// The OIDs of users, journal_entries, tasks, calendar_events and email_threads when they are as
// create_hub_schema() makes them (resolved by name if not yet, then kept like the relations of
// open_summary_relations); false otherwise.
bool resolved_summary_tables(Oid tables[5]);

// The relations of one read, open and locked (AccessShareLock, held to the end of the
// transaction as the executor does). Index columns are as verified when they were resolved.
struct SummaryRelations {
    Relation users, users_pkey;    // users (id) -> timezone
    Relation journal;              // partitioned by range of entry_date
    Relation tasks, tasks_pending; // (user_id, status, due_date, ...) WHERE status <> 'completed'
    Relation events, events_confirmed; // (user_id, start_time, ...) WHERE status = 'confirmed'
    Relation threads, threads_unread;  // (user_id, is_read, ...) WHERE is_read = false
    AttrNumber users_timezone;         // attnum of users.timezone
};

// Opens and locks the relations, resolving and verifying them by name in schema hub on first use
// (cached per backend until an invalidation touches one of them). False, with nothing open: the
// hub is not shaped as create_hub_schema() makes it, so the caller takes the SQL path.
bool open_summary_relations(SummaryRelations &rels);
void close_summary_relations(SummaryRelations &rels);

// The leaf partition of journal (open, locked) holding entry_date = day and its btree index on
// (user_id, entry_date). Returns false when the partition set is not as expected (the caller takes
// the SQL path); true with *partition null when no partition holds that day.
bool open_journal_partition(Relation journal, DateADT day, Relation *partition, Relation *index);

// Index entries matching keys whose heap tuple is visible to snapshot: an index-only count, with
// the visibility map saving the heap visits (as an Index Only Scan does).
int64 count_index_matches(Relation heap, Relation index, Snapshot snapshot, ScanKey keys,
                          int nkeys);

// The first tuple visible to snapshot matching keys, stored in slot; false if none.
bool fetch_first_match(Relation heap, Relation index, Snapshot snapshot, ScanKey keys, int nkeys,
                       TupleTableSlot *slot);

} // namespace assistant_hub::metrics::summary
