// A C++ error that carries a PostgreSQL SQLSTATE. Pure C++ (no PostgreSQL headers), so the
// subsystems' logic and the unit tests can throw and inspect it without a server.
#pragma once

#include <stdexcept>
#include <string>

namespace assistant_hub {

class Error : public std::runtime_error {
  public:
    // sqlstate: the five characters of a PostgreSQL error code, e.g. "22023".
    Error(const char *sqlstate, std::string message, std::string detail = {},
          std::string hint = {});

    const char *sqlstate() const noexcept { return sqlstate_; }
    const std::string &detail() const noexcept { return detail_; }
    const std::string &hint() const noexcept { return hint_; }

  private:
    char sqlstate_[6];
    std::string detail_;
    std::string hint_;
};

// The SQLSTATEs the extension raises, named as in PostgreSQL's errcodes.txt.
namespace sqlstate {
inline constexpr const char *invalid_parameter_value = "22023";
inline constexpr const char *null_value_not_allowed = "22004";
inline constexpr const char *numeric_value_out_of_range = "22003";
inline constexpr const char *invalid_text_representation = "22P02";
inline constexpr const char *datetime_field_overflow = "22008";
inline constexpr const char *undefined_table = "42P01";
inline constexpr const char *undefined_column = "42703";
inline constexpr const char *undefined_object = "42704";
inline constexpr const char *duplicate_object = "42710";
inline constexpr const char *duplicate_table = "42P07";
inline constexpr const char *wrong_object_type = "42809";
inline constexpr const char *datatype_mismatch = "42804";
inline constexpr const char *feature_not_supported = "0A000";
inline constexpr const char *object_not_in_prerequisite_state = "55000";
inline constexpr const char *lock_not_available = "55P03";
inline constexpr const char *read_only_sql_transaction = "25006";
inline constexpr const char *insufficient_privilege = "42501";
inline constexpr const char *syntax_error = "42601";
inline constexpr const char *out_of_memory = "53200";
inline constexpr const char *internal_error = "XX000";
} // namespace sqlstate

// What the boundary reports for an exception that is not an Error: bad_alloc is out of memory,
// everything else an internal error. Kept here so it is unit-testable.
struct ErrorReport {
    const char *sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
};
ErrorReport describe_exception(const std::exception &e);

} // namespace assistant_hub
