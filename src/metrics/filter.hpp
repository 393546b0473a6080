// A metric's filter: one boolean expression over its source's columns, parsed on its own (never
// spliced into other SQL text) with search_path pinned to pg_catalog, pg_temp. It is stored as the
// canonical text of the parsed expression (names, not OIDs, so pg_dump/pg_restore keep it valid)
// and parsed again, with the same checks, wherever it is used.
#pragma once

#include <string>

#include "pg/postgres.hpp"

extern "C" {
#include "nodes/nodes.h"
}

namespace assistant_hub::metrics {

// The filter as an expression tree over source (Vars with varno 1), in CurrentMemoryContext.
// Throws (with a proper SQLSTATE) when it is not one boolean expression, uses a subquery, a
// function that is not immutable, a system column or the whole row.
Node *parse_filter(Oid source, const char *filter);

// The canonical text of a parsed filter.
std::string filter_text(Oid source, Node *filter);

} // namespace assistant_hub::metrics
