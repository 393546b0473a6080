// The C++/PostgreSQL error boundary.
//
// PostgreSQL reports errors by longjmp; C++ by unwinding. Neither may cross the other:
//  - pg::call(f) runs PostgreSQL code that may ereport; the error becomes a pg::PgError exception,
//    so the C++ frames above it unwind and run their destructors.
//  - pg::guard(f) wraps every SQL-callable function and hook body; it catches every exception and,
//    once no C++ object is alive in its frame, re-raises it as a PostgreSQL ERROR with its
//    SQLSTATE.
// A PgError must travel up to the boundary: the transaction is in an error state until then, so
// code that wants to recover from a PostgreSQL error uses a subtransaction instead.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "pg/postgres.hpp"

namespace assistant_hub::pg {

// A PostgreSQL error caught inside C++ code; rethrown intact (SQLSTATE, detail, hint) at the
// boundary.
class PgError : public std::exception {
  public:
    explicit PgError(ErrorData *edata) noexcept : edata_(edata) {}
    const char *what() const noexcept override {
        return edata_->message ? edata_->message : "postgres error";
    }
    ErrorData *data() const noexcept { return edata_; }
    int sqlerrcode() const noexcept { return edata_->sqlerrcode; }

  private:
    ErrorData *edata_; // palloc'd in the caller's memory context by CopyErrorData
};

namespace detail {
// Runs fn(arg) under PG_TRY; returns the caught PostgreSQL error (copied into the caller's memory
// context, error state flushed), or null. fn must not throw.
ErrorData *run_catching(void (*fn)(void *), void *arg) noexcept;
} // namespace detail

// Runs f, which may call ereport. Returns what f returns (void or a default-constructible type).
template <typename F> auto call(F &&f) -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    using Result = std::conditional_t<std::is_void_v<R>, int, R>;
    struct Context {
        F *f;
        Result result{};
        std::exception_ptr cpp_error; // a C++ exception must never unwind through PG_TRY's frame
    } context{&f};
    ErrorData *edata = detail::run_catching(
        [](void *p) {
            auto *c = static_cast<Context *>(p);
            try {
                if constexpr (std::is_void_v<R>)
                    (*c->f)();
                else
                    c->result = (*c->f)();
            } catch (...) {
                c->cpp_error = std::current_exception();
            }
        },
        &context);
    if (edata)
        throw PgError(edata);
    if (context.cpp_error)
        std::rethrow_exception(context.cpp_error);
    if constexpr (!std::is_void_v<R>)
        return std::move(context.result);
}

namespace detail {
// Copies what is needed from a caught exception into static storage (the backend is single
// threaded), so that nothing C++ is alive when the boundary longjmps.
struct PendingError {
    ErrorData *pg_error;
    char sqlstate[6];
    char message[1024];
    char detail[1024];
    char hint[512];
};
void capture(PendingError &out, const std::exception *e) noexcept;
[[noreturn]] void raise(const PendingError &pending);
extern PendingError pending_error;
} // namespace detail

// Runs f and turns any exception into a PostgreSQL ERROR. The shim of every SQL-callable function
// and hook calls its C++ body through this.
template <typename F> auto guard(F &&f) -> std::invoke_result_t<F> {
    detail::PendingError &pending = detail::pending_error;
    try {
        return std::forward<F>(f)();
    } catch (const PgError &e) {
        pending.pg_error = e.data();
    } catch (const std::exception &e) {
        detail::capture(pending, &e);
    } catch (...) {
        detail::capture(pending, nullptr);
    }
    detail::raise(pending);
}

} // namespace assistant_hub::pg

// Declares an SQL-callable function with C linkage; its body should return pg::guard(...).
#define AH_SQL_FUNCTION(name)                                                                      \
    extern "C" {                                                                                   \
    PG_FUNCTION_INFO_V1(name);                                                                     \
    }                                                                                              \
    extern "C" Datum name(PG_FUNCTION_ARGS)
