// convert_to_partitioned(): checks what cannot be kept, then runs each phase of the conversion
// (convert.hpp) in a background worker of its own and waits for it, so that every phase commits
// on its own while the caller sees one function call.
#include <cstring>

#include "partition/catalog.hpp"
#include "partition/convert.hpp"
#include "partition/convert_dependants.hpp"
#include "partition/pure_time_steps.hpp"
#include "partition/time_values.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

extern "C" PGDLLEXPORT void assistant_hub_convert_worker_main(Datum arg);

namespace assistant_hub::partition {
namespace {

// Attempts per phase when the worker could not get its lock in time.
const int lock_attempts = 20;
// Fresh starts when rows past the chosen bound arrived during validation.
const int restarts = 3;

void run_in_worker(ConvertTask &task_in) {
    dsm_segment *segment = pg::call([] { return dsm_create(sizeof(ConvertTask), 0); });
    auto *task = static_cast<ConvertTask *>(dsm_segment_address(segment));
    *task = task_in;
    BackgroundWorker worker;
    std::memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    strlcpy(worker.bgw_library_name, "assistant_hub", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "assistant_hub_convert_worker_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "assistant_hub convert_to_partitioned", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "assistant_hub convert", BGW_MAXLEN);
    worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(segment));
    worker.bgw_notify_pid = MyProcPid;
    BackgroundWorkerHandle *handle = nullptr;
    bool started = pg::call([&] { return RegisterDynamicBackgroundWorker(&worker, &handle); });
    if (!started) {
        pg::call([&] { dsm_detach(segment); });
        throw Error("53000", "convert_to_partitioned: could not start a background worker", {},
                    "Raise max_worker_processes.");
    }
    BgwHandleStatus status = pg::call([&] { return WaitForBackgroundWorkerShutdown(handle); });
    task_in = *task;
    pg::call([&] { dsm_detach(segment); });
    if (status != BGWH_STOPPED)
        throw Error(sqlstate::object_not_in_prerequisite_state,
                    "convert_to_partitioned: the postmaster died during the conversion");
}

int phase_of(const std::string &phase) {
    if (phase == "check_added")
        return validate;
    if (phase == "validated")
        return swap;
    if (phase == "swapped")
        return finish;
    return finished;
}

void sleep_jittered(long base_ms) {
    pg::call([&] {
        long ms = static_cast<long>(base_ms * (0.5 + pg_prng_double(&pg_global_prng_state)));
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    });
}

} // namespace
} // namespace assistant_hub::partition

using namespace assistant_hub;
using namespace assistant_hub::partition;

extern "C" PGDLLEXPORT void assistant_hub_convert_worker_main(Datum arg) {
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    dsm_segment *segment = dsm_attach(DatumGetUInt32(arg));
    if (segment == nullptr)
        proc_exit(1);
    auto *task = static_cast<ConvertTask *>(dsm_segment_address(segment));
    BackgroundWorkerInitializeConnectionByOid(task->database, task->role, 0);
    pg::guard([&] { run_convert_phase(*task); });
    dsm_detach(segment);
    proc_exit(0);
}

AH_SQL_FUNCTION(convert_to_partitioned) {
    return pg::guard([&] {
        const char *func = "convert_to_partitioned";
        const char *args[] = {"tbl", "control", "step", "batch_rows"};
        for (int i = 0; i < 4; i++)
            if (PG_ARGISNULL(i))
                throw Error(sqlstate::null_value_not_allowed,
                            std::string(func) + ": argument \"" + args[i] + "\" must not be null");
        Oid oid = PG_GETARG_OID(0);
        std::string control = NameStr(*PG_GETARG_NAME(1));
        Interval step = *PG_GETARG_INTERVAL_P(2);
        int batch_rows = PG_GETARG_INT32(3);
        std::string problem = step_problem(Step{step.month, step.day, step.time});
        if (!problem.empty())
            throw Error(sqlstate::invalid_parameter_value, std::string(func) + ": step " + problem);
        if (batch_rows < 1)
            throw Error(sqlstate::invalid_parameter_value,
                        std::string(func) + ": batch_rows must be at least 1, not " +
                            std::to_string(batch_rows));

        ConvertTask task;
        std::memset(&task, 0, sizeof task);
        int phase = add_check;
        {
            pg::SpiConnection spi;
            Table t = load_table(spi, oid);
            namestrcpy(&task.schema, t.schema.c_str());
            namestrcpy(&task.table, t.name.c_str());
            spi.execute("SELECT phase, control, step FROM assistant_hub.partition_conversions "
                        "WHERE table_schema = $1 AND table_name = $2",
                        {{TEXTOID, CStringGetTextDatum(t.schema.c_str())},
                         {TEXTOID, CStringGetTextDatum(t.name.c_str())}});
            if (SPI_processed > 0 && spi_text_or(0, 1) != "done") {
                // An interrupted conversion: go on with what it started with.
                phase = phase_of(spi_text_or(0, 1));
                control = spi_text_or(0, 2);
                bool isnull;
                step = *DatumGetIntervalP(
                    SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
                ereport(NOTICE, (errmsg("%s: resuming the conversion of table %s", func,
                                        t.qualified.c_str())));
            } else {
                if (t.relkind == 'p')
                    throw Error(sqlstate::wrong_object_type,
                                std::string(func) + ": table " + t.qualified +
                                    " is already partitioned",
                                {}, "Use partition_by_time() to manage its partitions.");
                if (t.relkind != 'r' || t.schema == "pg_catalog" ||
                    t.schema == "information_schema")
                    throw Error(sqlstate::wrong_object_type, std::string(func) + ": " +
                                                                 t.qualified +
                                                                 " is not an ordinary user table");
                auto column = load_column(spi, t.oid, control);
                if (!column)
                    throw Error(sqlstate::undefined_column, std::string(func) + ": column \"" +
                                                                control + "\" of table " +
                                                                t.qualified + " does not exist");
                if (!is_time_type(column->type))
                    throw Error(
                        sqlstate::datatype_mismatch,
                        std::string(func) + ": column \"" + control + "\" of table " + t.qualified +
                            " is of type " + format_type_be(column->type),
                        {}, "The control column must be of type date, timestamp or timestamptz.");
                std::vector<std::string> problems = conversion_problems(spi, t, control);
                if (!problems.empty()) {
                    std::string detail;
                    for (const std::string &p : problems)
                        detail += (detail.empty() ? "" : "; ") + p;
                    throw Error(sqlstate::feature_not_supported,
                                std::string(func) + ": cannot keep everything of table " +
                                    t.qualified + "; nothing was changed",
                                "Cannot keep: " + detail + ".");
                }
            }
        }
        if (IsTransactionBlock())
            throw Error("25001", std::string(func) + " cannot run inside a transaction block", {},
                        "Each phase of the conversion commits on its own; call it on its own.");
        task.database = MyDatabaseId;
        task.role = GetUserId();
        namestrcpy(&task.control, control.c_str());
        task.step = step;

        int lock_failures = 0, fresh_starts = 0;
        while (phase != finished) {
            task.phase = phase;
            task.failed = task.restart = false;
            run_in_worker(task);
            if (task.failed) {
                if (task.sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE &&
                    ++lock_failures < lock_attempts) {
                    sleep_jittered(50);
                    continue;
                }
                char *s = unpack_sql_state(task.sqlerrcode);
                throw Error(s, task.message, task.detail, task.hint);
            }
            if (task.restart) {
                if (++fresh_starts > restarts)
                    throw Error(sqlstate::object_not_in_prerequisite_state,
                                std::string(func) + ": rows past the chosen bound keep arriving",
                                {},
                                "Call convert_to_partitioned() again when fewer rows are written "
                                "ahead of time.");
                phase = add_check;
                continue;
            }
            phase++;
        }
        PG_RETURN_INT64(task.rows);
    });
}
