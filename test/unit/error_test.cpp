#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "core/error.hpp"

using namespace assistant_hub;

TEST(Error, CarriesSqlstateDetailAndHint) {
    Error e(sqlstate::invalid_parameter_value, "bad step", "step was 0", "use a positive interval");
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_STREQ(e.what(), "bad step");
    EXPECT_EQ(e.detail(), "step was 0");
    EXPECT_EQ(e.hint(), "use a positive interval");
}

TEST(Error, MalformedSqlstateBecomesInternalError) {
    EXPECT_STREQ(Error("123", "x").sqlstate(), "XX000");
    EXPECT_STREQ(Error(nullptr, "x").sqlstate(), "XX000");
}

TEST(DescribeException, MapsEachKind) {
    auto own = describe_exception(Error(sqlstate::undefined_table, "no such table"));
    EXPECT_STREQ(own.sqlstate, "42P01");
    EXPECT_EQ(own.message, "no such table");

    auto oom = describe_exception(std::bad_alloc());
    EXPECT_STREQ(oom.sqlstate, "53200");
    EXPECT_EQ(oom.message, "out of memory");

    auto other = describe_exception(std::logic_error("a bug"));
    EXPECT_STREQ(other.sqlstate, "XX000");
    EXPECT_NE(other.message.find("a bug"), std::string::npos);
}
