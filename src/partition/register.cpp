// SQL functions that register partition sets and create their partitions: partition_by_time,
// partition_by_hash, create_partitions_for_range. They run in the caller's transaction; an error
// leaves nothing changed.
#include "partition/catalog.hpp"
#include "partition/plan.hpp"
#include "partition/time_values.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::partition {

static const int max_premake = 1000;
static const int max_hash_partitions = 1024;

static void require_arg(FunctionCallInfo fcinfo, int n, const char *func, const char *arg) {
    if (PG_ARGISNULL(n))
        throw Error(sqlstate::null_value_not_allowed,
                    std::string(func) + ": argument \"" + arg + "\" must not be null");
}

// The parent must be partitioned by strategy on exactly the control column.
static Table check_parent(pg::SpiConnection &spi, Oid oid, const std::string &control,
                          char strategy, const char *func, Column *column_out) {
    Table t = load_table(spi, oid);
    const char *how = strategy == 'r' ? "RANGE" : "HASH";
    if (t.relkind != 'p')
        throw Error(sqlstate::wrong_object_type,
                    std::string(func) + ": table " + t.qualified + " is not partitioned", {},
                    std::string("Create it with PARTITION BY ") + how + " (" +
                        quote_identifier(control.c_str()) + "), or use convert_to_partitioned().");
    auto column = load_column(spi, oid, control);
    if (!column)
        throw Error(sqlstate::undefined_column, std::string(func) + ": column \"" + control +
                                                    "\" of table " + t.qualified +
                                                    " does not exist");
    if (t.strategy != strategy || t.key_columns != 1 || t.key_column != control)
        throw Error(sqlstate::wrong_object_type,
                    std::string(func) + ": table " + t.qualified + " is not partitioned by " + how +
                        " on column \"" + control + "\"",
                    "Its partition key is " +
                        (t.key_column.empty() ? std::string("an expression or several columns")
                                              : "\"" + t.key_column + "\"") +
                        " (strategy " +
                        (t.strategy == 'r'   ? "range"
                         : t.strategy == 'h' ? "hash"
                                             : "list") +
                        ").");
    if (column_out)
        *column_out = *column;
    return t;
}

static void require_unregistered(pg::SpiConnection &spi, const Table &t, const char *func) {
    if (!load_sets(spi, t.oid).empty())
        throw Error(
            sqlstate::duplicate_object,
            std::string(func) + ": table " + t.qualified + " is already a partition set", {},
            "Change its row in assistant_hub.partition_sets, or delete it to register again.");
}

static int apply_all(pg::SpiConnection &spi, const Set &set, const Table &parent,
                     std::vector<Child> &children, const std::vector<Action> &actions) {
    int created = 0;
    for (const Action &a : actions) {
        if (a.kind == Action::skip) {
            ereport(NOTICE, (errmsg("%s: %s", a.partition.c_str(), a.reason.c_str())));
            continue;
        }
        apply(spi, set, parent, children, a);
        created++;
    }
    return created;
}

static Set registered(pg::SpiConnection &spi, Oid oid) {
    auto sets = load_sets(spi, oid);
    if (sets.empty())
        throw Error(sqlstate::object_not_in_prerequisite_state,
                    "table " + load_table(spi, oid).qualified +
                        " is not a registered partition set",
                    {}, "Register it with partition_by_time() or partition_by_hash().");
    return sets.front();
}

static std::vector<Child> children_of(pg::SpiConnection &spi, const Set &set) {
    return load_children(spi, {&set})[set.parent];
}

} // namespace assistant_hub::partition

using namespace assistant_hub;
using namespace assistant_hub::partition;

// partition_by_time(parent, control, step, premake, retain, default_partition, retain_keep_table)
AH_SQL_FUNCTION(partition_by_time) {
    return pg::guard([&] {
        const char *func = "partition_by_time";
        require_arg(fcinfo, 0, func, "parent");
        require_arg(fcinfo, 1, func, "control");
        require_arg(fcinfo, 2, func, "step");
        require_arg(fcinfo, 3, func, "premake");
        require_arg(fcinfo, 5, func, "default_partition");
        require_arg(fcinfo, 6, func, "retain_keep_table");
        Oid parent = PG_GETARG_OID(0);
        std::string control = NameStr(*PG_GETARG_NAME(1));
        Interval *step = PG_GETARG_INTERVAL_P(2);
        int premake = PG_GETARG_INT32(3);
        Step st{step->month, step->day, step->time};
        std::string problem = step_problem(st);
        if (!problem.empty())
            throw Error(sqlstate::invalid_parameter_value, std::string(func) + ": step " + problem);
        if (premake < 0 || premake > max_premake)
            throw Error(sqlstate::invalid_parameter_value,
                        std::string(func) + ": premake must be between 0 and " +
                            std::to_string(max_premake) + ", not " + std::to_string(premake));
        if (!PG_ARGISNULL(4)) {
            Interval *retain = PG_GETARG_INTERVAL_P(4);
            if (retain->month < 0 || retain->day < 0 || retain->time < 0 ||
                (retain->month == 0 && retain->day == 0 && retain->time == 0))
                throw Error(sqlstate::invalid_parameter_value,
                            std::string(func) + ": retain must be greater than zero");
        }
        pg::SpiConnection spi;
        Column column;
        Table t = check_parent(spi, parent, control, 'r', func, &column);
        if (!is_time_type(column.type))
            throw Error(sqlstate::datatype_mismatch,
                        std::string(func) + ": column \"" + control + "\" of table " + t.qualified +
                            " is of type " + format_type_be(column.type),
                        {}, "A time partition set needs a date, timestamp or timestamptz column.");
        require_unregistered(spi, t, func);
        spi.execute(
            "INSERT INTO assistant_hub.partition_sets (parent, kind, control, step, premake, "
            "retain, retain_keep_table, time_zone, default_partition) "
            "VALUES ($1, 'time', $2, $3, $4, $5, $6, pg_catalog.current_setting('TimeZone'), $7)",
            {{REGCLASSOID, ObjectIdGetDatum(parent)},
             {TEXTOID, CStringGetTextDatum(control.c_str())},
             {INTERVALOID, PG_GETARG_DATUM(2)},
             {INT4OID, Int32GetDatum(premake)},
             {INTERVALOID, PG_ARGISNULL(4) ? Datum(0) : PG_GETARG_DATUM(4), PG_ARGISNULL(4)},
             {BOOLOID, PG_GETARG_DATUM(6)},
             {BOOLOID, PG_GETARG_DATUM(5)}});
        Set set = registered(spi, parent);
        std::vector<Child> children = children_of(spi, set);

        // From the oldest row (if any) through premake steps ahead of now.
        int64 current = align_down(local_now(set.time_zone), set.step);
        int64 from = current;
        spi.execute(("SELECT min(" + std::string(quote_identifier(control.c_str())) + ") FROM " +
                     t.qualified)
                        .c_str(),
                    {});
        bool isnull = false;
        Datum oldest = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        if (!isnull)
            from =
                std::min(from, align_down(to_local_in_range(oldest, set.control_type, set.time_zone,
                                                            "the oldest value of " + control),
                                          set.step));

        std::vector<Action> actions;
        if (set.default_partition && !default_child(children))
            actions.push_back({Action::create_default, child_name(t.name, "default")});
        plan_rescue(spi, set, t, children, actions);
        plan_time_slots(set, t, children, from, add_steps(current, set.step, set.premake), actions);
        PG_RETURN_INT32(apply_all(spi, set, t, children, actions));
    });
}

// partition_by_hash(parent, control, partitions)
AH_SQL_FUNCTION(partition_by_hash) {
    return pg::guard([&] {
        const char *func = "partition_by_hash";
        require_arg(fcinfo, 0, func, "parent");
        require_arg(fcinfo, 1, func, "control");
        require_arg(fcinfo, 2, func, "partitions");
        Oid parent = PG_GETARG_OID(0);
        std::string control = NameStr(*PG_GETARG_NAME(1));
        int partitions = PG_GETARG_INT32(2);
        if (partitions < 1 || partitions > max_hash_partitions)
            throw Error(sqlstate::invalid_parameter_value,
                        std::string(func) + ": partitions must be between 1 and " +
                            std::to_string(max_hash_partitions) + ", not " +
                            std::to_string(partitions));
        pg::SpiConnection spi;
        Table t = check_parent(spi, parent, control, 'h', func, nullptr);
        require_unregistered(spi, t, func);
        Set probe;
        probe.parent = parent;
        auto existing = load_children(spi, {&probe});
        for (const Child &c : existing[parent])
            if (c.modulus != partitions)
                throw Error(sqlstate::object_not_in_prerequisite_state,
                            std::string(func) + ": table " + t.qualified +
                                " already has partition " + c.qualified + " with modulus " +
                                std::to_string(c.modulus),
                            {}, "Register it with its existing number of partitions.");
        spi.execute("INSERT INTO assistant_hub.partition_sets (parent, kind, control, partitions) "
                    "VALUES ($1, 'hash', $2, $3)",
                    {{REGCLASSOID, ObjectIdGetDatum(parent)},
                     {TEXTOID, CStringGetTextDatum(control.c_str())},
                     {INT4OID, Int32GetDatum(partitions)}});
        Set set = registered(spi, parent);
        std::vector<Child> children = children_of(spi, set);
        PG_RETURN_INT32(apply_all(spi, set, t, children, plan_set(spi, set, t, children)));
    });
}

// create_partitions_for_range(parent, from_value, to_value): the partitions of a registered time
// set that cover [from_value, to_value], for loading data outside the premade range.
AH_SQL_FUNCTION(create_partitions_for_range) {
    return pg::guard([&] {
        const char *func = "create_partitions_for_range";
        require_arg(fcinfo, 0, func, "parent");
        require_arg(fcinfo, 1, func, "from_value");
        require_arg(fcinfo, 2, func, "to_value");
        Oid type = get_fn_expr_argtype(fcinfo->flinfo, 1);
        if (!is_time_type(type))
            throw Error(sqlstate::datatype_mismatch,
                        std::string(func) +
                            ": from_value and to_value must be of type date, "
                            "timestamp or timestamptz, not " +
                            format_type_be(type));
        pg::SpiConnection spi;
        Set set = registered(spi, PG_GETARG_OID(0));
        Table t = load_table(spi, set.parent);
        if (set.kind != "time")
            throw Error(sqlstate::wrong_object_type,
                        std::string(func) + ": table " + t.qualified + " is a hash partition set");
        int64 from = align_down(to_local_in_range(PG_GETARG_DATUM(1), type, set.time_zone,
                                                  std::string(func) + ": from_value"),
                                set.step);
        int64 to = align_down(to_local_in_range(PG_GETARG_DATUM(2), type, set.time_zone,
                                                std::string(func) + ": to_value"),
                              set.step);
        if (to < from)
            throw Error(sqlstate::invalid_parameter_value,
                        std::string(func) + ": to_value must not be before from_value");
        std::vector<Child> children = children_of(spi, set);
        std::vector<Action> actions;
        plan_time_slots(set, t, children, from, to, actions);
        PG_RETURN_INT32(apply_all(spi, set, t, children, actions));
    });
}
