// SPI access from C++: a connection that is finished on every path, and statements whose values are
// always passed as parameters (never pasted into SQL text).
#pragma once

#include <initializer_list>

#include "pg/guard.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace assistant_hub::pg {

// One SPI parameter: its type, value and null flag.
struct SpiArg {
    Oid type;
    Datum value;
    bool isnull = false;
};

class SpiConnection {
  public:
    // options: SPI_connect_ext's, e.g. SPI_OPT_NONATOMIC for a procedure that commits.
    explicit SpiConnection(int options = 0);
    ~SpiConnection();
    SpiConnection(const SpiConnection &) = delete;
    SpiConnection &operator=(const SpiConnection &) = delete;

    // Runs sql with $1..$n bound to args; returns SPI_processed. Results stay in SPI_tuptable
    // until the next call. Throws PgError on a PostgreSQL error.
    uint64 execute(const char *sql, std::initializer_list<SpiArg> args = {}, bool read_only = false,
                   long max_rows = 0);

    // A plan for sql with parameters of these types, prepared on first use and kept for the rest
    // of the session (*plan caches it); the plan cache replans it when what it reads changes.
    SPIPlanPtr kept_plan(SPIPlanPtr *plan, const char *sql, std::initializer_list<Oid> types);
    // Runs a prepared plan like execute().
    uint64 execute_plan(SPIPlanPtr plan, std::initializer_list<SpiArg> args, bool read_only,
                        long max_rows = 0);

  private:
    int uncaught_at_start_;
};

} // namespace assistant_hub::pg
