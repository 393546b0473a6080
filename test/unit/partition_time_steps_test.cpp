#include <gtest/gtest.h>

#include "partition/pure_time_steps.hpp"

using namespace assistant_hub::partition;

namespace {
int64_t at(int y, int m, int d, int hh = 0, int mm = 0) {
    return from_civil(y, m, d) + (hh * 60 + mm) * INT64_C(60000000);
}
const Step monthly{1, 0, 0};
const Step quarterly{3, 0, 0};
const Step daily{0, 1, 0};
const Step weekly{0, 7, 0};
const Step hourly{0, 0, INT64_C(3600000000)};
} // namespace

TEST(PartitionTimeSteps, CivilRoundTrip) {
    EXPECT_EQ(from_civil(2000, 1, 1), 0);
    for (int64_t day : {-800000, -1, 0, 59, 60, 366, 9496, 100000}) {
        CivilTime c = to_civil(day * usecs_per_day);
        EXPECT_EQ(from_civil(c.year, c.month, c.day), day * usecs_per_day);
    }
    CivilTime leap = to_civil(from_civil(2024, 2, 29));
    EXPECT_EQ(leap.month, 2);
    EXPECT_EQ(leap.day, 29);
}

TEST(PartitionTimeSteps, MonthsAlignOnTheFirst) {
    EXPECT_EQ(align_down(at(2026, 11, 30, 23, 59), monthly), at(2026, 11, 1));
    EXPECT_EQ(align_down(at(2026, 11, 1), monthly), at(2026, 11, 1));
    EXPECT_EQ(align_down(at(1999, 12, 31), monthly), at(1999, 12, 1));
    EXPECT_EQ(align_down(at(2026, 5, 17), quarterly), at(2026, 4, 1));
    EXPECT_EQ(add_steps(at(2026, 11, 1), monthly, 2), at(2027, 1, 1));
    EXPECT_EQ(add_steps(at(2026, 1, 1), monthly, -1), at(2025, 12, 1));
    EXPECT_EQ(add_steps(at(2026, 1, 1), quarterly, 4), at(2027, 1, 1));
}

TEST(PartitionTimeSteps, FixedStepsAlignOnMondays) {
    EXPECT_EQ(align_down(at(2026, 11, 30, 13, 5), daily), at(2026, 11, 30));
    EXPECT_EQ(align_down(at(2026, 12, 3), weekly), at(2026, 11, 30)); // Nov 30 2026 is a Monday
    EXPECT_EQ(align_down(at(1999, 12, 29), weekly), at(1999, 12, 27));
    EXPECT_EQ(align_down(at(2026, 11, 30, 13, 5), hourly), at(2026, 11, 30, 13));
    EXPECT_EQ(add_steps(at(2026, 11, 30), weekly, 1), at(2026, 12, 7));
}

TEST(PartitionTimeSteps, SubtractIntervalClampsTheDay) {
    EXPECT_EQ(subtract_interval(at(2026, 3, 31), 1, 0, 0), at(2026, 2, 28));
    EXPECT_EQ(subtract_interval(at(2026, 3, 31, 6), 12, 1, 0), at(2025, 3, 30, 6));
}

TEST(PartitionTimeSteps, StepProblems) {
    EXPECT_EQ(step_problem(monthly), "");
    EXPECT_EQ(step_problem(daily), "");
    EXPECT_NE(step_problem(Step{0, 0, 0}), "");
    EXPECT_NE(step_problem(Step{-1, 0, 0}), "");
    EXPECT_NE(step_problem(Step{1, 1, 0}), "");
    EXPECT_NE(step_problem(Step{0, 0, 1}), "");
}

TEST(PartitionTimeSteps, NamesAndLiterals) {
    EXPECT_EQ(name_suffix(at(2026, 11, 1), monthly), "p2026_11");
    EXPECT_EQ(name_suffix(at(2026, 11, 30), daily), "p2026_11_30");
    EXPECT_EQ(name_suffix(at(2026, 11, 30, 14), hourly), "p2026_11_30_1400");
    EXPECT_EQ(iso_date(at(2026, 2, 1)), "2026-02-01");
    EXPECT_EQ(iso_timestamp(at(2026, 2, 1, 14, 30)), "2026-02-01 14:30:00");
}
