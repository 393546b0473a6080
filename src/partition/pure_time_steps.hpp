// Pure C++ arithmetic for time partition sets, on "local" timestamps: microseconds since
// 2000-01-01 00:00 (PostgreSQL's epoch) in the set's time zone. Months start on the 1st; other
// steps are aligned on Monday 2000-01-03 00:00, so that weekly partitions start on Mondays.
// No PostgreSQL headers: unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>

namespace assistant_hub::partition {

inline constexpr int64_t usecs_per_day = INT64_C(86400000000);

// A partitioning step: whole months, or days plus microseconds (never both).
struct Step {
    int32_t months = 0;
    int32_t days = 0;
    int64_t usecs = 0;

    bool by_months() const { return months > 0; }
    // Length in microseconds of a step without months.
    int64_t fixed_usecs() const { return days * usecs_per_day + usecs; }
};

// Why a step is unusable, or empty when it is fine.
std::string step_problem(const Step &step);

struct CivilTime {
    int year, month, day, hour, minute, second, usec;
};
CivilTime to_civil(int64_t local);
int64_t from_civil(int year, int month, int day);

// Whether local lies in the years 1 to 9999: what partition names and bound literals express.
bool in_named_range(int64_t local);

// The start of the step that contains t.
int64_t align_down(int64_t t, const Step &step);
// t plus n steps (n may be negative); a step of months keeps the 1st of the month.
int64_t add_steps(int64_t aligned, const Step &step, int64_t n);
// t minus an interval (months clamp the day of month as PostgreSQL does).
int64_t subtract_interval(int64_t t, int32_t months, int32_t days, int64_t usecs);

// Partition name suffix for a step starting at t: p2026_11, p2026_11_30, p2026_11_30_1400.
std::string name_suffix(int64_t start, const Step &step);
// ISO literal of a local timestamp: 2026-11-01, or 2026-11-01 14:00:00[.000001].
std::string iso_date(int64_t local);
std::string iso_timestamp(int64_t local);

} // namespace assistant_hub::partition
