// run_partition_maintenance(parent default null): premake, default-partition rescue and retention
// for every registered set (or one). Each action is a step of its own (steps.hpp): a step that
// cannot get its locks in time, or fails, is reported as skipped and the run goes on with the
// next. A set with nothing to do is planned from the catalog and the clock alone and locks
// nothing; a set with work is claimed with a transaction advisory lock, so two runs never
// collide on it.
//
// The function runs in its caller's transaction, so the locks of the steps it completed are held
// until that transaction ends. CALL assistant_hub.partition_maintenance() does the same work but
// commits after every step (a procedure called outside a transaction block can), so each step's
// locks last only as long as the step: the form for scheduled jobs.
#include <functional>
#include <vector>

#include "partition/catalog.hpp"
#include "partition/plan.hpp"
#include "partition/steps.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

namespace assistant_hub::partition {
namespace {

struct ResultRow {
    Oid parent;
    std::string action, partition, detail;
};

bool claim_set(pg::SpiConnection &spi, Oid parent) {
    // Key: "AHPS" in the upper half, the parent's OID in the lower.
    int64 key = (INT64_C(0x41485053) << 32) | parent;
    spi.execute("SELECT pg_catalog.pg_try_advisory_xact_lock($1)", {{INT8OID, Int64GetDatum(key)}});
    return spi_text_or(0, 1) == "t";
}

std::string qualified_child(const Table &t, const std::string &name) {
    return quote_qualified_identifier(t.schema.c_str(), name.c_str());
}

// Commits the step just done and starts a new transaction; returns false when the set was claimed
// by another run in between. Empty in a function (atomic) call.
using BetweenSteps = std::function<bool(Oid parent)>;

void maintain_set(pg::SpiConnection &spi, const Set &set, const std::map<Oid, Table> &tables,
                  std::vector<Child> children, std::vector<ResultRow> &rows,
                  const BetweenSteps &between_steps) {
    auto found = tables.find(set.parent);
    if (found == tables.end()) {
        spi.execute("DELETE FROM assistant_hub.partition_sets WHERE parent::oid = $1",
                    {{OIDOID, ObjectIdGetDatum(set.parent)}});
        rows.push_back({set.parent, "unregistered", "", "the table no longer exists"});
        return;
    }
    const Table &parent = found->second;
    std::vector<Action> actions = plan_set(spi, set, parent, children);
    if (actions.empty())
        return;
    if (!claim_set(spi, set.parent)) {
        rows.push_back(
            {set.parent, "skipped", "", "another maintenance run is working on this set"});
        return;
    }
    // Plan again now that the set is ours: the other run may just have done the work.
    children = load_children(spi, {&set})[set.parent];
    actions = plan_set(spi, set, parent, children);
    for (const Action &a : actions) {
        std::string partition = qualified_child(parent, a.partition);
        if (a.kind == Action::skip) {
            rows.push_back({set.parent, "skipped", partition, a.reason});
            continue;
        }
        std::string detail;
        StepResult r = run_step(locks_for(parent, children, a),
                                [&] { detail = apply(spi, set, parent, children, a); });
        if (r.done)
            rows.push_back({set.parent, action_name(a.kind), partition, detail});
        else
            rows.push_back({set.parent, "skipped", partition,
                            std::string("not ") + action_name(a.kind) + ": " + r.reason});
        if (between_steps && !between_steps(set.parent)) {
            rows.push_back(
                {set.parent, "skipped", "", "another maintenance run took over this set"});
            return;
        }
    }
}

// The whole run; between_steps as for maintain_set.
std::vector<ResultRow> run(pg::SpiConnection &spi, Oid only, const char *func,
                           const BetweenSteps &between_steps) {
    std::vector<ResultRow> rows;
    std::vector<Set> sets = load_sets(spi, only);
    if (only != InvalidOid && sets.empty())
        throw Error(sqlstate::object_not_in_prerequisite_state,
                    std::string(func) + ": table " + load_table(spi, only).qualified +
                        " is not a registered partition set",
                    {}, "Register it with partition_by_time() or partition_by_hash().");
    std::vector<const Set *> pointers;
    std::vector<Oid> oids;
    for (const Set &s : sets) {
        pointers.push_back(&s);
        oids.push_back(s.parent);
    }
    auto children = load_children(spi, pointers);
    auto tables = load_tables(spi, oids);
    for (const Set &s : sets)
        maintain_set(spi, s, tables, children[s.parent], rows, between_steps);
    return rows;
}

} // namespace
} // namespace assistant_hub::partition

using namespace assistant_hub;
using namespace assistant_hub::partition;

AH_SQL_FUNCTION(run_partition_maintenance) {
    return pg::guard([&] {
        Oid only = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
        std::vector<ResultRow> rows;
        {
            pg::SpiConnection spi;
            MaintenanceLockTimeout lock_timeout;
            rows = run(spi, only, "run_partition_maintenance", {});
        }
        pg::call([&] {
            InitMaterializedSRF(fcinfo, 0);
            auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
            for (const ResultRow &r : rows) {
                Datum values[4];
                bool nulls[4] = {false, false, r.partition.empty(), r.detail.empty()};
                values[0] = ObjectIdGetDatum(r.parent);
                values[1] = CStringGetTextDatum(r.action.c_str());
                values[2] = nulls[2] ? Datum(0) : CStringGetTextDatum(r.partition.c_str());
                values[3] = nulls[3] ? Datum(0) : CStringGetTextDatum(r.detail.c_str());
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
            }
        });
        return Datum(0);
    });
}

// CALL assistant_hub.partition_maintenance(parent default null): the same run, committing after
// every step when called outside a transaction block; each action is reported as a NOTICE, a
// skipped step as a WARNING, which also reaches the server log (scheduled jobs have no client).
AH_SQL_FUNCTION(partition_maintenance) {
    return pg::guard([&] {
        Oid only = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
        bool nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
                         !castNode(CallContext, fcinfo->context)->atomic;
        std::vector<ResultRow> rows;
        {
            pg::SpiConnection spi(nonatomic ? SPI_OPT_NONATOMIC : 0);
            const std::string timeout = std::to_string(maintenance_lock_timeout_ms);
            // lock_timeout for this transaction only: it ends at every commit.
            auto set_lock_timeout = [&] {
                spi.execute("SELECT pg_catalog.set_config('lock_timeout', $1, true)",
                            {{TEXTOID, CStringGetTextDatum(timeout.c_str())}});
            };
            set_lock_timeout();
            BetweenSteps commit_step;
            if (nonatomic)
                commit_step = [&](Oid parent) {
                    pg::call([] {
                        SPI_commit();
                        SPI_start_transaction();
                    });
                    set_lock_timeout();
                    return claim_set(spi, parent);
                };
            rows = run(spi, only, "partition_maintenance", commit_step);
        }
        for (const ResultRow &r : rows) {
            const char *name = pg::call([&] { return get_rel_name(r.parent); });
            std::string line = std::string(name ? name : std::to_string(r.parent).c_str()) + ": " +
                               r.action + (r.partition.empty() ? "" : " " + r.partition) +
                               (r.detail.empty() ? "" : " (" + r.detail + ")");
            pg::call([&] {
                ereport(r.action == "skipped" ? WARNING : NOTICE,
                        (errmsg("partition_maintenance: %s", line.c_str())));
            });
        }
        PG_RETURN_VOID();
    });
}
