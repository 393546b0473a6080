// The rows of a statement trigger's transition table, shared by the metric trigger and
// dashboard_summary's touch trigger.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "executor/executor.h"
#include "utils/tuplestore.h"
}

namespace assistant_hub::metrics {

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
