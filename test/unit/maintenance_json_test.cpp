// The maintenance report's JSON writer: escaping, numbers, nesting.
#include <limits>

#include <gtest/gtest.h>

#include "maintenance/pure_json.hpp"

using namespace assistant_hub::maintenance;

TEST(MaintenanceJson, QuotesAndEscapes) {
    EXPECT_EQ(json_quote("plain"), "\"plain\"");
    EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_quote("line\nnext\ttab\r"), "\"line\\nnext\\ttab\\r\"");
    EXPECT_EQ(json_quote(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
    EXPECT_EQ(json_quote("h\xc3\xa9llo"), "\"h\xc3\xa9llo\""); // UTF-8 passes through
}

TEST(MaintenanceJson, Numbers) {
    EXPECT_EQ(json_number(1.23456), "1.235");
    EXPECT_EQ(json_number(0), "0.000");
    EXPECT_EQ(json_number(std::numeric_limits<double>::quiet_NaN()), "0");
    EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "0");
}

TEST(MaintenanceJson, ObjectsAndArrays) {
    JsonObject o;
    EXPECT_TRUE(o.empty());
    EXPECT_EQ(o.str(), "{}");
    o.add("step", "analyze").add("rows", int64_t{42}).add("complete", true).add("ms", 0.5);
    EXPECT_FALSE(o.empty());
    EXPECT_EQ(o.str(), "{\"step\": \"analyze\", \"rows\": 42, \"complete\": true, \"ms\": 0.500}");

    JsonArray a;
    EXPECT_EQ(a.str(), "[]");
    a.add("x\"y").add_json(o.str());
    JsonObject outer;
    outer.add_json("steps", a.str()).add("status", std::string("ok"));
    EXPECT_EQ(outer.str(), "{\"steps\": [\"x\\\"y\", " + o.str() + "], \"status\": \"ok\"}");
}
