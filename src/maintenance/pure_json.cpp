#include "maintenance/pure_json.hpp"

#include <cmath>
#include <cstdio>

namespace assistant_hub::maintenance {

std::string json_quote(const std::string &s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

std::string json_number(double value) {
    if (!std::isfinite(value))
        return "0";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", value);
    return buf;
}

void JsonObject::key(const std::string &k) {
    if (!body_.empty())
        body_ += ", ";
    body_ += json_quote(k);
    body_ += ": ";
}

JsonObject &JsonObject::add(const std::string &k, const std::string &value) {
    key(k);
    body_ += json_quote(value);
    return *this;
}

JsonObject &JsonObject::add(const std::string &k, const char *value) {
    return add(k, std::string(value));
}

JsonObject &JsonObject::add(const std::string &k, int64_t value) {
    key(k);
    body_ += std::to_string(value);
    return *this;
}

JsonObject &JsonObject::add(const std::string &k, double value) {
    key(k);
    body_ += json_number(value);
    return *this;
}

JsonObject &JsonObject::add(const std::string &k, bool value) {
    key(k);
    body_ += value ? "true" : "false";
    return *this;
}

JsonObject &JsonObject::add_json(const std::string &k, const std::string &json) {
    key(k);
    body_ += json;
    return *this;
}

JsonArray &JsonArray::add_json(const std::string &json) {
    if (!body_.empty())
        body_ += ", ";
    body_ += json;
    return *this;
}

JsonArray &JsonArray::add(const std::string &value) {
    return add_json(json_quote(value));
}

} // namespace assistant_hub::maintenance
