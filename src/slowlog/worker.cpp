#include "slowlog/worker.hpp"

#include <cstring>

#include "pg/guard.hpp"
#include "slowlog/flush.hpp"
#include "slowlog/ring.hpp"
#include "slowlog/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PGDLLEXPORT void assistant_hub_flush_worker_main(Datum);
}

namespace assistant_hub::slowlog {
namespace {

void forget_latch(int, Datum) {
    ring_set_worker_latch(nullptr);
}

// One flush transaction; an error is logged and the entries stay pending for the next round.
void flush_once() {
    if (ring_stats().used == 0)
        return;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "assistant_hub: flush slow queries");
    PG_TRY();
    {
        if (OidIsValid(get_extension_oid("assistant_hub", true)))
            (void)pg::guard([] { return flush_ring(); });
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        HOLD_INTERRUPTS();
        EmitErrorReport();
        AbortCurrentTransaction();
        FlushErrorState();
        RESUME_INTERRUPTS();
    }
    PG_END_TRY();
    pgstat_report_activity(STATE_IDLE, nullptr);
}

} // namespace

void register_flush_worker() {
    BackgroundWorker worker;
    std::memset(&worker, 0, sizeof worker);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished; // a standby only keeps its ring
    worker.bgw_restart_time = 10;
    strlcpy(worker.bgw_library_name, "assistant_hub", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "assistant_hub_flush_worker_main", BGW_MAXLEN);
    strlcpy(worker.bgw_name, "assistant_hub slow-query flush", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "assistant_hub slow-query flush", BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

} // namespace assistant_hub::slowlog

using namespace assistant_hub::slowlog;

void assistant_hub_flush_worker_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(flush_database, nullptr, 0);
    pgstat_report_appname("assistant_hub flush worker");
    ring_set_worker_latch(MyLatch);
    before_shmem_exit(forget_latch, (Datum)0);
    // The latch is also set by things that have nothing to do with us (procsignal barriers, for
    // one): flush when the interval has passed or a writer found the ring half full, not on every
    // wake-up, so the log fills at the pace the setting promises.
    TimestampTz last_flush = GetCurrentTimestamp();
    for (;;) {
        long wait_ms = flush_interval_ms - (GetCurrentTimestamp() - last_flush) / 1000;
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                        wait_ms > 0 ? wait_ms : 0, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        if (GetCurrentTimestamp() - last_flush >= flush_interval_ms * 1000L || ring_wants_flush()) {
            last_flush = GetCurrentTimestamp();
            flush_once();
        }
    }
}
