#include "slowlog/flush.hpp"

#include "pg/guard.hpp"
#include "pg/spi.hpp"
#include "slowlog/capture.hpp"
#include "slowlog/entry_rows.hpp"
#include "slowlog/ring.hpp"

extern "C" {
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::slowlog {
namespace {

constexpr int batch_entries = 2000;

// Entries copied by this transaction's flushes, by subtransaction: released at commit, forgotten
// when the subtransaction that copied them aborts. Later claims always belong to the same or a
// deeper subtransaction, so the claims form a stack.
struct Claim {
    SubTransactionId subxact;
    uint64 end;
};
constexpr int max_claims = 64;
Claim claims[max_claims];
int claim_count = 0;
bool callbacks_registered = false;

void on_xact(XactEvent event, void *) {
    if (claim_count == 0)
        return;
    switch (event) {
    case XACT_EVENT_COMMIT:
        ring_release_up_to(claims[claim_count - 1].end);
        claim_count = 0;
        break;
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
        claim_count = 0;
        break;
    case XACT_EVENT_PRE_PREPARE:
        claim_count = 0;
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cannot prepare a transaction that flushed slow queries")));
        break;
    default:
        break;
    }
}

void on_subxact(SubXactEvent event, SubTransactionId subxact, SubTransactionId parent, void *) {
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        while (claim_count > 0 && claims[claim_count - 1].subxact == subxact)
            claim_count--;
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (int i = 0; i < claim_count; i++)
            if (claims[i].subxact == subxact)
                claims[i].subxact = parent;
    }
}

void add_claim(uint64 end) {
    SubTransactionId subxact = GetCurrentSubTransactionId();
    if (claim_count > 0 && claims[claim_count - 1].subxact == subxact) {
        claims[claim_count - 1].end = end;
        return;
    }
    if (claim_count == max_claims)
        throw Error(sqlstate::feature_not_supported,
                    "too many nested subtransactions flushed slow queries in one transaction");
    claims[claim_count++] = {subxact, end};
}

// One lock for every database: a flush from any database and the worker take turns.
void lock_flush() {
    pg::call([] {
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, InvalidOid, 0x41485331, 0x464c5348, 3);
        (void)LockAcquire(&tag, ExclusiveLock, false, false);
    });
}

struct Column {
    Oid type;
    ArrayBuildState *state = nullptr;
};

constexpr const char *store_sql = R"sql(
WITH e AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::float8[], $5::bigint[],
                         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                         $12::text[], $13::timestamptz[], $14::timestamptz[], $15::int[])
        AS u(query_hash, query_id, query_text, execution_time_ms, rows_returned, user_id,
             role_name, database_name, application_name, status, sqlstate, plan, started_at,
             logged_at, threshold_ms)
), logged AS (
    INSERT INTO assistant_hub.query_performance_log
        (logged_at, started_at, query_hash, query_id, query_text, execution_time_ms,
         rows_returned, user_id, role_name, database_name, application_name, status, sqlstate,
         plan)
    SELECT logged_at, started_at, query_hash, query_id, query_text, execution_time_ms,
           rows_returned, user_id::uuid, role_name, database_name, application_name, status,
           sqlstate, plan
    FROM e
)
INSERT INTO assistant_hub.slow_query_alerts AS a
    (query_hash, threshold_ms, alert_count, first_alert_at, last_alert_at)
SELECT query_hash, max(threshold_ms), count(*), min(logged_at), max(logged_at)
FROM e GROUP BY query_hash
ON CONFLICT (query_hash) DO UPDATE
SET threshold_ms = excluded.threshold_ms,
    alert_count = a.alert_count + excluded.alert_count,
    last_alert_at = greatest(a.last_alert_at, excluded.last_alert_at)
)sql";

void store(pg::SpiConnection &spi, const RingCopy &copy) {
    Column cols[15] = {{INT8OID}, {INT8OID}, {TEXTOID},        {FLOAT8OID},      {INT8OID},
                       {TEXTOID}, {TEXTOID}, {TEXTOID},        {TEXTOID},        {TEXTOID},
                       {TEXTOID}, {TEXTOID}, {TIMESTAMPTZOID}, {TIMESTAMPTZOID}, {INT4OID}};
    for (int i = 0; i < copy.count; i++) {
        const EntryHeader &h = copy.header(i);
        EntryRow row = describe_entry(copy, i);
        const EntryRow *r = &row;
        pg::call([&] {
            auto text_or_null = [](const char *s, int len) {
                return s && len > 0 ? PointerGetDatum(cstring_to_text_with_len(s, len)) : Datum(0);
            };
            Datum values[15] = {
                Int64GetDatum(r->query_hash),
                Int64GetDatum(static_cast<int64>(h.query_id)),
                PointerGetDatum(
                    cstring_to_text_with_len(r->query_text.data(), r->query_text.size())),
                Float8GetDatum(h.duration_ms),
                Int64GetDatum(static_cast<int64>(h.rows)),
                text_or_null(h.user_id, strlen(h.user_id)),
                text_or_null(r->role_name, r->role_name ? strlen(r->role_name) : 0),
                text_or_null(r->database_name, r->database_name ? strlen(r->database_name) : 0),
                text_or_null(h.application_name, strlen(h.application_name)),
                PointerGetDatum(cstring_to_text(status_name(h.status))),
                text_or_null(h.sqlstate, strlen(h.sqlstate)),
                text_or_null(r->plan.data(), r->plan.size()),
                TimestampTzGetDatum(h.started_at),
                TimestampTzGetDatum(h.finished_at),
                Int32GetDatum(h.threshold_ms),
            };
            for (int c = 0; c < 15; c++) {
                bool isnull = values[c] == Datum(0) && cols[c].type == TEXTOID;
                if (c == 1 && h.query_id == 0)
                    isnull = true;
                cols[c].state = accumArrayResult(cols[c].state, values[c], isnull, cols[c].type,
                                                 CurrentMemoryContext);
            }
        });
    }
    Datum arrays[15];
    pg::call([&] {
        for (int c = 0; c < 15; c++)
            arrays[c] = makeArrayResult(cols[c].state, CurrentMemoryContext);
    });
    Oid array_types[15] = {INT8ARRAYOID,        INT8ARRAYOID,        TEXTARRAYOID, FLOAT8ARRAYOID,
                           INT8ARRAYOID,        TEXTARRAYOID,        TEXTARRAYOID, TEXTARRAYOID,
                           TEXTARRAYOID,        TEXTARRAYOID,        TEXTARRAYOID, TEXTARRAYOID,
                           TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID};
    spi.execute(store_sql, {{array_types[0], arrays[0]},
                            {array_types[1], arrays[1]},
                            {array_types[2], arrays[2]},
                            {array_types[3], arrays[3]},
                            {array_types[4], arrays[4]},
                            {array_types[5], arrays[5]},
                            {array_types[6], arrays[6]},
                            {array_types[7], arrays[7]},
                            {array_types[8], arrays[8]},
                            {array_types[9], arrays[9]},
                            {array_types[10], arrays[10]},
                            {array_types[11], arrays[11]},
                            {array_types[12], arrays[12]},
                            {array_types[13], arrays[13]},
                            {array_types[14], arrays[14]}});
}

// The extension's own statements are never captured, whatever the threshold.
struct SuspendCapture {
    bool saved = capture_suspended;
    SuspendCapture() { capture_suspended = true; }
    ~SuspendCapture() { capture_suspended = saved; }
};

} // namespace

int64_t flush_ring() {
    require_capture_loaded();
    if (RecoveryInProgress())
        throw Error(sqlstate::read_only_sql_transaction,
                    "cannot flush slow queries during recovery",
                    "The slow-query log is written on the primary only.",
                    "Use assistant_hub.pending_slow_queries() to see what this server captured.");
    if (!callbacks_registered) {
        pg::call([] {
            RegisterXactCallback(on_xact, nullptr);
            RegisterSubXactCallback(on_subxact, nullptr);
        });
        callbacks_registered = true;
    }
    SuspendCapture suspend;
    lock_flush();
    pg::SpiConnection spi;
    int64_t total = 0;
    int max_batches = ring_stats().capacity / batch_entries + 2; // new captures do not keep us here
    for (int b = 0; b < max_batches; b++) {
        uint64 from = claim_count > 0 ? claims[claim_count - 1].end : 0;
        RingCopy copy = ring_copy_pending(from, batch_entries);
        if (copy.count == 0)
            break;
        store(spi, copy);
        add_claim(copy.end);
        total += copy.count;
        pfree(copy.data);
    }
    return total;
}

} // namespace assistant_hub::slowlog
