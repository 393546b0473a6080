#include "partition/steps.hpp"

#include <exception>

#include "pg/guard.hpp"

extern "C" {
#include "access/xact.h"
#include "common/pg_prng.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"
}

namespace assistant_hub::partition {

namespace {

class Subtransaction {
  public:
    Subtransaction() : context_(CurrentMemoryContext), owner_(CurrentResourceOwner) {
        pg::call([] { BeginInternalSubTransaction(nullptr); });
        MemoryContextSwitchTo(context_);
    }
    void commit() {
        pg::call([] { ReleaseCurrentSubTransaction(); });
        restore();
        open_ = false;
    }
    void rollback() {
        pg::call([] { RollbackAndReleaseCurrentSubTransaction(); });
        restore();
        open_ = false;
    }
    ~Subtransaction() {
        if (open_) {
            try {
                rollback();
            } catch (...) {
                // The enclosing transaction is aborting anyway.
            }
        }
    }

  private:
    void restore() {
        MemoryContextSwitchTo(context_);
        CurrentResourceOwner = owner_;
    }
    MemoryContext context_;
    ResourceOwner owner_;
    bool open_ = true;
};

double elapsed_ms(const instr_time &start) {
    instr_time now;
    INSTR_TIME_SET_CURRENT(now);
    INSTR_TIME_SUBTRACT(now, start);
    return INSTR_TIME_GET_MILLISEC(now);
}

// Waits in the lock queue for at most ms (lock_timeout's variable, restored on every path).
bool wait_for_lock(const LockRequest &l, int ms) {
    struct Restore {
        int saved = LockTimeout;
        ~Restore() { LockTimeout = saved; }
    } restore;
    LockTimeout = ms;
    // A timeout raises lock_not_available: run_step rolls the step back and tries again.
    pg::call([&] { LockRelationOid(l.relation, l.mode); });
    return true;
}

// Takes each lock, without waiting or (queue_ms > 0) waiting at most queue_ms; on the first
// refusal releases what it took and returns the refused relation.
Oid try_locks(const std::vector<LockRequest> &locks, int queue_ms) {
    for (size_t i = 0; i < locks.size(); i++) {
        const LockRequest &l = locks[i];
        bool got = pg::call([&] { return ConditionalLockRelationOid(l.relation, l.mode); });
        if (!got && queue_ms > 0)
            got = wait_for_lock(l, queue_ms);
        if (!got) {
            for (size_t j = 0; j < i; j++)
                pg::call([&] { UnlockRelationOid(locks[j].relation, locks[j].mode); });
            return l.relation;
        }
    }
    return InvalidOid;
}

void sleep_ms(long ms) {
    pg::call([&] {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    });
}

bool must_propagate(int sqlerrcode) {
    return sqlerrcode == ERRCODE_QUERY_CANCELED || sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
           sqlerrcode == ERRCODE_OUT_OF_MEMORY;
}

std::string relation_label(Oid rel) {
    const char *name = pg::call([&] { return get_rel_name(rel); });
    return name ? std::string("\"") + name + "\"" : "relation " + std::to_string(rel);
}

} // namespace

StepResult run_step(const std::vector<LockRequest> &locks, const std::function<void()> &body,
                    int queue_ms) {
    instr_time start;
    INSTR_TIME_SET_CURRENT(start);
    const int budget = maintenance_lock_timeout_ms;
    std::string last_problem;
    for (int attempt = 1;; attempt++) {
        Subtransaction sub;
        try {
            Oid refused = try_locks(locks, queue_ms);
            if (refused == InvalidOid) {
                body();
                sub.commit();
                return {true, {}};
            }
            last_problem = "lock on " + relation_label(refused) + " not available";
            sub.rollback();
        } catch (const pg::PgError &e) {
            sub.rollback();
            if (must_propagate(e.sqlerrcode()))
                throw;
            if (e.sqlerrcode() != ERRCODE_LOCK_NOT_AVAILABLE)
                return {false, e.what()};
            last_problem = e.what();
        } catch (const Error &e) {
            sub.rollback();
            return {false, e.what()};
        }
        double spent = elapsed_ms(start);
        if (spent >= budget)
            return {false, last_problem + " within " + std::to_string(budget) + " ms (" +
                               std::to_string(attempt) + " attempts)"};
        // Up to a tenth of the budget, at random, so that concurrent runs drift apart and a table
        // that is free only between its transactions is tried often.
        double wait = 1 + budget / 10.0 * pg_prng_double(&pg_global_prng_state);
        if (wait > budget - spent)
            wait = budget - spent;
        sleep_ms(wait < 1 ? 1 : static_cast<long>(wait));
    }
}

MaintenanceLockTimeout::MaintenanceLockTimeout() : uncaught_at_start_(std::uncaught_exceptions()) {
    nest_level_ = pg::call([] { return NewGUCNestLevel(); });
    std::string value = std::to_string(maintenance_lock_timeout_ms);
    pg::call([&] {
        (void)set_config_option("lock_timeout", value.c_str(), PGC_USERSET, PGC_S_SESSION,
                                GUC_ACTION_SAVE, true, 0, false);
    });
}

MaintenanceLockTimeout::~MaintenanceLockTimeout() {
    // On an error the transaction aborts and restores the setting itself.
    if (std::uncaught_exceptions() > uncaught_at_start_)
        return;
    try {
        pg::call([&] { AtEOXact_GUC(true, nest_level_); });
    } catch (...) {
    }
}

void in_subtransaction(const std::function<void()> &body) {
    Subtransaction sub;
    try {
        body();
    } catch (...) {
        sub.rollback();
        throw;
    }
    sub.commit();
}

} // namespace assistant_hub::partition
