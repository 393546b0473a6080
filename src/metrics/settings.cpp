// assistant_hub.metrics_timezone and the subsystem's registration at library load.
#include "core/init.hpp"
#include "metrics/dashboard_cache.hpp"
#include "metrics/metrics.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "pgtime.h"
#include "utils/guc.h"
}

namespace assistant_hub {

namespace metrics {
namespace {
char *timezone_setting = nullptr;

bool check_timezone(char **newval, void **, GucSource) {
    if (*newval != nullptr && (*newval)[0] != '\0' && pg_tzset(*newval) != nullptr)
        return true;
    GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
    GUC_check_errmsg("invalid value for assistant_hub.metrics_timezone: \"%s\"",
                     *newval ? *newval : "");
    GUC_check_errhint("Use a time zone name such as UTC or Europe/Berlin.");
    return false;
}
} // namespace

const char *metrics_timezone() {
    return timezone_setting;
}
} // namespace metrics

void init_metrics() {
    DefineCustomStringVariable(
        "assistant_hub.metrics_timezone", "The time zone metrics bucket rows into days in.",
        "Fixed per metric when it is created (or fully rebuilt); the session's TimeZone is never "
        "used.",
        &metrics::timezone_setting, "UTC", PGC_SUSET, 0, metrics::check_timezone, nullptr, nullptr);
    metrics::define_dashboard_cache_setting();
    metrics::register_delta_store_callbacks();
    metrics::register_metric_cache_callbacks();
}

} // namespace assistant_hub
