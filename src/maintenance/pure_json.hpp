// A minimal JSON object writer for the maintenance report. Pure C++ (no PostgreSQL headers), so
// the escaping is unit-tested; the text is turned into jsonb by the caller.
#pragma once

#include <cstdint>
#include <string>

namespace assistant_hub::maintenance {

// Builds one JSON object, member by member, in insertion order.
class JsonObject {
  public:
    JsonObject &add(const std::string &key, const std::string &value);
    JsonObject &add(const std::string &key, const char *value);
    JsonObject &add(const std::string &key, int64_t value);
    JsonObject &add(const std::string &key, double value);
    JsonObject &add(const std::string &key, bool value);
    // value must already be valid JSON (an object or array built with these classes).
    JsonObject &add_json(const std::string &key, const std::string &json);
    bool empty() const { return body_.empty(); }
    std::string str() const { return "{" + body_ + "}"; }

  private:
    void key(const std::string &k);
    std::string body_;
};

// Builds one JSON array of already-serialized JSON values.
class JsonArray {
  public:
    JsonArray &add_json(const std::string &json);
    JsonArray &add(const std::string &value);
    bool empty() const { return body_.empty(); }
    std::string str() const { return "[" + body_ + "]"; }

  private:
    std::string body_;
};

// A JSON string literal for s, quotes included (control characters escaped as \u00XX).
std::string json_quote(const std::string &s);

// Milliseconds rounded to 3 decimals, as JSON (finite; NaN and infinities become 0).
std::string json_number(double value);

} // namespace assistant_hub::maintenance
