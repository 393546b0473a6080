// assistant_hub._dashboard_metrics, the relation under the dashboard_metrics view: a foreign table
// whose scan computes the rows from the metric values (dashboard_metrics_rows.cpp).
//
// Why a foreign data wrapper: it is the planner's way to hand a WHERE clause to C++ code. With
// "user_id = <value>" (a constant, a parameter, or a join's outer column in a parameterized
// nested loop), the scan reads that one user's values, through one plan node, so a user's
// dashboard costs about what one index scan of a materialized view costs. Without one it reads
// every user. Its rows all have that user_id, so the clause is not checked per row; it is kept as
// the recheck of a row a concurrent writer changed (EvalPlanQual), where the scan returns its saved
// row for the outer row's new values. One user's rows come from the dashboard cache when it holds
// them valid (dashboard_cache.hpp).
#include "metrics/dashboard_cache.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
}

using namespace assistant_hub;
using namespace assistant_hub::metrics;

namespace {

constexpr AttrNumber user_id_column = 1;
constexpr double rows_per_user = 40;        // 13 or 14 weeks x 3 metrics
constexpr double users_when_unknown = 1000; // a scan of every user: a guess; it is never cheap

bool is_user_id(Node *node, Index relid) {
    auto *v = reinterpret_cast<Var *>(node);
    return node != nullptr && IsA(node, Var) && v->varno == int(relid) &&
           v->varattno == user_id_column && v->varlevelsup == 0;
}

// The other side of "user_id = x" when clause is one and x can be computed before the scan (no
// column of this relation, nothing volatile); else null.
Expr *user_id_value(PlannerInfo *root, Expr *clause, Index relid) {
    if (!IsA(clause, OpExpr))
        return nullptr;
    auto *op = reinterpret_cast<OpExpr *>(clause);
    if (list_length(op->args) != 2 || get_opcode(op->opno) != F_UUID_EQ)
        return nullptr;
    Node *left = static_cast<Node *>(linitial(op->args)),
         *right = static_cast<Node *>(lsecond(op->args));
    Node *value = is_user_id(left, relid) ? right : is_user_id(right, relid) ? left : nullptr;
    if (value == nullptr || bms_is_member(int(relid), pull_varnos(root, value)) ||
        contain_volatile_functions(value))
        return nullptr;
    return reinterpret_cast<Expr *>(value);
}

// The value of the first "user_id = x" clause of clauses, and the clause (when found).
Expr *find_user_id_value(PlannerInfo *root, List *clauses, Index relid,
                         RestrictInfo **clause = nullptr) {
    ListCell *lc;
    foreach (lc, clauses) {
        auto *rinfo = static_cast<RestrictInfo *>(lfirst(lc));
        if (Expr *value = user_id_value(root, rinfo->clause, relid)) {
            if (clause != nullptr)
                *clause = rinfo;
            return value;
        }
    }
    return nullptr;
}

void cost_path(double users, Cost *startup, Cost *total) {
    *startup = 0;
    *total = users * (rows_per_user * cpu_tuple_cost + 12 * cpu_operator_cost * rows_per_user) +
             (users > 1 ? 1000 : 0);
}

// fdw_private: the value of the relation's own "user_id = x" clause, or null.
void get_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid) {
    baserel->fdw_private = find_user_id_value(root, baserel->baserestrictinfo, baserel->relid);
    baserel->rows = rows_per_user * (baserel->fdw_private != nullptr ? 1 : users_when_unknown);
}

bool user_id_member(PlannerInfo *, RelOptInfo *rel, EquivalenceClass *, EquivalenceMember *em,
                    void *) {
    return is_user_id(reinterpret_cast<Node *>(em->em_expr), rel->relid);
}

void get_paths(PlannerInfo *root, RelOptInfo *baserel, Oid) {
    Cost startup, total;
    bool one_user = baserel->fdw_private != nullptr;
    cost_path(one_user ? 1 : users_when_unknown, &startup, &total);
    add_path(baserel, reinterpret_cast<Path *>(create_foreignscan_path(
                          root, baserel, nullptr, baserel->rows, startup, total, NIL,
                          baserel->lateral_relids, nullptr, NIL)));
    if (one_user)
        return;
    // "user_id = other.column" of a join: a path run once per outer row with that row's user.
    List *clauses = generate_implied_equalities_for_column(root, baserel, user_id_member, nullptr,
                                                           baserel->lateral_referencers);
    ListCell *lc;
    foreach (lc, clauses) {
        auto *rinfo = static_cast<RestrictInfo *>(lfirst(lc));
        Relids outer = bms_union(bms_difference(rinfo->clause_relids, baserel->relids),
                                 baserel->lateral_relids);
        if (bms_is_empty(outer))
            continue;
        cost_path(1, &startup, &total);
        add_path(baserel, reinterpret_cast<Path *>(
                              create_foreignscan_path(root, baserel, nullptr, rows_per_user,
                                                      startup, total, NIL, outer, nullptr, NIL)));
    }
}

ForeignScan *get_plan(PlannerInfo *root, RelOptInfo *baserel, Oid, ForeignPath *best_path,
                      List *tlist, List *scan_clauses, Plan *outer_plan) {
    RestrictInfo *clause = nullptr;
    Expr *value = find_user_id_value(root, scan_clauses, baserel->relid, &clause);
    List *fdw_exprs = value != nullptr ? list_make1(value) : NIL;
    (void)best_path;
    // Every row of a one-user scan has user_id = the value (the key it was read by): that clause
    // needs no check per row, only in an EvalPlanQual recheck. Any other clause stays a filter.
    List *recheck = clause != nullptr ? list_make1(clause->clause) : NIL;
    return make_foreignscan(
        tlist, extract_actual_clauses(list_delete_ptr(list_copy(scan_clauses), clause), false),
        baserel->relid, fdw_exprs, NIL, NIL, recheck, outer_plan);
}

// The scan's state. Plain data in the executor's memory: an error needs no C++ cleanup.
struct ScanState {
    ExprState *user_id;        // or null: every user
    MemoryContext rows_memory; // one user's rows; reset for the next
    DashboardReader *reader;   // opened by the first fetch (EXPLAIN alone never opens it)
    DashboardKeys *keys;       // scanning every user: the users, and the next one's index
    size_t next_key;
    DashboardRows *rows;
    size_t next_row;
    bool fetched;                               // rows hold what the current parameters select
    int64 cached, cached_with_deltas, computed; // one-user reads, by how they were served
    int8 direct; // dashboard_direct_read() for this scan (privileges checked once); -1: not yet
};

void begin_scan(ForeignScanState *node, int) {
    auto *plan = reinterpret_cast<ForeignScan *>(node->ss.ps.plan);
    auto *s = static_cast<ScanState *>(palloc0(sizeof(ScanState)));
    s->direct = -1;
    if (plan->fdw_exprs != NIL)
        s->user_id = ExecInitExpr(static_cast<Expr *>(linitial(plan->fdw_exprs)), &node->ss.ps);
    s->rows_memory = AllocSetContextCreate(CurrentMemoryContext, "dashboard_metrics rows",
                                           ALLOCSET_DEFAULT_SIZES);
    node->fdw_state = s;
}

DashboardReader *reader(ForeignScanState *node, ScanState *s) {
    if (s->reader == nullptr)
        s->reader =
            DashboardReader::open(node->ss.ps.state->es_snapshot, node->ss.ps.state->es_query_cxt);
    return s->reader;
}

// Loads the next user's rows; false when there is none.
bool load_rows(ForeignScanState *node, ScanState *s) {
    pg::call([&] { MemoryContextReset(s->rows_memory); });
    void *p = pg::call([&] { return MemoryContextAlloc(s->rows_memory, sizeof(DashboardRows)); });
    s->rows = new (p) DashboardRows(pg::make_in<DashboardRows>(s->rows_memory));
    s->next_row = 0;
    if (s->user_id != nullptr) {
        if (s->fetched)
            return false;
        s->fetched = true;
        bool isnull = false;
        Datum key = pg::call([&] {
            return ExecEvalExprSwitchContext(s->user_id, node->ss.ps.ps_ExprContext, &isnull);
        });
        if (isnull)
            return true;
        const pg_uuid_t &user = *DatumGetUUIDP(key);
        if (s->direct < 0)
            s->direct = dashboard_direct_read(dashboard_relations());
        switch (read_cached_rows(node->ss.ps.state->es_snapshot, user, s->direct == 1, *s->rows,
                                 s->rows_memory)) {
        case CachedRead::cached:
            s->cached++;
            break;
        case CachedRead::with_deltas:
            s->cached_with_deltas++;
            break;
        case CachedRead::miss:
            s->computed++;
            reader(node, s)->rows_of(user, *s->rows, s->rows_memory);
            break;
        }
        return true;
    }
    if (s->keys == nullptr)
        s->keys = reader(node, s)->keys();
    if (s->next_key >= s->keys->size())
        return false;
    s->reader->rows_of((*s->keys)[s->next_key++], *s->rows, s->rows_memory);
    return true;
}

// The next loaded row into the slot; false when every loaded row was returned. Clearing the slot
// and storing values in it as a virtual tuple raise no error.
bool next_loaded_row(ScanState *s, TupleTableSlot *slot) {
    if (s->rows == nullptr || s->next_row >= s->rows->size())
        return false;
    const DashboardRow &row = (*s->rows)[s->next_row++];
    ExecClearTuple(slot);
    for (int i = 0; i < dashboard_columns; i++) {
        slot->tts_values[i] = row.values[i];
        slot->tts_isnull[i] = row.nulls[i];
    }
    ExecStoreVirtualTuple(slot);
    return true;
}

TupleTableSlot *load_and_iterate(ForeignScanState *node) {
    auto *s = static_cast<ScanState *>(node->fdw_state);
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    pg::call([&] { ExecClearTuple(slot); });
    while (!next_loaded_row(s, slot))
        if (!load_rows(node, s))
            return slot;
    return slot;
}

void rescan(ForeignScanState *node) {
    auto *s = static_cast<ScanState *>(node->fdw_state);
    s->rows = nullptr;
    s->next_row = 0;
    s->next_key = 0;
    s->fetched = false;
}

void end_scan(ForeignScanState *node) {
    auto *s = static_cast<ScanState *>(node->fdw_state);
    if (s != nullptr && s->reader != nullptr)
        s->reader->close();
}

void explain_scan(ForeignScanState *node, ExplainState *es) {
    auto *plan = reinterpret_cast<ForeignScan *>(node->ss.ps.plan);
    ExplainPropertyText("Dashboard Rows", plan->fdw_exprs != NIL ? "one user" : "every user", es);
    auto *s = static_cast<ScanState *>(node->fdw_state);
    if (es->analyze && s != nullptr && plan->fdw_exprs != NIL) {
        ExplainPropertyInteger("Users From Cache", nullptr, s->cached, es);
        ExplainPropertyInteger("Users From Cache And Deltas", nullptr, s->cached_with_deltas, es);
        ExplainPropertyInteger("Users Computed", nullptr, s->computed, es);
    }
}

} // namespace

// The callbacks run inside PostgreSQL's planner and executor: each body runs under pg::call (a
// PostgreSQL error becomes an exception) inside pg::guard (which raises it again as an ERROR).
namespace {
template <auto F, typename... A> auto guarded(A... a) {
    return pg::guard([&] { return pg::call([&] { return F(a...); }); });
}

// Per row: a loaded row is returned without the guards' cost (next_loaded_row raises nothing);
// loading the next rows runs guarded.
TupleTableSlot *iterate(ForeignScanState *node) {
    if (next_loaded_row(static_cast<ScanState *>(node->fdw_state), node->ss.ss_ScanTupleSlot))
        return node->ss.ss_ScanTupleSlot;
    return guarded<load_and_iterate, ForeignScanState *>(node);
}
} // namespace

AH_SQL_FUNCTION(dashboard_metrics_handler) {
    return pg::guard([&] {
        FdwRoutine *routine = makeNode(FdwRoutine);
        routine->GetForeignRelSize = guarded<get_rel_size, PlannerInfo *, RelOptInfo *, Oid>;
        routine->GetForeignPaths = guarded<get_paths, PlannerInfo *, RelOptInfo *, Oid>;
        routine->GetForeignPlan = guarded<get_plan, PlannerInfo *, RelOptInfo *, Oid, ForeignPath *,
                                          List *, List *, Plan *>;
        routine->BeginForeignScan = guarded<begin_scan, ForeignScanState *, int>;
        routine->IterateForeignScan = iterate;
        routine->ReScanForeignScan = guarded<rescan, ForeignScanState *>;
        routine->EndForeignScan = guarded<end_scan, ForeignScanState *>;
        routine->ExplainForeignScan = guarded<explain_scan, ForeignScanState *, ExplainState *>;
        return PointerGetDatum(routine);
    });
}
