// The SQL-callable slow-query functions: flush_slow_queries(), pending_slow_queries(),
// slow_query_stats().
#include "pg/guard.hpp"
#include "slowlog/entry_rows.hpp"
#include "slowlog/flush.hpp"
#include "slowlog/ring.hpp"

extern "C" {
#include "catalog/pg_authid.h"
#include "funcapi.h"
#include "utils/acl.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

using namespace assistant_hub;
using namespace assistant_hub::slowlog;

AH_SQL_FUNCTION(flush_slow_queries) {
    return pg::guard([&] { return Int64GetDatum(flush_ring()); });
}

AH_SQL_FUNCTION(slow_query_stats) {
    return pg::guard([&] {
        require_capture_loaded();
        RingStats s = ring_stats();
        return pg::call([&] {
            TupleDesc desc;
            if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
                elog(ERROR, "return type must be a row type");
            Datum values[5] = {Int64GetDatum(s.captured), Int64GetDatum(s.flushed),
                               Int64GetDatum(s.dropped), Int32GetDatum(s.capacity),
                               Int32GetDatum(s.used)};
            bool nulls[5] = {};
            return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
        });
    });
}

// Like pg_stat_statements: another role's statement text (and plan) only for members of
// pg_read_all_stats. Text is normalized here too, so no literal leaves the ring.
AH_SQL_FUNCTION(pending_slow_queries) {
    return pg::guard([&] {
        require_capture_loaded();
        pg::call([&] { InitMaterializedSRF(fcinfo, 0); });
        ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
        Oid me = GetUserId();
        bool read_all = pg::call([me] { return has_privs_of_role(me, ROLE_PG_READ_ALL_STATS); });
        RingCopy copy = ring_copy_pending(0, ring_stats().capacity);
        for (int i = 0; i < copy.count; i++) {
            const EntryHeader &h = copy.header(i);
            EntryRow row = describe_entry(copy, i);
            bool visible = read_all || h.role_id == me;
            const EntryRow *r = &row;
            pg::call([&] {
                Datum v[14];
                bool n[14] = {};
                v[0] = Int64GetDatum(static_cast<int64>(h.query_id));
                n[0] = h.query_id == 0;
                v[1] = Int64GetDatum(r->query_hash);
                v[2] = TimestampTzGetDatum(h.started_at);
                v[3] = TimestampTzGetDatum(h.finished_at);
                v[4] = Float8GetDatum(h.duration_ms);
                v[5] = Int64GetDatum(static_cast<int64>(h.rows));
                n[6] = r->database_name == nullptr;
                v[6] = n[6] ? 0 : CStringGetTextDatum(r->database_name);
                n[7] = r->role_name == nullptr;
                v[7] = n[7] ? 0 : CStringGetTextDatum(r->role_name);
                n[8] = h.user_id[0] == '\0';
                v[8] = n[8] ? 0 : DirectFunctionCall1(uuid_in, CStringGetDatum(h.user_id));
                v[9] = CStringGetTextDatum(h.application_name);
                v[10] = CStringGetTextDatum(status_name(h.status));
                n[11] = h.sqlstate[0] == '\0';
                v[11] = n[11] ? 0 : CStringGetTextDatum(h.sqlstate);
                v[12] = visible ? PointerGetDatum(cstring_to_text_with_len(r->query_text.data(),
                                                                           r->query_text.size()))
                                : CStringGetTextDatum("<insufficient privilege>");
                n[13] = !visible || r->plan.empty();
                v[13] =
                    n[13]
                        ? 0
                        : PointerGetDatum(cstring_to_text_with_len(r->plan.data(), r->plan.size()));
                tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
            });
        }
        return Datum(0);
    });
}
