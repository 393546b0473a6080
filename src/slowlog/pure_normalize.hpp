// Query text normalization, pure C++ (no PostgreSQL headers) so that it is unit-tested without a
// server. Every literal (strings in all their forms, dollar-quoted bodies, numbers) becomes $n and
// comments are dropped, so no literal written in a query reaches a table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace assistant_hub::slowlog {

// Replaces literals with $n (numbered after the highest $n already in the text), drops comments
// and collapses runs of whitespace. Unterminated literals (a text cut at its truncation point) are
// replaced up to the end. Bytes >= 0x80 are treated as identifier characters, so any encoding,
// valid or not, passes through without breaking the scan. keep_layout keeps whitespace as it is
// (for plans, whose lines and indentation carry the tree).
std::string normalize_query(std::string_view text, bool keep_layout = false);

// A stable 64-bit hash (FNV-1a) of a normalized text: the query_hash of the log and the alerts.
int64_t query_hash(std::string_view normalized);

} // namespace assistant_hub::slowlog
