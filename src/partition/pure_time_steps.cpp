#include "partition/pure_time_steps.hpp"

#include <cstdio>

namespace assistant_hub::partition {

namespace {
// Days from 2000-01-01 to a civil date, and back (proleptic Gregorian; Hinnant's algorithms).
int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 10957; // 10957: days from 1970-01-01 to 2000-01-01
}

void civil_from_days(int64_t z, int &y, int &m, int &d) {
    z += 719468 + 10957;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int days_in_month(int y, int m) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

constexpr int64_t monday_origin = 2 * usecs_per_day; // 2000-01-03 00:00
} // namespace

std::string step_problem(const Step &step) {
    if (step.months < 0 || step.days < 0 || step.usecs < 0)
        return "must not have negative parts";
    if (step.months == 0 && step.days == 0 && step.usecs == 0)
        return "must be greater than zero";
    if (step.months > 0 && (step.days != 0 || step.usecs != 0))
        return "must be whole months, or days and time, not both";
    if (step.months > 12 * 1000 || step.days > 366 * 1000)
        return "must be at most 1000 years";
    if (step.months == 0 && step.fixed_usecs() < 60 * INT64_C(1000000))
        return "must be at least one minute";
    return {};
}

CivilTime to_civil(int64_t local) {
    CivilTime c{};
    int64_t day = floor_div(local, usecs_per_day);
    int64_t rest = local - day * usecs_per_day;
    civil_from_days(day, c.year, c.month, c.day);
    c.hour = static_cast<int>(rest / INT64_C(3600000000));
    c.minute = static_cast<int>(rest / 60000000 % 60);
    c.second = static_cast<int>(rest / 1000000 % 60);
    c.usec = static_cast<int>(rest % 1000000);
    return c;
}

int64_t from_civil(int year, int month, int day) {
    return days_from_civil(year, month, day) * usecs_per_day;
}

bool in_named_range(int64_t local) {
    return local >= from_civil(1, 1, 1) && local < from_civil(10000, 1, 1);
}

int64_t align_down(int64_t t, const Step &step) {
    if (step.by_months()) {
        CivilTime c = to_civil(t);
        int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1);
        index = floor_div(index, step.months) * step.months;
        return from_civil(static_cast<int>(floor_div(index, 12)),
                          static_cast<int>(index - floor_div(index, 12) * 12) + 1, 1);
    }
    int64_t len = step.fixed_usecs();
    return monday_origin + floor_div(t - monday_origin, len) * len;
}

int64_t add_steps(int64_t aligned, const Step &step, int64_t n) {
    if (step.by_months()) {
        CivilTime c = to_civil(aligned);
        int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + n * step.months;
        int64_t year = floor_div(index, 12);
        return from_civil(static_cast<int>(year), static_cast<int>(index - year * 12) + 1, c.day) +
               (aligned - from_civil(c.year, c.month, c.day));
    }
    return aligned + n * step.fixed_usecs();
}

int64_t subtract_interval(int64_t t, int32_t months, int32_t days, int64_t usecs) {
    if (months != 0) {
        CivilTime c = to_civil(t);
        int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1) - months;
        int year = static_cast<int>(floor_div(index, 12));
        int month = static_cast<int>(index - static_cast<int64_t>(year) * 12) + 1;
        int day = c.day > days_in_month(year, month) ? days_in_month(year, month) : c.day;
        t = from_civil(year, month, day) + (t - from_civil(c.year, c.month, c.day));
    }
    return t - days * usecs_per_day - usecs;
}

std::string name_suffix(int64_t start, const Step &step) {
    CivilTime c = to_civil(start);
    char buf[64];
    if (step.by_months())
        snprintf(buf, sizeof buf, "p%04d_%02d", c.year, c.month);
    else if (step.usecs == 0)
        snprintf(buf, sizeof buf, "p%04d_%02d_%02d", c.year, c.month, c.day);
    else if (c.second == 0 && c.usec == 0)
        snprintf(buf, sizeof buf, "p%04d_%02d_%02d_%02d%02d", c.year, c.month, c.day, c.hour,
                 c.minute);
    else
        snprintf(buf, sizeof buf, "p%04d_%02d_%02d_%02d%02d%02d_%06d", c.year, c.month, c.day,
                 c.hour, c.minute, c.second, c.usec);
    return buf;
}

std::string iso_date(int64_t local) {
    CivilTime c = to_civil(local);
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
    return buf;
}

std::string iso_timestamp(int64_t local) {
    CivilTime c = to_civil(local);
    char buf[48];
    if (c.usec)
        snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d", c.year, c.month, c.day,
                 c.hour, c.minute, c.second, c.usec);
    else
        snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                 c.minute, c.second);
    return buf;
}

} // namespace assistant_hub::partition
