#include "core/error.hpp"

#include <cstring>
#include <new>

namespace assistant_hub {

Error::Error(const char *sqlstate, std::string message, std::string detail, std::string hint)
    : std::runtime_error(std::move(message)), detail_(std::move(detail)), hint_(std::move(hint)) {
    bool valid = sqlstate && std::strlen(sqlstate) == 5;
    std::memcpy(sqlstate_, valid ? sqlstate : sqlstate::internal_error, 5);
    sqlstate_[5] = '\0';
}

ErrorReport describe_exception(const std::exception &e) {
    if (auto *error = dynamic_cast<const Error *>(&e))
        return {error->sqlstate(), error->what(), error->detail(), error->hint()};
    if (dynamic_cast<const std::bad_alloc *>(&e))
        return {sqlstate::out_of_memory, "out of memory", {}, {}};
    return {sqlstate::internal_error,
            std::string("internal error in assistant_hub: ") + e.what(),
            {},
            {}};
}

} // namespace assistant_hub
