// The order of pending metric deltas (metric, key, day): the order every backend writes them in.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "metrics/delta_key.hpp"

using assistant_hub::metrics::DeltaKey;
using assistant_hub::metrics::DeltaKeyLess;
using assistant_hub::metrics::KeyStorage;

namespace {
DeltaKey number_key(int metric, long long number, int day) {
    DeltaKey k;
    k.metric_id = metric;
    k.storage = KeyStorage::bigint;
    k.number = number;
    k.day = day;
    return k;
}
DeltaKey text_key(int metric, const char *text, unsigned length, int day) {
    DeltaKey k;
    k.metric_id = metric;
    k.storage = KeyStorage::text;
    k.text = text;
    k.text_length = length;
    k.day = day;
    return k;
}
DeltaKey uuid_key(int metric, unsigned char first, int day) {
    DeltaKey k;
    k.metric_id = metric;
    k.storage = KeyStorage::uuid;
    k.uuid[0] = first;
    k.day = day;
    return k;
}
} // namespace

TEST(DeltaKeyLess, OrdersByMetricThenKeyThenDay) {
    DeltaKeyLess less;
    EXPECT_TRUE(less(number_key(1, 9, 9), number_key(2, 0, 0)));
    EXPECT_TRUE(less(number_key(1, 1, 9), number_key(1, 2, 0)));
    EXPECT_TRUE(less(number_key(1, 1, 1), number_key(1, 1, 2)));
    EXPECT_FALSE(less(number_key(1, 1, 1), number_key(1, 1, 1)));
}

TEST(DeltaKeyLess, BigintKeysCompareAsSignedNumbers) {
    DeltaKeyLess less;
    EXPECT_TRUE(less(number_key(1, -5, 0), number_key(1, 3, 0)));
    EXPECT_FALSE(less(number_key(1, 3, 0), number_key(1, -5, 0)));
}

TEST(DeltaKeyLess, TextKeysCompareByBytesThenLength) {
    DeltaKeyLess less;
    const char *ab = "ab", *abc = "abc", *b = "b";
    EXPECT_TRUE(less(text_key(1, ab, 2, 0), text_key(1, abc, 3, 0)));
    EXPECT_TRUE(less(text_key(1, abc, 3, 0), text_key(1, b, 1, 0)));
    EXPECT_TRUE(less(text_key(1, "", 0, 5), text_key(1, ab, 2, 0)));
    // Equal bytes at different addresses are the same key.
    char copy[] = "ab";
    EXPECT_FALSE(less(text_key(1, ab, 2, 0), text_key(1, copy, 2, 0)));
    EXPECT_FALSE(less(text_key(1, copy, 2, 0), text_key(1, ab, 2, 0)));
}

TEST(DeltaKeyLess, UuidKeysCompareByBytes) {
    DeltaKeyLess less;
    EXPECT_TRUE(less(uuid_key(1, 0x01, 9), uuid_key(1, 0xff, 0)));
    EXPECT_FALSE(less(uuid_key(1, 0xff, 0), uuid_key(1, 0x01, 9)));
}

TEST(DeltaKeyLess, SortingGivesOneTotalOrder) {
    std::vector<DeltaKey> keys = {number_key(2, 1, 1), number_key(1, 2, 1), number_key(1, 1, 2),
                                  number_key(1, 1, 1)};
    std::sort(keys.begin(), keys.end(), DeltaKeyLess());
    EXPECT_EQ(keys[0].day, 1);
    EXPECT_EQ(keys[1].day, 2);
    EXPECT_EQ(keys[2].number, 2);
    EXPECT_EQ(keys[3].metric_id, 2);
}
