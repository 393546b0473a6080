#include <string>

#include "metrics/statement_trigger.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "utils/rel.h"
}

namespace assistant_hub::metrics {

TriggerData *statement_trigger_data(FunctionCallInfo fcinfo, const char *function,
                                    const char *what) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        throw Error("39P01", std::string(function) + ": not called by the trigger manager");
    auto *data = reinterpret_cast<TriggerData *>(fcinfo->context);
    if (!TRIGGER_FIRED_FOR_STATEMENT(data->tg_event) || data->tg_trigger->tgnargs != 1)
        throw Error("39P01", std::string(function) +
                                 ": must be a statement-level trigger with one argument, " + what);
    return data;
}

bool sees_rows(const TriggerData *data) {
    if (TRIGGER_FIRED_BY_TRUNCATE(data->tg_event))
        return data->tg_relation->rd_rel->relkind != RELKIND_PARTITIONED_TABLE;
    return data->tg_newtable != nullptr || data->tg_oldtable != nullptr;
}

} // namespace assistant_hub::metrics
