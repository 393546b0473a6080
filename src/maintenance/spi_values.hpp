// Reading the rows of the last SPI statement into C++ values (copied out of SPI memory at once).
#pragma once

#include <optional>
#include <string>

#include "pg/spi.hpp"

namespace assistant_hub::maintenance {

// Column col (1-based) of row of SPI_tuptable, as text; nullopt for NULL.
std::optional<std::string> text_at(uint64 row, int col);
// Column col of row as a bigint (the statement casts to bigint); 0 for NULL.
int64 int64_at(uint64 row, int col);
// Column col of row as a boolean; false for NULL.
bool bool_at(uint64 row, int col);

// A text SPI parameter; the string must outlive the execute() call.
pg::SpiArg text_arg(const std::string &value);

// Whether a function with this signature exists, e.g. "assistant_hub.flush_slow_queries()".
bool function_exists(pg::SpiConnection &spi, const std::string &signature);

// schema.table, each part quoted where needed (as format('%I.%I') does).
std::string quoted_name(const char *schema, const char *table);

// Sends a NOTICE (or another non-error level) to the client.
void report(int elevel, const std::string &message);

} // namespace assistant_hub::maintenance
