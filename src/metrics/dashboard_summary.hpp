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
