// Online conversion of a plain table into a range-partitioned table of the same name.
//
// The old table becomes the partition that holds all of its history ([MINVALUE, bound)), so no
// row is copied. Phases, each committed on its own by a background worker (a function cannot
// commit, and the online parts need commits between them):
//   0 add_check: CHECK (control IS NOT NULL AND control < bound) NOT VALID (instant)
//   1 validate:  VALIDATE CONSTRAINT (scans, but writers go on)
//   2 swap:      one short transaction: rename, create the parent, attach the old table (the
//                validated CHECK spares the scan), recreate indexes, keys, triggers, policies,
//                grants and dependent views on the parent; register the set
//   3 finish:    premake the partitions after bound
// The phase reached is kept in assistant_hub.partition_conversions, so an interrupted
// conversion resumes from there on the next call; each phase is one transaction, so a crash
// leaves either the state before it or after it.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "datatype/timestamp.h"
}

namespace assistant_hub::partition {

enum ConvertPhase : int32 { add_check = 0, validate = 1, swap = 2, finish = 3, finished = 4 };

// Shared with the worker through a dynamic shared memory segment.
struct ConvertTask {
    Oid database;
    Oid role;
    NameData schema;
    NameData table;
    NameData control;
    Interval step;
    int32 phase;
    // Filled by the worker.
    bool failed;
    bool restart; // validation found rows at or past the bound: start again from phase 0
    int sqlerrcode;
    int64 rows;
    char message[1024];
    char detail[1024];
    char hint[512];
};

// Runs one phase in this (worker) process, in its own transaction; records the outcome in task.
void run_convert_phase(ConvertTask &task);

} // namespace assistant_hub::partition
