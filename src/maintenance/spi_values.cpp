#include "maintenance/spi_values.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
}

namespace assistant_hub::maintenance {

std::optional<std::string> text_at(uint64 row, int col) {
    char *value =
        pg::call([&] { return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col); });
    if (value == nullptr)
        return std::nullopt;
    return std::string(value);
}

int64 int64_at(uint64 row, int col) {
    bool isnull = false;
    Datum d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

bool bool_at(uint64 row, int col) {
    bool isnull = false;
    Datum d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
    return !isnull && DatumGetBool(d);
}

pg::SpiArg text_arg(const std::string &value) {
    return {TEXTOID, pg::call([&] { return PointerGetDatum(cstring_to_text(value.c_str())); })};
}

bool function_exists(pg::SpiConnection &spi, const std::string &signature) {
    spi.execute("SELECT pg_catalog.to_regprocedure($1) IS NOT NULL", {text_arg(signature)}, true);
    return bool_at(0, 1);
}

std::string quoted_name(const char *schema, const char *table) {
    return pg::call([&] { return std::string(quote_qualified_identifier(schema, table)); });
}

void report(int elevel, const std::string &message) {
    pg::call([&] { ereport(elevel, (errmsg("%s", message.c_str()))); });
}

} // namespace assistant_hub::maintenance
