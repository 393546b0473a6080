#include <cstring>

#include "pg/guard.hpp"

namespace assistant_hub::pg::detail {

PendingError pending_error;

ErrorData *run_catching(void (*fn)(void *), void *arg) noexcept {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile edata = nullptr;
    PG_TRY();
    { fn(arg); }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        edata = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    return edata;
}

static void copy_text(char *dst, size_t size, const std::string &src) noexcept {
    size_t n = std::min(size - 1, src.size());
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
}

void capture(PendingError &out, const std::exception *e) noexcept {
    out.pg_error = nullptr;
    try {
        ErrorReport report = e ? describe_exception(*e)
                               : ErrorReport{sqlstate::internal_error,
                                             "internal error in assistant_hub: unknown exception",
                                             {},
                                             {}};
        std::memcpy(out.sqlstate, report.sqlstate, 6);
        copy_text(out.message, sizeof out.message, report.message);
        copy_text(out.detail, sizeof out.detail, report.detail);
        copy_text(out.hint, sizeof out.hint, report.hint);
    } catch (...) {
        std::memcpy(out.sqlstate, sqlstate::out_of_memory, 6);
        copy_text(out.message, sizeof out.message, "out of memory");
        out.detail[0] = out.hint[0] = '\0';
    }
}

void raise(const PendingError &pending) {
    if (pending.pg_error)
        ReThrowError(pending.pg_error);
    const char *s = pending.sqlstate;
    ereport(ERROR,
            (errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])), errmsg("%s", pending.message),
             pending.detail[0] ? errdetail("%s", pending.detail) : 0,
             pending.hint[0] ? errhint("%s", pending.hint) : 0));
    pg_unreachable();
}

} // namespace assistant_hub::pg::detail
