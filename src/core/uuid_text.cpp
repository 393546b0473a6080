#include "core/uuid_text.hpp"

#include <cctype>

namespace assistant_hub {

bool is_uuid_text(std::string_view s) noexcept {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}')
        s = s.substr(1, s.size() - 2);
    bool hyphenated = s.size() == 36;
    if (!hyphenated && s.size() != 32)
        return false;
    for (size_t i = 0; i < s.size(); i++) {
        bool hyphen_here = hyphenated && (i == 8 || i == 13 || i == 18 || i == 23);
        if (hyphen_here ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
            return false;
    }
    return true;
}

} // namespace assistant_hub
