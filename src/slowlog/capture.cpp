// The fast path runs for every statement: a check of the threshold and the nesting level, and two
// clock reads around ExecutorRun (and ExecutorFinish when it has work), added up in a per-level
// frame: no allocation, no Instrumentation, nothing shared. Only a statement past the threshold
// reaches the ring (its LWLock). Statements that fail are caught on their way out of
// ExecutorRun/ExecutorFinish/ProcessUtility (PG_CATCH, where the nesting level is restored anyway)
// and captured with the error's SQLSTATE before the error continues.
#include "slowlog/capture.hpp"

#include <cstring>
#include <ctime>

#include "pg/guard.hpp"
#include "slowlog/ring.hpp"
#include "slowlog/settings.hpp"

extern "C" {
#include "access/parallel.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "parser/scansup.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
}

namespace assistant_hub::slowlog {

bool capture_suspended = false;

namespace {

ExecutorStart_hook_type prev_executor_start = nullptr;
ExecutorRun_hook_type prev_executor_run = nullptr;
ExecutorFinish_hook_type prev_executor_finish = nullptr;
ExecutorEnd_hook_type prev_executor_end = nullptr;
ProcessUtility_hook_type prev_process_utility = nullptr;

int nesting_level = 0;

// Execution time of the statement started at each nesting level. A level holds one statement at a
// time; a portal interleaved with another at its level (rare) is simply not timed.
struct Frame {
    QueryDesc *query;
    int64 executing_ns;
};

// CLOCK_MONOTONIC in nanoseconds: cheaper to add up than instr_time's normalized timespecs.
inline int64 now_ns() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
constexpr int max_tracked_level = 32;
Frame frames[max_tracked_level];

inline Frame *frame_of(QueryDesc *qd) {
    if (nesting_level >= max_tracked_level || frames[nesting_level].query != qd)
        return nullptr;
    return &frames[nesting_level];
}

inline bool tracking() {
    return slow_query_ms >= 0 && (nesting_level == 0 || track_nested) && !capture_suspended &&
           !IsParallelWorker();
}

// The statement's own text inside a multi-statement query string.
void statement_text(const char *source, int location, int length, const char **text, int *len) {
    if (source == nullptr) {
        *text = "";
        *len = 0;
        return;
    }
    int total = static_cast<int>(strlen(source));
    if (location < 0 || location > total) {
        location = 0;
        length = total;
    } else if (length <= 0 || location + length > total) {
        length = total - location;
    }
    const char *s = source + location;
    while (length > 0 && scanner_isspace(*s)) {
        s++;
        length--;
    }
    while (length > 0 && (scanner_isspace(s[length - 1]) || s[length - 1] == ';'))
        length--;
    *text = s;
    *len = length;
}

void fill_common(EntryHeader &h, double ms, int sqlerrcode) {
    h.finished_at = GetCurrentTimestamp();
    h.started_at = h.finished_at - static_cast<TimestampTz>(ms * 1000.0);
    h.duration_ms = ms;
    h.database_id = MyDatabaseId;
    h.role_id = GetUserId();
    h.encoding = GetDatabaseEncoding();
    h.threshold_ms = slow_query_ms;
    if (sqlerrcode == 0) {
        h.status = Status::ok;
    } else {
        h.status = sqlerrcode == ERRCODE_QUERY_CANCELED ? Status::cancelled : Status::error;
        std::memcpy(h.sqlstate, unpack_sql_state(sqlerrcode), 6);
    }
    const char *user_id = GetConfigOption("assistant_hub.user_id", true, false);
    if (user_id)
        strlcpy(h.user_id, user_id, sizeof h.user_id);
    if (application_name)
        strlcpy(h.application_name, application_name, sizeof h.application_name);
}

// EXPLAIN (costs off) of a finished statement; literals in it are normalized away at flush.
void plan_text(QueryDesc *qd, const char **plan, int *plan_len) {
    pg::call([&] {
        ExplainState *es = NewExplainState();
        es->format = EXPLAIN_FORMAT_TEXT;
        es->costs = false;
        ExplainBeginOutput(es);
        ExplainPrintPlan(es, qd);
        ExplainEndOutput(es);
        if (es->str->len > 0 && es->str->data[es->str->len - 1] == '\n')
            es->str->data[--es->str->len] = '\0';
        *plan = es->str->data;
        *plan_len = es->str->len;
    });
}

void capture_execution(QueryDesc *qd, double ms, int sqlerrcode) {
    EntryHeader h{};
    fill_common(h, ms, sqlerrcode);
    h.query_id = qd->plannedstmt->queryId;
    h.rows = qd->estate ? qd->estate->es_processed : 0;
    const char *text, *plan = nullptr;
    int text_len, plan_len = 0;
    statement_text(qd->sourceText, qd->plannedstmt->stmt_location, qd->plannedstmt->stmt_len, &text,
                   &text_len);
    if (log_plans && sqlerrcode == 0)
        plan_text(qd, &plan, &plan_len);
    ring_push(h, text, text_len, plan, plan_len);
}

void capture_utility(PlannedStmt *pstmt, const char *query_string, double ms, uint64 rows,
                     int sqlerrcode) {
    EntryHeader h{};
    fill_common(h, ms, sqlerrcode);
    h.query_id = pstmt->queryId;
    h.rows = rows;
    const char *text;
    int text_len;
    statement_text(query_string, pstmt->stmt_location, pstmt->stmt_len, &text, &text_len);
    ring_push(h, text, text_len, nullptr, 0);
}

// Called in PG_CATCH: must not raise an error itself, so nothing here allocates but the ring's
// fixed slots.
void capture_failed_execution(QueryDesc *qd, int64 step_start_ns) {
    Frame *f = frame_of(qd);
    if (f == nullptr || !tracking())
        return;
    f->executing_ns += now_ns() - step_start_ns;
    double ms = f->executing_ns / 1e6;
    f->query = nullptr;
    if (ms >= slow_query_ms)
        capture_execution(qd, ms, geterrcode());
}

void on_executor_start(QueryDesc *qd, int eflags) {
    if (prev_executor_start)
        prev_executor_start(qd, eflags);
    else
        standard_ExecutorStart(qd, eflags);
    if (nesting_level < max_tracked_level) {
        Frame &f = frames[nesting_level];
        f.query = tracking() ? qd : nullptr;
        f.executing_ns = 0;
    }
}

// Runs one step of a statement (ExecutorRun or ExecutorFinish) one nesting level deeper, adding
// its duration to the statement's frame; a failing step captures the statement on its way out.
template <typename Step> void timed_step(QueryDesc *qd, Step step) {
    Frame *volatile f = frame_of(qd); // volatile: read in PG_CATCH after the longjmp
    const int64 start = f ? now_ns() : 0;
    nesting_level++;
    PG_TRY();
    { step(); }
    PG_CATCH();
    {
        nesting_level--;
        if (f)
            capture_failed_execution(qd, start);
        PG_RE_THROW();
    }
    PG_END_TRY();
    nesting_level--;
    if (f)
        f->executing_ns += now_ns() - start;
}

void on_executor_run(QueryDesc *qd, ScanDirection direction, uint64 count, bool execute_once) {
    timed_step(qd, [&] {
        if (prev_executor_run)
            prev_executor_run(qd, direction, count, execute_once);
        else
            standard_ExecutorRun(qd, direction, count, execute_once);
    });
}

void on_executor_finish(QueryDesc *qd) {
    // A SELECT without data-modifying WITH has nothing to finish (no AFTER triggers, no
    // ModifyTable to post-process) and runs no statement inside: the fast path skips it.
    if (qd->operation == CMD_SELECT && !qd->plannedstmt->hasModifyingCTE) {
        if (prev_executor_finish)
            prev_executor_finish(qd);
        else
            standard_ExecutorFinish(qd);
        return;
    }
    timed_step(qd, [&] {
        if (prev_executor_finish)
            prev_executor_finish(qd);
        else
            standard_ExecutorFinish(qd);
    });
}

void on_executor_end(QueryDesc *qd) {
    if (Frame *f = frame_of(qd)) {
        f->query = nullptr;
        double ms = f->executing_ns / 1e6;
        if (ms >= slow_query_ms && tracking())
            pg::guard([&] { capture_execution(qd, ms, 0); });
    }
    if (prev_executor_end)
        prev_executor_end(qd);
    else
        standard_ExecutorEnd(qd);
}

void on_process_utility(PlannedStmt *pstmt, const char *query_string, bool read_only_tree,
                        ProcessUtilityContext context, ParamListInfo params,
                        QueryEnvironment *query_env, DestReceiver *dest, QueryCompletion *qc) {
    volatile bool track = tracking();
    const int64 start = track ? now_ns() : 0;
    nesting_level++;
    PG_TRY();
    {
        if (prev_process_utility)
            prev_process_utility(pstmt, query_string, read_only_tree, context, params, query_env,
                                 dest, qc);
        else
            standard_ProcessUtility(pstmt, query_string, read_only_tree, context, params, query_env,
                                    dest, qc);
    }
    PG_CATCH();
    {
        nesting_level--;
        double ms = track ? (now_ns() - start) / 1e6 : 0;
        if (track && ms >= slow_query_ms && !capture_suspended)
            capture_utility(pstmt, query_string, ms, 0, geterrcode());
        PG_RE_THROW();
    }
    PG_END_TRY();
    nesting_level--;
    double ms = track ? (now_ns() - start) / 1e6 : 0;
    if (track && ms >= slow_query_ms)
        pg::guard([&] { capture_utility(pstmt, query_string, ms, qc ? qc->nprocessed : 0, 0); });
}

} // namespace

void install_capture_hooks() {
    prev_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = on_executor_start;
    prev_executor_run = ExecutorRun_hook;
    ExecutorRun_hook = on_executor_run;
    prev_executor_finish = ExecutorFinish_hook;
    ExecutorFinish_hook = on_executor_finish;
    prev_executor_end = ExecutorEnd_hook;
    ExecutorEnd_hook = on_executor_end;
    prev_process_utility = ProcessUtility_hook;
    ProcessUtility_hook = on_process_utility;
}

} // namespace assistant_hub::slowlog
