#include "partition/convert.hpp"

#include <cstring>
#include <exception>

#include "partition/catalog.hpp"
#include "partition/convert_dependants.hpp"
#include "partition/ddl.hpp"
#include "partition/plan.hpp"
#include "partition/steps.hpp"
#include "partition/time_values.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace assistant_hub::partition {

static const char *const bound_check_name = "assistant_hub_convert_bound";
// Conversions get the same premake as partition_by_time's default.
static const int convert_premake = 12;
static const int convert_queue_ms = 20;

namespace {

void record_error(ConvertTask &task, int sqlerrcode, const char *message, const char *detail,
                  const char *hint) {
    task.failed = true;
    task.sqlerrcode = sqlerrcode;
    strlcpy(task.message, message ? message : "", sizeof task.message);
    strlcpy(task.detail, detail ? detail : "", sizeof task.detail);
    strlcpy(task.hint, hint ? hint : "", sizeof task.hint);
}

struct State {
    bool exists = false;
    std::string phase, bound;
    int64 rows = 0;
};

State load_state(pg::SpiConnection &spi, const ConvertTask &task) {
    spi.execute("SELECT phase, bound, rows_converted FROM assistant_hub.partition_conversions "
                "WHERE table_schema = $1 AND table_name = $2",
                {{TEXTOID, CStringGetTextDatum(NameStr(task.schema))},
                 {TEXTOID, CStringGetTextDatum(NameStr(task.table))}});
    State s;
    if (SPI_processed == 0)
        return s;
    s.exists = true;
    s.phase = spi_text_or(0, 1);
    s.bound = spi_text_or(0, 2);
    s.rows = std::stoll(spi_text_or(0, 3, "0"));
    return s;
}

void save_phase(pg::SpiConnection &spi, const ConvertTask &task, const char *phase) {
    spi.execute("UPDATE assistant_hub.partition_conversions SET phase = $3, updated_at = now() "
                "WHERE table_schema = $1 AND table_name = $2",
                {{TEXTOID, CStringGetTextDatum(NameStr(task.schema))},
                 {TEXTOID, CStringGetTextDatum(NameStr(task.table))},
                 {TEXTOID, CStringGetTextDatum(phase)}});
}

Oid table_oid(const ConvertTask &task) {
    return pg::call([&] {
        Oid nsp = get_namespace_oid(NameStr(task.schema), true);
        return nsp == InvalidOid ? InvalidOid : get_relname_relid(NameStr(task.table), nsp);
    });
}

// Takes the lock (steps.hpp), queueing for at most convert_queue_ms per attempt: writers wait no
// longer than that behind the request, and a table that is never free between its writers'
// transactions still gets converted. Fails with lock_not_available.
// Errors of body itself come through unchanged.
void lock_or_fail(const Table &t, LOCKMODE mode, const std::function<void()> &body) {
    std::exception_ptr body_error;
    StepResult r = run_step(
        {{t.oid, mode}},
        [&] {
            body_error = nullptr;
            try {
                body();
            } catch (...) {
                body_error = std::current_exception();
                throw;
            }
        },
        convert_queue_ms);
    if (r.done)
        return;
    if (body_error) {
        try {
            std::rethrow_exception(body_error);
        } catch (const pg::PgError &e) {
            if (e.sqlerrcode() != ERRCODE_LOCK_NOT_AVAILABLE)
                throw;
        }
    }
    throw Error(sqlstate::lock_not_available, "convert_to_partitioned: " + r.reason);
}

Set set_for(const ConvertTask &task, Oid type) {
    Set set;
    set.kind = "time";
    set.control = NameStr(task.control);
    set.control_type = type;
    set.step = Step{task.step.month, task.step.day, task.step.time};
    set.premake = convert_premake;
    set.time_zone = pg::call([] { return std::string(GetConfigOption("TimeZone", false, false)); });
    return set;
}

void exec_all(pg::SpiConnection &spi, const std::vector<std::string> &statements) {
    for (const std::string &s : statements)
        spi.execute(s.c_str());
}

// Phase 0: choose the bound past every row and now, and add the CHECK without validating it.
void phase_add_check(pg::SpiConnection &spi, ConvertTask &task) {
    Table t = load_table(spi, table_oid(task));
    auto column = load_column(spi, t.oid, NameStr(task.control));
    Set set = set_for(task, column->type);
    const std::string col = quote_identifier(NameStr(task.control));
    // max() before the lock: it may scan, and writers must not wait for it.
    spi.execute(("SELECT max(" + col + ") FROM " + t.qualified).c_str());
    bool isnull = false;
    Datum newest = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    int64 last = local_now(set.time_zone);
    if (!isnull)
        last = std::max(
            last, to_local_in_range(newest, set.control_type, set.time_zone,
                                    "the newest value of " + std::string(NameStr(task.control))));
    int64 bound = add_steps(align_down(last, set.step), set.step, 1);
    std::string literal = bound_literal(bound, set.control_type, set.time_zone);
    lock_or_fail(t, AccessExclusiveLock, [&] {
        spi.execute(("ALTER TABLE " + t.qualified + " ADD CONSTRAINT " + bound_check_name +
                     " CHECK (" + col + " IS NOT NULL AND " + col + " < " + literal + ") NOT VALID")
                        .c_str());
    });
    // A finished conversion of an earlier table of the same name leaves its row: replace it.
    spi.execute("INSERT INTO assistant_hub.partition_conversions "
                "(table_schema, table_name, control, step, phase, bound) "
                "VALUES ($1, $2, $3, $4, 'check_added', $5) "
                "ON CONFLICT (table_schema, table_name) DO UPDATE SET control = EXCLUDED.control, "
                "step = EXCLUDED.step, phase = EXCLUDED.phase, bound = EXCLUDED.bound, "
                "rows_converted = NULL, started_at = now(), updated_at = now()",
                {{TEXTOID, CStringGetTextDatum(NameStr(task.schema))},
                 {TEXTOID, CStringGetTextDatum(NameStr(task.table))},
                 {TEXTOID, CStringGetTextDatum(NameStr(task.control))},
                 {INTERVALOID, IntervalPGetDatum(&task.step)},
                 {TEXTOID, CStringGetTextDatum(literal.c_str())}});
}

// Phase 1: validate online. Rows at or past the bound (written between max() and the CHECK) or
// with a NULL control value fail it: then the CHECK and the state go, and the caller starts over.
void phase_validate(pg::SpiConnection &spi, ConvertTask &task) {
    Table t = load_table(spi, table_oid(task));
    try {
        in_subtransaction([&] {
            spi.execute(("ALTER TABLE " + t.qualified + " VALIDATE CONSTRAINT " + bound_check_name)
                            .c_str());
        });
    } catch (const pg::PgError &e) {
        if (e.sqlerrcode() != ERRCODE_CHECK_VIOLATION)
            throw;
        const std::string col = quote_identifier(NameStr(task.control));
        spi.execute(("SELECT EXISTS (SELECT 1 FROM " + t.qualified + " WHERE " + col + " IS NULL)")
                        .c_str());
        bool has_nulls = spi_text_or(0, 1) == "t";
        lock_or_fail(t, AccessExclusiveLock, [&] {
            spi.execute(
                ("ALTER TABLE " + t.qualified + " DROP CONSTRAINT " + bound_check_name).c_str());
        });
        spi.execute("DELETE FROM assistant_hub.partition_conversions WHERE table_schema = $1 AND "
                    "table_name = $2",
                    {{TEXTOID, CStringGetTextDatum(NameStr(task.schema))},
                     {TEXTOID, CStringGetTextDatum(NameStr(task.table))}});
        // Reported without aborting, so that the clean-up above commits.
        if (has_nulls)
            record_error(task, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                         ("convert_to_partitioned: column \"" + std::string(NameStr(task.control)) +
                          "\" of table " + t.qualified + " has NULL values")
                             .c_str(),
                         "A range partition cannot hold a row whose partition key is NULL.",
                         "Fill or delete those rows, then call convert_to_partitioned() again.");
        else
            task.restart = true;
        return;
    }
    save_phase(spi, task, "validated");
}

// Phase 2: the swap, in one short transaction under ACCESS EXCLUSIVE on the old table.
void phase_swap(pg::SpiConnection &spi, ConvertTask &task, const State &state) {
    Table t = load_table(spi, table_oid(task));
    const std::string control = NameStr(task.control);
    lock_or_fail(t, AccessExclusiveLock, [&] {
        // What cannot be kept may have appeared since the call checked it.
        std::vector<std::string> problems = conversion_problems(spi, t, control);
        if (!problems.empty())
            throw Error(sqlstate::feature_not_supported,
                        "convert_to_partitioned: cannot keep everything of table " + t.qualified,
                        problems.front());
        Dependants d = capture_dependants(spi, t);
        const std::string history = child_name(t.name, "history");
        const std::string history_q = quote_qualified_identifier(t.schema.c_str(), history.c_str());
        exec_all(spi, d.drop_triggers);
        for (size_t i = 0; i < d.index_oids.size(); i++) {
            std::string renamed = child_name(d.index_renames[i], "history");
            spi.execute(("ALTER INDEX " +
                         std::string(quote_qualified_identifier(t.schema.c_str(),
                                                                d.index_renames[i].c_str())) +
                         " RENAME TO " + quote_identifier(renamed.c_str()))
                            .c_str());
        }
        spi.execute(
            ("ALTER TABLE " + t.qualified + " RENAME TO " + quote_identifier(history.c_str()))
                .c_str());
        spi.execute(
            ("CREATE TABLE " + t.qualified + " (LIKE " + history_q +
             " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY"
             " INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING STATISTICS)"
             " PARTITION BY RANGE (" +
             quote_identifier(control.c_str()) + ")")
                .c_str());
        spi.execute(
            ("ALTER TABLE " + t.qualified + " DROP CONSTRAINT " + bound_check_name).c_str());
        for (const auto &id : d.identities) {
            spi.execute(("SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence($1, $2), "
                         "$3::bigint, $4)"),
                        {{TEXTOID, CStringGetTextDatum(t.qualified.c_str())},
                         {TEXTOID, CStringGetTextDatum(id.column.c_str())},
                         {TEXTOID, CStringGetTextDatum(id.last_value.c_str())},
                         {BOOLOID, BoolGetDatum(id.is_called)}});
            spi.execute(("ALTER TABLE " + history_q + " ALTER COLUMN " +
                         quote_identifier(id.column.c_str()) + " DROP IDENTITY")
                            .c_str());
        }
        exec_all(spi, d.indexes);
        // The validated CHECK implies the partition constraint: no scan. Matching indexes and
        // foreign keys of the old table are attached, not rebuilt.
        spi.execute(("ALTER TABLE " + t.qualified + " ATTACH PARTITION " + history_q +
                     " FOR VALUES FROM (MINVALUE) TO (" + state.bound + ")")
                        .c_str());
        exec_all(spi, d.foreign_keys);
        exec_all(spi, d.triggers);
        exec_all(spi, d.table_settings);
        exec_all(spi, d.views);
        exec_all(spi, d.sequences);
        spi.execute(("ALTER TABLE " + history_q + " DROP CONSTRAINT " + bound_check_name).c_str());
        Oid parent = table_oid(task);
        spi.execute("INSERT INTO assistant_hub.partition_sets (parent, kind, control, step, "
                    "premake, time_zone) "
                    "VALUES ($1, 'time', $2, $3, $4, pg_catalog.current_setting('TimeZone'))",
                    {{REGCLASSOID, ObjectIdGetDatum(parent)},
                     {TEXTOID, CStringGetTextDatum(control.c_str())},
                     {INTERVALOID, IntervalPGetDatum(&task.step)},
                     {INT4OID, Int32GetDatum(convert_premake)}});
        save_phase(spi, task, "swapped");
    });
}

// Phase 3: premake the partitions after the bound; count the rows the old table brought.
void phase_finish(pg::SpiConnection &spi, ConvertTask &task) {
    Oid parent_oid = table_oid(task);
    Table parent = load_table(spi, parent_oid);
    auto sets = load_sets(spi, parent_oid);
    if (sets.empty())
        throw Error(sqlstate::object_not_in_prerequisite_state,
                    "convert_to_partitioned: table " + parent.qualified +
                        " lost its partition set registration");
    const Set &set = sets.front();
    std::vector<Child> children = load_children(spi, {&set})[set.parent];
    int64 current = align_down(local_now(set.time_zone), set.step);
    std::vector<Action> actions;
    plan_time_slots(set, parent, children, current, add_steps(current, set.step, set.premake),
                    actions);
    for (const Action &a : actions)
        if (a.kind != Action::skip)
            apply(spi, set, parent, children, a);
    const std::string history = quote_qualified_identifier(
        parent.schema.c_str(), child_name(parent.name, "history").c_str());
    spi.execute(("SELECT count(*) FROM ONLY " + history).c_str());
    task.rows = std::stoll(spi_text_or(0, 1, "0"));
    spi.execute(
        "UPDATE assistant_hub.partition_conversions SET phase = 'done', rows_converted = $3, "
        "updated_at = now() WHERE table_schema = $1 AND table_name = $2",
        {{TEXTOID, CStringGetTextDatum(NameStr(task.schema))},
         {TEXTOID, CStringGetTextDatum(NameStr(task.table))},
         {INT8OID, Int64GetDatum(task.rows)}});
}

void run_phase(ConvertTask &task) {
    pg::SpiConnection spi;
    // One conversion of a table at a time, even when a cancelled call's worker is still running.
    spi.execute(
        "SELECT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('assistant_hub.convert'), "
        "pg_catalog.hashtext($1 || '.' || $2))",
        {{TEXTOID, CStringGetTextDatum(NameStr(task.schema))},
         {TEXTOID, CStringGetTextDatum(NameStr(task.table))}});
    if (spi_text_or(0, 1) != "t")
        throw Error(sqlstate::lock_not_available,
                    "convert_to_partitioned: another conversion of table " +
                        std::string(NameStr(task.table)) + " is running");
    MaintenanceLockTimeout lock_timeout;
    State state = load_state(spi, task);
    switch (task.phase) {
    case add_check:
        phase_add_check(spi, task);
        break;
    case validate:
        phase_validate(spi, task);
        break;
    case swap:
        phase_swap(spi, task, state);
        break;
    case finish:
        phase_finish(spi, task);
        break;
    }
}

} // namespace

void run_convert_phase(ConvertTask &task) {
    try {
        pg::call([] {
            SetCurrentStatementStartTimestamp();
            StartTransactionCommand();
            // Fully qualified names in every definition the worker reads back.
            (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
                                    PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
            PushActiveSnapshot(GetTransactionSnapshot());
        });
        run_phase(task);
        pg::call([] {
            PopActiveSnapshot();
            CommitTransactionCommand();
        });
    } catch (const pg::PgError &e) {
        ErrorData *ed = e.data();
        record_error(task, ed->sqlerrcode, ed->message, ed->detail, ed->hint);
        pg::call([] { AbortCurrentTransaction(); });
    } catch (const Error &e) {
        const char *s = e.sqlstate();
        record_error(task, MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]), e.what(),
                     e.detail().c_str(), e.hint().c_str());
        pg::call([] { AbortCurrentTransaction(); });
    } catch (const std::exception &e) {
        record_error(task, ERRCODE_INTERNAL_ERROR, e.what(), nullptr, nullptr);
        pg::call([] { AbortCurrentTransaction(); });
    }
}

} // namespace assistant_hub::partition
