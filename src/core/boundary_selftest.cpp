// assistant_hub.boundary_selftest(kind): raises errors from deep inside C++ frames that own
// objects with destructors, so the regression tests can show that each kind of failure surfaces as
// a normal ERROR with its SQLSTATE, that the destructors ran, and that the session stays usable.
#include <stdexcept>
#include <string>

#include "pg/guard.hpp"
#include "pg/palloc_allocator.hpp"

using namespace assistant_hub;

namespace {

int64 destructor_runs = 0;

// Counts its own destruction: proof that unwinding ran through the frames that own one.
struct Sentinel {
    ~Sentinel() { destructor_runs++; }
};

Datum integer_overflow() {
    Sentinel s;
    return pg::call([] { return DirectFunctionCall2(int4pl, Int32GetDatum(PG_INT32_MAX), 1); });
}

int64 fill_map(MemoryContext context, int n) {
    auto map = pg::make_in<pg::FlatMap<int, int64>>(context);
    for (int i = 0; i < n; i++)
        map.emplace(n - i, i);
    int64 sum = 0;
    for (auto &[k, v] : map)
        sum += k;
    return sum;
}

int64 run(const std::string &kind, int depth) {
    Sentinel s;
    if (depth > 0)
        return run(kind, depth - 1);
    if (kind == "ok")
        return 0;
    if (kind == "cpp_error")
        throw Error(sqlstate::invalid_parameter_value, "selftest: error thrown in C++",
                    "raised three frames deep", "this is what a hint looks like");
    if (kind == "pg_error")
        return DatumGetInt32(integer_overflow());
    if (kind == "bad_alloc") {
        auto huge = pg::make_in<pg::Vector<char>>(CurrentMemoryContext);
        huge.reserve(size_t(1) << 62);
        return 0;
    }
    if (kind == "std_error")
        throw std::logic_error("selftest: a bug");
    if (kind == "container") {
        MemoryContext context = pg::call([] {
            return AllocSetContextCreate(CurrentMemoryContext, "assistant_hub selftest",
                                         ALLOCSET_DEFAULT_SIZES);
        });
        int64 sum = fill_map(context, 10000);
        MemoryContextDelete(context);
        return sum;
    }
    if (kind == "destructors")
        return destructor_runs;
    throw Error(sqlstate::invalid_parameter_value, "unknown selftest kind \"" + kind + "\"", {},
                "Use ok, cpp_error, pg_error, bad_alloc, std_error, container or destructors.");
}

} // namespace

AH_SQL_FUNCTION(boundary_selftest) {
    return pg::guard([&] {
        std::string kind = pg::call([&] { return text_to_cstring(PG_GETARG_TEXT_PP(0)); });
        return Int64GetDatum(run(kind, 3));
    });
}
