// Settings of the partition manager.
#include "core/init.hpp"
#include "partition/steps.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace assistant_hub {

namespace partition {
int maintenance_lock_timeout_ms = 200;
}

void init_partition() {
    DefineCustomIntVariable(
        "assistant_hub.maintenance_lock_timeout",
        "How long one partition maintenance step tries to get its locks before it is skipped.",
        "The step takes its locks without queueing (retrying with jitter until this time has "
        "passed), so readers and writers never wait behind it; the same value bounds any other "
        "lock wait of the step (lock_timeout).",
        &partition::maintenance_lock_timeout_ms, 200, 1, 60000, PGC_USERSET, GUC_UNIT_MS, nullptr,
        nullptr, nullptr);
}

} // namespace assistant_hub
