// Pure-C++ check of the text form of a UUID, as PostgreSQL's uuid_in accepts it in the common
// cases (hyphenated 8-4-4-4-12 or 32 hex digits, optionally in braces). Used to validate the
// assistant_hub.user_id setting before it reaches row-level security policies.
#pragma once

#include <string_view>

namespace assistant_hub {
bool is_uuid_text(std::string_view s) noexcept;
} // namespace assistant_hub
