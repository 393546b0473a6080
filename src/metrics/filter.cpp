// Metric filters (see filter.hpp). A filter must give the same answer whenever and by whomever it
// is evaluated, since the trigger code evaluates it on changed rows and the recount in SQL: so no
// subqueries, no functions that are not immutable (volatile ones such as random(), and stable ones
// such as now()), no system or whole-row columns.
#include <string>

#include "metrics/filter.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/table.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
}

using namespace assistant_hub;

namespace {

// The one expression of a filter's text, or an error if the text is anything else.
Node *parse_expression(const char *filter) {
    List *raw = pg::call([&] { return raw_parser(filter, RAW_PARSE_PLPGSQL_EXPR); });
    auto *stmt = castNode(RawStmt, linitial(raw));
    auto *select = reinterpret_cast<SelectStmt *>(stmt->stmt);
    bool only_an_expression =
        list_length(raw) == 1 && IsA(select, SelectStmt) && list_length(select->targetList) == 1 &&
        select->distinctClause == NIL && select->intoClause == nullptr &&
        select->fromClause == NIL && select->whereClause == nullptr && select->groupClause == NIL &&
        select->havingClause == nullptr && select->windowClause == NIL &&
        select->valuesLists == NIL && select->sortClause == NIL && select->limitOffset == nullptr &&
        select->limitCount == nullptr && select->lockingClause == NIL &&
        select->withClause == nullptr && select->op == SETOP_NONE;
    if (!only_an_expression)
        throw Error(sqlstate::syntax_error, "metric filter must be a single expression",
                    std::string("filter: ") + filter,
                    "Write a boolean condition over the source's columns, such as status = "
                    "'completed'.");
    auto *target = castNode(ResTarget, linitial(select->targetList));
    if (target->name != nullptr)
        throw Error(sqlstate::syntax_error, "metric filter must be a single expression",
                    std::string("filter: ") + filter);
    return target->val;
}

bool has_system_or_whole_row_var(Node *node, void *) {
    if (node == nullptr)
        return false;
    if (IsA(node, Var))
        return reinterpret_cast<Var *>(node)->varattno <= 0;
    return expression_tree_walker(
        node, reinterpret_cast<bool (*)()>(reinterpret_cast<void *>(has_system_or_whole_row_var)),
        nullptr);
}

// Runs f with search_path = pg_catalog, pg_temp, so that names in a filter always mean the same
// objects, whatever the session's search_path.
template <typename F> auto with_pinned_search_path(F &&f) {
    int level = pg::call([] {
        int l = NewGUCNestLevel();
        set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_SAVE, true, 0, false);
        return l;
    });
    // On an exception the (sub)transaction aborts, and its end restores the setting.
    auto result = f();
    pg::call([&] { AtEOXact_GUC(true, level); });
    return result;
}

} // namespace

namespace assistant_hub::metrics {

Node *parse_filter(Oid source, const char *filter) {
    return with_pinned_search_path([&] {
        Node *raw = parse_expression(filter);
        bool has_subquery = false;
        Node *expr = pg::call([&] {
            ParseState *pstate = make_parsestate(nullptr);
            pstate->p_sourcetext = filter;
            Relation rel = table_open(source, AccessShareLock);
            ParseNamespaceItem *item =
                addRangeTableEntryForRelation(pstate, rel, AccessShareLock, nullptr, false, true);
            addNSItemToQuery(pstate, item, true, true, true);
            Node *e = transformExpr(pstate, raw, EXPR_KIND_WHERE);
            e = coerce_to_boolean(pstate, e, "metric filter");
            assign_expr_collations(pstate, e);
            has_subquery = pstate->p_hasSubLinks;
            table_close(rel, NoLock);
            free_parsestate(pstate);
            return e;
        });
        if (has_subquery)
            throw Error(
                sqlstate::feature_not_supported, "metric filter must not contain a subquery",
                std::string("filter: ") + filter, "A filter sees one row of the source at a time.");
        if (pg::call([&] { return contain_mutable_functions(expr); }))
            throw Error(sqlstate::invalid_parameter_value,
                        "metric filter must use only immutable functions",
                        std::string("filter: ") + filter,
                        "A volatile or stable function (random(), now(), ...) would count a row "
                        "differently when it is written and when it is recounted.");
        if (has_system_or_whole_row_var(expr, nullptr))
            throw Error(sqlstate::feature_not_supported,
                        "metric filter must not use system columns or the whole row",
                        std::string("filter: ") + filter);
        return expr;
    });
}

std::string filter_text(Oid source, Node *filter) {
    return with_pinned_search_path([&] {
        char *text = pg::call([&] {
            List *context = deparse_context_for(get_rel_name(source), source);
            return deparse_expression(filter, context, false, false);
        });
        return std::string(text);
    });
}

} // namespace assistant_hub::metrics

using namespace assistant_hub;

// assistant_hub._metric_parse_filter(source, filter): the canonical text of a valid filter (null
// for null), or an error saying what is wrong with it.
AH_SQL_FUNCTION(metric_parse_filter) {
    return pg::guard([&]() -> Datum {
        if (PG_ARGISNULL(1))
            PG_RETURN_NULL();
        if (PG_ARGISNULL(0))
            throw Error(sqlstate::null_value_not_allowed,
                        "_metric_parse_filter: argument \"source\" must not be null");
        Oid source = PG_GETARG_OID(0);
        char *filter = pg::call([&] { return text_to_cstring(PG_GETARG_TEXT_PP(1)); });
        std::string canonical = metrics::filter_text(source, metrics::parse_filter(source, filter));
        return pg::call([&] { return PointerGetDatum(cstring_to_text(canonical.c_str())); });
    });
}
