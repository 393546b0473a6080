// assistant_hub._dashboard_summary(uuid): one user's dashboard counts, read straight from the
// indexes when that gives the SQL body's answer by construction, else by the SQL body itself
// (assistant_hub._dashboard_summary_sql, the one definition of the counts).
//
// The fast path applies when the caller is subject to no row-level security on the five tables
// and may SELECT from each (otherwise the SQL body raises the executor's own error, or reads
// through column privileges), the transaction is not SERIALIZABLE (predicate locks are the
// executor's), and the hub's tables and indexes are as create_hub_schema() makes them. The SQL
// body's lookup and four count queries cost about six times a read of the seed's materialized
// view; five index scans without the executor, about twice (README, Dashboard metrics).
#include <initializer_list>

#include "metrics/dashboard_summary.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type_d.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::metrics::summary {
namespace {

// How this backend's reads were served (_dashboard_summary_paths()).
int64 served_from_cache = 0, served_from_indexes = 0, served_by_sql = 0;

} // namespace

const char *unreadable_as_is(const Oid (&tables)[5]) {
    Oid user = GetUserId();
    if (superuser_arg(user)) // bypasses both, as in check_enable_rls and pg_class_aclmask
        return nullptr;
    bool bypass_rls = has_bypassrls_privilege(user);
    for (Oid relid : tables) {
        if (!bypass_rls && check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
            return "row-level security applies";
        if (pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK)
            return "no SELECT privilege on a table";
    }
    return nullptr;
}

namespace {

void key(ScanKey entry, Relation index, AttrNumber column, StrategyNumber strategy,
         RegProcedure proc, Datum value) {
    ScanKeyEntryInitialize(entry, 0, column, strategy, InvalidOid,
                           index->rd_indcollation[column - 1], proc, value);
}

// The counts for uid (*found false: no such user visible). False: take the SQL path.
bool count_with(SummaryRelations &rels, Datum uid, bool *found, Counts *counts) {
    Snapshot snapshot = GetActiveSnapshot();
    ScanKeyData keys[3];

    TupleTableSlot *user = table_slot_create(rels.users, nullptr);
    key(&keys[0], rels.users_pkey, 1, BTEqualStrategyNumber, F_UUID_EQ, uid);
    *found = fetch_first_match(rels.users, rels.users_pkey, snapshot, keys, 1, user);
    bool zone_null = true;
    DateADT today = 0;
    if (*found) {
        Datum zone = slot_getattr(user, rels.users_timezone, &zone_null);
        if (!zone_null)
            today = today_in(zone);
    }
    ExecDropSingleTupleTableSlot(user);
    if (!*found)
        return true;
    if (zone_null) // not null by definition; the SQL body knows what NULL would mean
        return false;

    Relation partition, partition_index;
    if (!open_journal_partition(rels.journal, today, &partition, &partition_index))
        return false;
    counts->journal_today = 0;
    if (partition != nullptr) {
        key(&keys[0], partition_index, 1, BTEqualStrategyNumber, F_UUID_EQ, uid);
        key(&keys[1], partition_index, 2, BTEqualStrategyNumber, F_DATE_EQ, DateADTGetDatum(today));
        counts->journal_today = count_index_matches(partition, partition_index, snapshot, keys, 2);
        relation_close(partition_index, NoLock);
        relation_close(partition, NoLock);
    }

    // status = 'pending' AND due_date <= today + 7 (a NULL due_date matches no scan key).
    key(&keys[0], rels.tasks_pending, 1, BTEqualStrategyNumber, F_UUID_EQ, uid);
    key(&keys[1], rels.tasks_pending, 2, BTEqualStrategyNumber, F_TEXTEQ,
        CStringGetTextDatum("pending"));
    key(&keys[2], rels.tasks_pending, 3, BTLessEqualStrategyNumber, F_DATE_LE,
        DirectFunctionCall2(date_pli, DateADTGetDatum(today), Int32GetDatum(7)));
    counts->pending_tasks = count_index_matches(rels.tasks, rels.tasks_pending, snapshot, keys, 3);

    // start_time between now() and now() + interval '24 hours'; the index holds confirmed ones
    // only.
    Interval day = {};
    day.time = 24 * USECS_PER_HOUR;
    Datum now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
    key(&keys[0], rels.events_confirmed, 1, BTEqualStrategyNumber, F_UUID_EQ, uid);
    key(&keys[1], rels.events_confirmed, 2, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE, now);
    key(&keys[2], rels.events_confirmed, 2, BTLessEqualStrategyNumber, F_TIMESTAMPTZ_LE,
        DirectFunctionCall2(timestamptz_pl_interval, now, IntervalPGetDatum(&day)));
    counts->events_next_day =
        count_index_matches(rels.events, rels.events_confirmed, snapshot, keys, 3);

    // The index holds unread threads only.
    key(&keys[0], rels.threads_unread, 1, BTEqualStrategyNumber, F_UUID_EQ, uid);
    counts->unread_threads =
        count_index_matches(rels.threads, rels.threads_unread, snapshot, keys, 1);
    return true;
}

// Returns the row (none when not found) as the function's result set; null, for the caller.
const char *emit(FunctionCallInfo fcinfo, bool found, const Counts &counts) {
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    if (found) {
        ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        Datum values[5] = {PG_GETARG_DATUM(0), Int64GetDatum(counts.journal_today),
                           Int64GetDatum(counts.pending_tasks),
                           Int64GetDatum(counts.events_next_day),
                           Int64GetDatum(counts.unread_threads)};
        bool nulls[5] = {};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return nullptr;
}

// The fast paths: null once the row is emitted, else why the SQL path must read it.
const char *read_from_indexes(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0))
        return "null user_id";
    if (IsolationIsSerializable())
        return "serializable transaction";
    Counts counts = {};
    bool found = false;
    if (read_cached_summary(PG_GETARG_DATUM(0), GetActiveSnapshot(), &counts)) {
        elog(DEBUG1, "dashboard_summary: from the summary cache");
        served_from_cache++;
        return emit(fcinfo, true, counts);
    }
    SummaryRelations rels;
    if (!open_summary_relations(rels))
        return "the hub's tables or indexes are not as create_hub_schema() makes them";
    const Oid tables[5] = {RelationGetRelid(rels.users), RelationGetRelid(rels.journal),
                           RelationGetRelid(rels.tasks), RelationGetRelid(rels.events),
                           RelationGetRelid(rels.threads)};
    const char *why_not = unreadable_as_is(tables);
    if (why_not == nullptr && !count_with(rels, PG_GETARG_DATUM(0), &found, &counts))
        why_not = "the journal's partitions or the user's time zone are not as expected";
    close_summary_relations(rels);
    if (why_not != nullptr)
        return why_not;
    elog(DEBUG1, "dashboard_summary: counted from the indexes");
    served_from_indexes++;
    return emit(fcinfo, found, counts);
}

// The SQL body, called with our arguments and result set (it returns its rows in materialize
// mode), after the EXECUTE check a call from SQL would make.
struct SqlBody {
    Oid oid;
    FmgrInfo flinfo;
};

Datum read_with_sql(FunctionCallInfo fcinfo) {
    Oid schema = get_func_namespace(fcinfo->flinfo->fn_oid);
    Oid arg_type = UUIDOID;
    Oid oid = GetSysCacheOid3(
        PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum("_dashboard_summary_sql"),
        PointerGetDatum(buildoidvector(&arg_type, 1)), ObjectIdGetDatum(schema));
    if (!OidIsValid(oid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                        errmsg("function %s._dashboard_summary_sql(uuid) does not exist",
                               get_namespace_name(schema)),
                        errhint("Reinstall the assistant_hub extension.")));
    AclResult acl = pg_proc_aclcheck(oid, GetUserId(), ACL_EXECUTE);
    if (acl != ACLCHECK_OK)
        aclcheck_error(acl, OBJECT_FUNCTION, get_func_name(oid));
    SqlBody *body = static_cast<SqlBody *>(fcinfo->flinfo->fn_extra);
    if (body == nullptr || body->oid != oid) {
        body = static_cast<SqlBody *>(
            MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SqlBody)));
        fmgr_info_cxt(oid, &body->flinfo, fcinfo->flinfo->fn_mcxt);
        body->oid = oid;
        fcinfo->flinfo->fn_extra = body;
    }
    LOCAL_FCINFO(call, 1);
    InitFunctionCallInfoData(*call, &body->flinfo, 1, fcinfo->fncollation, fcinfo->context,
                             fcinfo->resultinfo);
    call->args[0] = fcinfo->args[0];
    Datum result = FunctionCallInvoke(call);
    fcinfo->isnull = call->isnull;
    return result;
}

} // namespace

DateADT today_in(Datum zone) {
    Datum local = DirectFunctionCall2(timestamptz_zone, zone,
                                      TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
    return DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
}

} // namespace assistant_hub::metrics::summary

using namespace assistant_hub;

// assistant_hub._dashboard_summary(uid): the body of dashboard_summary(uid).
AH_SQL_FUNCTION(dashboard_summary) {
    return pg::guard([&] {
        // Plain PostgreSQL code under one guard: nothing in it owns a C++ object.
        return pg::call([&]() -> Datum {
            const char *why_not = metrics::summary::read_from_indexes(fcinfo);
            if (why_not == nullptr)
                return (Datum)0;
            elog(DEBUG1, "dashboard_summary: counted by _dashboard_summary_sql: %s", why_not);
            metrics::summary::served_by_sql++;
            return metrics::summary::read_with_sql(fcinfo);
        });
    });
}

// assistant_hub._dashboard_summary_paths(): how this backend's dashboard_summary reads were served.
AH_SQL_FUNCTION(dashboard_summary_paths) {
    return pg::guard([&] {
        return pg::call([&]() -> Datum {
            TupleDesc desc;
            if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
                elog(ERROR, "return type must be a row type");
            Datum values[3] = {Int64GetDatum(metrics::summary::served_from_cache),
                               Int64GetDatum(metrics::summary::served_from_indexes),
                               Int64GetDatum(metrics::summary::served_by_sql)};
            bool nulls[3] = {};
            return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
        });
    });
}
