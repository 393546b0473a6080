// assistant_hub.run_maintenance(): every periodic job of the database in one call, each step in
// its own subtransaction, timed, with a jsonb report that is also recorded in
// assistant_hub.maintenance_log.
#include <chrono>
#include <string>
#include <vector>

#include "maintenance/run_lock.hpp"
#include "maintenance/spi_values.hpp"
#include "maintenance/steps.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/fmgrprotos.h"
}

using namespace assistant_hub;
using namespace assistant_hub::maintenance;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string record(pg::SpiConnection &spi, const char *status, double duration_ms,
                   JsonObject &report) {
    report.add("status", status).add("duration_ms", duration_ms);
    std::string json = report.str();
    spi.execute("INSERT INTO assistant_hub.maintenance_log (started_at, finished_at, status,"
                " duration_ms, report)"
                " SELECT now_ - $2 * interval '1 millisecond', now_, $1, $2, $3::jsonb"
                " FROM (SELECT pg_catalog.clock_timestamp() AS now_) t RETURNING id::bigint",
                {text_arg(status), {FLOAT8OID, Float8GetDatum(duration_ms)}, text_arg(json)});
    // The id goes first in what the caller sees; the logged report is the same without it.
    return "{\"run_id\": " + std::to_string(int64_at(0, 1)) + ", " + json.substr(1);
}

std::string run_all(pg::SpiConnection &spi) {
    Clock::time_point started = Clock::now();
    JsonObject report;

    spi.execute(try_run_lock_sql);
    if (!bool_at(0, 1)) {
        maintenance::report(NOTICE, "run_maintenance is already running in another session; "
                                    "nothing was done");
        report.add_json("steps", "[]");
        return record(spi, "already running", ms_since(started), report);
    }

    static const Step steps[] = {
        {"partition_maintenance", partition_maintenance_step},
        {"metric_consolidation", metric_consolidation_step},
        {"slow_query_flush", slow_query_flush_step},
    };
    JsonArray results;
    bool any_error = false;
    auto run = [&](const Step &step) {
        Clock::time_point t0 = Clock::now();
        StepResult r = run_isolated(spi, step);
        JsonObject entry;
        entry.add("step", step.name).add("status", r.status);
        if (!r.reason.empty())
            entry.add("reason", r.reason);
        entry.add("ms", ms_since(t0));
        std::string json = entry.str();
        if (!r.details.empty()) // merge the step's details into its entry
            json = json.substr(0, json.size() - 1) + ", " + r.details.str().substr(1);
        results.add_json(json);
        any_error = any_error || r.status == "error";
    };
    for (const Step &step : steps)
        run(step);

    int n_rules = 0;
    const RetentionRule *rules = retention_rules(n_rules);
    std::vector<std::string> draining;
    for (int i = 0; i < n_rules; i++) {
        const RetentionRule &rule = rules[i];
        run(Step{rule.step, [&](pg::SpiConnection &s) {
                     StepResult r = apply_retention(s, rule);
                     if (r.incomplete)
                         draining.push_back(quoted_name(rule.schema, rule.table));
                     return r;
                 }});
    }
    run(Step{"analyze", [&](pg::SpiConnection &s) { return analyze_step(s, draining); }});

    report.add_json("steps", results.str());
    return record(spi, any_error ? "partial" : "ok", ms_since(started), report);
}

} // namespace

AH_SQL_FUNCTION(run_maintenance) {
    return pg::guard([&] {
        refuse_on_standby("run_maintenance");
        std::string json;
        {
            pg::SpiConnection spi;
            json = run_all(spi);
        }
        return pg::call(
            [&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
    });
}
