// The seed's weekly dashboard arithmetic without a server: weeks, their aggregates, numeric
// division's scale and rounding, and the bytes of a numeric value. (The server-side self-test,
// _dashboard_arithmetic_selftest, compares the same results with numeric's own functions.)
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "metrics/pure_dashboard_weeks.hpp"

using namespace assistant_hub::metrics;

namespace {
constexpr Day monday_2026_11_30 = 9830; // '2026-11-30'::date - '2000-01-01'

std::vector<WeekRow> weeks(const std::vector<DayValue> &days) {
    std::vector<WeekRow> out;
    for_each_week(days.data(), days.data() + days.size(),
                  [&](const WeekRow &w) { out.push_back(w); });
    return out;
}

std::vector<unsigned char> bytes(__int128 digits, int scale) {
    unsigned char out[numeric_payload_max];
    int n = encode_numeric(digits, scale, out);
    return std::vector<unsigned char>(out, out + n);
}

std::vector<unsigned char> payload(std::uint16_t header, std::vector<std::int16_t> digits) {
    std::vector<unsigned char> out(2 + 2 * digits.size());
    std::memcpy(out.data(), &header, 2);
    std::memcpy(out.data() + 2, digits.data(), 2 * digits.size());
    return out;
}
} // namespace

TEST(DashboardWeeks, WeekStartsOnMonday) {
    EXPECT_EQ(week_of(2), 2);     // 2000-01-03, a Monday
    EXPECT_EQ(week_of(0), -5);    // Saturday 2000-01-01: Monday 1999-12-27
    EXPECT_EQ(week_of(8), 2);     // the next Sunday
    EXPECT_EQ(week_of(9), 9);     // the next Monday
    EXPECT_EQ(week_of(-10), -12); // before 2000
    EXPECT_EQ(week_of(monday_2026_11_30 + 6), monday_2026_11_30);
}

TEST(DashboardWeeks, GroupsDaysIntoWeeksWithThePreviousWeeksTotal) {
    Day m = monday_2026_11_30;
    auto w = weeks({{m - 7, 2}, {m - 5, 0}, {m - 1, 4}, {m, 1}, {m + 3, 5}, {m + 14, 3}});
    ASSERT_EQ(w.size(), 3u);
    EXPECT_EQ(w[0].week, m - 7);
    EXPECT_EQ(w[0].total, 6);
    EXPECT_EQ(w[0].days, 2); // the zero day is not a day with rows
    EXPECT_EQ(w[0].maximum, 4);
    EXPECT_EQ(w[0].minimum, 2);
    EXPECT_FALSE(w[0].has_previous);
    EXPECT_EQ(w[1].total, 6);
    EXPECT_TRUE(w[1].has_previous);
    EXPECT_EQ(w[1].previous_total, 6);
    EXPECT_EQ(w[2].week, m + 14); // the lag is the previous week with values, not the calendar's
    EXPECT_EQ(w[2].previous_total, 6);
    EXPECT_TRUE(weeks({{m, 0}}).empty());
}

TEST(DashboardWeeks, QuotientHasNumericDivisionsScaleAndRounding) {
    Decimal a = numeric_quotient(3, 2); // avg(1, 2) = 1.5000000000000000
    EXPECT_TRUE(a.fits);
    EXPECT_EQ(a.scale, 16);
    EXPECT_TRUE(a.digits == __int128(15000000000000000LL));
    Decimal b = numeric_quotient(3, 3); // avg(1, 1, 1) = 1.00000000000000000000
    EXPECT_EQ(b.scale, 20);
    EXPECT_TRUE(b.digits == __int128(100000000000000000LL) * 1000);
    Decimal c = numeric_quotient(2, 3); // 0.66666666666666666667, rounded up
    EXPECT_EQ(c.scale, 20);
    EXPECT_TRUE(c.digits == __int128(6666666666666666666LL) * 10 + 7);
    Decimal d = numeric_quotient(100000, 7); // 14285.714285714286: 12 fractional digits
    EXPECT_EQ(d.scale, 12);
    EXPECT_TRUE(d.digits == __int128(14285714285714286LL));
    Decimal e = numeric_quotient(20000, 7); // 2857.1428571428571429: 16
    EXPECT_EQ(e.scale, 16);
    EXPECT_TRUE(e.digits == __int128(2857142857142857142LL) * 10 + 9);
    EXPECT_FALSE(numeric_quotient(1, 0).fits);
    EXPECT_FALSE(numeric_quotient(2000000000000000LL, 3).fits); // beyond the fast path
}

TEST(DashboardWeeks, PercentChangeRoundsHalfAwayFromZero) {
    Decimal up = percent_change(15, 10); // 50.00
    EXPECT_TRUE(up.fits);
    EXPECT_EQ(up.scale, 2);
    EXPECT_TRUE(up.digits == 5000);
    EXPECT_TRUE(percent_change(1, 3).digits == -6667); // -66.666.. rounds away from zero
    EXPECT_TRUE(percent_change(2, 3).digits == -3333);
    EXPECT_TRUE(percent_change(3, 3).digits == 0);
    EXPECT_TRUE(percent_change(9, 8).digits == 1250); // 12.50 exactly
    EXPECT_FALSE(percent_change(5, 0).fits);
}

TEST(DashboardWeeks, EncodesNumericsLikeMakeResult) {
    // 0 with display scale 0: header only.
    EXPECT_EQ(bytes(0, 0), payload(0x8000, {}));
    // 7: one digit, weight 0.
    EXPECT_EQ(bytes(7, 0), payload(0x8000, {7}));
    // 123456789: base-10000 digits 1 2345 6789, weight 2.
    EXPECT_EQ(bytes(123456789, 0), payload(0x8002, {1, 2345, 6789}));
    // 1.5000000000000000 (scale 16): digits 1 5000, trailing zero digits dropped.
    EXPECT_EQ(bytes(15000000000000000LL, 16), payload(0x8000 | (16 << 7), {1, 5000}));
    // -66.67: negative, scale 2, digits 66 6700.
    EXPECT_EQ(bytes(-6667, 2), payload(0x8000 | 0x2000 | (2 << 7), {66, 6700}));
    // 0.05 (scale 2): weight -1 (first digit after the point), digit 500.
    EXPECT_EQ(bytes(5, 2), payload(0x8000 | (2 << 7) | 0x0040 | (-1 & 0x3F), {500}));
    // 0.00 keeps its scale and has no sign.
    EXPECT_EQ(bytes(0, 2), payload(0x8000 | (2 << 7), {}));
    EXPECT_TRUE(bytes(1, 64).empty()); // display scale beyond the short format
}
