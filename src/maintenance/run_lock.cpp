#include <string>

#include "maintenance/run_lock.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/xlog.h"
}

namespace assistant_hub::maintenance {

void refuse_on_standby(const char *function) {
    if (RecoveryInProgress())
        throw Error(
            sqlstate::read_only_sql_transaction,
            std::string(function) + " cannot run on a hot standby",
            "The server is in recovery; maintenance changes data and runs on the primary.",
            "Connect to the primary (target_session_attrs=read-write); pg_cron runs it there.");
}

} // namespace assistant_hub::maintenance
