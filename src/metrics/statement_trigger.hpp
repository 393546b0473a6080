// What the metric trigger and dashboard_summary's touch trigger share: the checks of a
// statement-level trigger call with one argument, which calls have rows to look at, and the rows
// of a transition table.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "commands/trigger.h"
#include "executor/executor.h"
#include "utils/tuplestore.h"
}

namespace assistant_hub::metrics {

// The trigger data of a statement-level trigger call with one argument (what: that argument, for
// the message); throws 39P01 naming function otherwise.
TriggerData *statement_trigger_data(FunctionCallInfo fcinfo, const char *function,
                                    const char *what);

// False when the call has no rows to look at: INSERT, UPDATE or DELETE without transition
// tables, or TRUNCATE of a partitioned table (which holds no rows: TRUNCATE fires the trigger of
// each of its partitions).
bool sees_rows(const TriggerData *data);

// Calls f(slot) for each row of rows (whose descriptor is desc). Other triggers of the statement
// read the same store, so this reads through a read pointer of its own. May ereport: call it
// under pg::call, with f plain C-like code.
template <typename F> void for_each_transition_row(Tuplestorestate *rows, TupleDesc desc, F &&f) {
    TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
    int pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
    tuplestore_select_read_pointer(rows, pointer);
    tuplestore_rescan(rows);
    while (tuplestore_gettupleslot(rows, true, false, slot))
        f(slot);
    ExecDropSingleTupleTableSlot(slot);
}

} // namespace assistant_hub::metrics
