// Lock-safe steps. Each maintenance step runs in its own subtransaction and takes the locks it
// needs without queueing for them (ConditionalLockRelationOid), retrying with jitter until
// assistant_hub.maintenance_lock_timeout has passed; then it is skipped. A step that waits in
// the lock queue would make every later reader and writer of the table wait behind it; a step
// that never queues leaves them alone. Any other lock the DDL needs is bounded by lock_timeout,
// set to the same value for the run.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "pg/postgres.hpp"

extern "C" {
#include "storage/lockdefs.h"
}

namespace assistant_hub::partition {

extern int maintenance_lock_timeout_ms;

struct LockRequest {
    Oid relation;
    LOCKMODE mode;
};

struct StepResult {
    bool done = false;
    std::string reason; // why it was skipped
};

// Runs body in a subtransaction once every lock is held. An error in body rolls the step back
// and is reported as the reason; cancellation and shutdown still abort the whole statement.
// queue_ms > 0: a refused lock is then waited for in the queue, for at most queue_ms per attempt
// (others queue behind that request for no longer); for one-off work on tables so busy that they
// are never free at the instant of a try.
StepResult run_step(const std::vector<LockRequest> &locks, const std::function<void()> &body,
                    int queue_ms = 0);

// Sets lock_timeout to assistant_hub.maintenance_lock_timeout until the object is destroyed.
class MaintenanceLockTimeout {
  public:
    MaintenanceLockTimeout();
    ~MaintenanceLockTimeout();
    MaintenanceLockTimeout(const MaintenanceLockTimeout &) = delete;
    MaintenanceLockTimeout &operator=(const MaintenanceLockTimeout &) = delete;

  private:
    int nest_level_;
    int uncaught_at_start_;
};

// Runs body in a subtransaction; a PostgreSQL error rolls it back and is rethrown as PgError.
// For code that must go on after an error (the conversion worker records it).
void in_subtransaction(const std::function<void()> &body);

} // namespace assistant_hub::partition
