#include <gtest/gtest.h>

#include "core/uuid_text.hpp"

using assistant_hub::is_uuid_text;

TEST(UuidText, AcceptsTheFormsPostgresAccepts) {
    EXPECT_TRUE(is_uuid_text("7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2c"));
    EXPECT_TRUE(is_uuid_text("7B0C7F3E-4A5E-4BD2-9C55-0F0D5F6A1B2C"));
    EXPECT_TRUE(is_uuid_text("7b0c7f3e4a5e4bd29c550f0d5f6a1b2c"));
    EXPECT_TRUE(is_uuid_text("{7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2c}"));
}

TEST(UuidText, RejectsEverythingElse) {
    EXPECT_FALSE(is_uuid_text(""));
    EXPECT_FALSE(is_uuid_text("not-a-uuid"));
    EXPECT_FALSE(is_uuid_text("7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2"));   // one short
    EXPECT_FALSE(is_uuid_text("7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2cc")); // one long
    EXPECT_FALSE(is_uuid_text("7b0c7f3e_4a5e_4bd2_9c55_0f0d5f6a1b2c"));
    EXPECT_FALSE(is_uuid_text("7b0c7f3e-4a5e-4bd2-9c55-0f0d5f6a1b2g"));
    EXPECT_FALSE(is_uuid_text("'; drop table hub.users; --'"));
}
