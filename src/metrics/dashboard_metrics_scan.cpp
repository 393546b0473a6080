// assistant_hub._dashboard_metrics, the relation under the dashboard_metrics view: a foreign table
// whose scan computes the rows from the metric values (dashboard_metrics_rows.cpp).
//
// Why a foreign data wrapper: it is the planner's way to hand a WHERE clause to C++ code. With
// "user_id = <value>" (a constant, a parameter, or a join's outer column in a parameterized
// nested loop), the scan reads that one user's values, through one plan node, so a user's
// dashboard costs about what one index scan of a materialized view costs. Without one it reads
// every user. The clause stays a filter too, so rows are always right whatever the plan.
#include "metrics/dashboard_metrics_rows.hpp"
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

Expr *find_user_id_value(PlannerInfo *root, List *clauses, Index relid) {
    ListCell *lc;
    foreach (lc, clauses) {
        auto *rinfo = static_cast<RestrictInfo *>(lfirst(lc));
        if (Expr *value = user_id_value(root, rinfo->clause, relid))
            return value;
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
    Expr *value = find_user_id_value(root, scan_clauses, baserel->relid);
    List *fdw_exprs = value != nullptr ? list_make1(value) : NIL;
    (void)best_path;
    return make_foreignscan(tlist, extract_actual_clauses(scan_clauses, false), baserel->relid,
                            fdw_exprs, NIL, NIL, NIL, outer_plan);
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
    bool fetched; // rows hold what the current parameters select
};

void begin_scan(ForeignScanState *node, int) {
    auto *plan = reinterpret_cast<ForeignScan *>(node->ss.ps.plan);
    auto *s = static_cast<ScanState *>(palloc0(sizeof(ScanState)));
    if (plan->fdw_exprs != NIL)
        s->user_id = ExecInitExpr(static_cast<Expr *>(linitial(plan->fdw_exprs)), &node->ss.ps);
    s->rows_memory = AllocSetContextCreate(CurrentMemoryContext, "dashboard_metrics rows",
                                           ALLOCSET_DEFAULT_SIZES);
    node->fdw_state = s;
}

// Loads the next user's rows; false when there is none.
bool load_rows(ForeignScanState *node, ScanState *s) {
    MemoryContext query_memory = node->ss.ps.state->es_query_cxt;
    if (s->reader == nullptr)
        s->reader = DashboardReader::open(node->ss.ps.state->es_snapshot, query_memory);
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
        if (!isnull)
            s->reader->rows_of(*DatumGetUUIDP(key), *s->rows, s->rows_memory);
        return true;
    }
    if (s->keys == nullptr)
        s->keys = s->reader->keys();
    if (s->next_key >= s->keys->size())
        return false;
    s->reader->rows_of((*s->keys)[s->next_key++], *s->rows, s->rows_memory);
    return true;
}

TupleTableSlot *iterate(ForeignScanState *node) {
    auto *s = static_cast<ScanState *>(node->fdw_state);
    TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
    pg::call([&] { ExecClearTuple(slot); });
    while (s->rows == nullptr || s->next_row >= s->rows->size())
        if (!load_rows(node, s))
            return slot;
    const DashboardRow &row = (*s->rows)[s->next_row++];
    for (int i = 0; i < dashboard_columns; i++) {
        slot->tts_values[i] = row.values[i];
        slot->tts_isnull[i] = row.nulls[i];
    }
    pg::call([&] { ExecStoreVirtualTuple(slot); });
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
}

} // namespace

// The callbacks run inside PostgreSQL's planner and executor: each body runs under pg::call (a
// PostgreSQL error becomes an exception) inside pg::guard (which raises it again as an ERROR).
namespace {
template <auto F, typename... A> auto guarded(A... a) {
    return pg::guard([&] { return pg::call([&] { return F(a...); }); });
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
        routine->IterateForeignScan = guarded<iterate, ForeignScanState *>;
        routine->ReScanForeignScan = guarded<rescan, ForeignScanState *>;
        routine->EndForeignScan = guarded<end_scan, ForeignScanState *>;
        routine->ExplainForeignScan = guarded<explain_scan, ForeignScanState *, ExplainState *>;
        return PointerGetDatum(routine);
    });
}
