#include <exception>

#include "pg/spi.hpp"
#include "pg/palloc_allocator.hpp"

namespace assistant_hub::pg {

SpiConnection::SpiConnection(int options) : uncaught_at_start_(std::uncaught_exceptions()) {
    int rc = call([&] { return SPI_connect_ext(options); });
    if (rc != SPI_OK_CONNECT)
        throw Error(sqlstate::internal_error, "could not connect to SPI");
}

SpiConnection::~SpiConnection() {
    // When an exception is unwinding, the transaction is about to abort and AtEOXact_SPI cleans up;
    // calling SPI_finish on a half-finished SPI call stack could itself raise.
    if (std::uncaught_exceptions() > uncaught_at_start_)
        return;
    SPI_finish();
}

uint64 SpiConnection::execute(const char *sql, std::initializer_list<SpiArg> args, bool read_only,
                              long max_rows) {
    SmallVector<Oid, 8> types;
    SmallVector<Datum, 8> values;
    SmallVector<char, 8> nulls;
    for (const SpiArg &a : args) {
        types.push_back(a.type);
        values.push_back(a.value);
        nulls.push_back(a.isnull ? 'n' : ' ');
    }
    int nargs = static_cast<int>(types.size());
    int rc = call([&] {
        return SPI_execute_with_args(sql, nargs, types.data(), values.data(), nulls.data(),
                                     read_only, max_rows);
    });
    if (rc < 0)
        throw Error(sqlstate::internal_error,
                    std::string("SPI_execute_with_args failed: ") + SPI_result_code_string(rc));
    return SPI_processed;
}

SPIPlanPtr SpiConnection::kept_plan(SPIPlanPtr *plan, const char *sql,
                                    std::initializer_list<Oid> types) {
    if (*plan != nullptr)
        return *plan;
    SmallVector<Oid, 8> argtypes(types.begin(), types.end());
    SPIPlanPtr prepared =
        call([&] { return SPI_prepare(sql, static_cast<int>(argtypes.size()), argtypes.data()); });
    if (prepared == nullptr)
        throw Error(sqlstate::internal_error,
                    std::string("SPI_prepare failed: ") + SPI_result_code_string(SPI_result));
    call([&] { SPI_keepplan(prepared); });
    *plan = prepared;
    return prepared;
}

uint64 SpiConnection::execute_plan(SPIPlanPtr plan, std::initializer_list<SpiArg> args,
                                   bool read_only, long max_rows) {
    SmallVector<Datum, 8> values;
    SmallVector<char, 8> nulls;
    for (const SpiArg &a : args) {
        values.push_back(a.value);
        nulls.push_back(a.isnull ? 'n' : ' ');
    }
    int rc = call(
        [&] { return SPI_execute_plan(plan, values.data(), nulls.data(), read_only, max_rows); });
    if (rc < 0)
        throw Error(sqlstate::internal_error,
                    std::string("SPI_execute_plan failed: ") + SPI_result_code_string(rc));
    return SPI_processed;
}

} // namespace assistant_hub::pg
