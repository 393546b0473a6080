// The seed's weekly dashboard arithmetic (dashboard_metrics_enhanced, section 4.1) on exact daily
// values, with no server: weeks starting Monday, totals, averages, extremes, the previous week's
// total, and the numeric results exactly as PostgreSQL's numeric division and round() give them
// (value and display scale). Unit-tested; the server side only turns them into Datums.
#pragma once

#include <cstdint>

namespace assistant_hub::metrics {

// A day as PostgreSQL's DateADT counts it: days since 2000-01-01 (a Saturday).
using Day = std::int32_t;

struct DayValue {
    Day day;
    std::int64_t value;
};

// The Monday on or before day.
inline Day week_of(Day day) {
    constexpr Day monday = 2; // 2000-01-03
    Day offset = (day - monday) % 7;
    return day - (offset < 0 ? offset + 7 : offset);
}

// One week of one metric: the seed's weekly_aggregates row and its lag().
struct WeekRow {
    Day week;
    std::int64_t total;
    std::int64_t days; // days with a non-zero value: avg() counts only those
    std::int64_t maximum;
    std::int64_t minimum;
    bool has_previous;
    std::int64_t previous_total; // the previous week that has values, when has_previous
};

// Calls out(WeekRow) for each week of days (sorted by day, one entry per day), in week order.
// Days whose value is zero are left out, as the seed's daily rows only exist for counted rows.
template <typename Out> void for_each_week(const DayValue *begin, const DayValue *end, Out &&out) {
    WeekRow row{};
    bool open = false, has_previous = false;
    std::int64_t previous_total = 0;
    for (const DayValue *d = begin; d != end; ++d) {
        if (d->value == 0)
            continue;
        Day week = week_of(d->day);
        if (open && week != row.week) {
            out(row);
            has_previous = true;
            previous_total = row.total;
            open = false;
        }
        if (!open) {
            row = WeekRow{week, 0, 0, d->value, d->value, has_previous, previous_total};
            open = true;
        }
        row.total += d->value;
        row.days += 1;
        row.maximum = d->value > row.maximum ? d->value : row.maximum;
        row.minimum = d->value < row.minimum ? d->value : row.minimum;
    }
    if (open)
        out(row);
}

// digits / 10^scale, printed with exactly scale fractional digits (numeric's display scale).
// fits is false when the operands are beyond what the fast path handles (10^15); the caller then
// uses numeric's own functions.
struct Decimal {
    __int128 digits = 0;
    int scale = 0;
    bool fits = false;
};

// dividend / divisor (divisor > 0) as numeric_div computes it: at the scale select_div_scale
// picks (16 significant digits, at least), rounded half away from zero. avg() of bigints is this
// with the sum and the count.
Decimal numeric_quotient(std::int64_t dividend, std::int64_t divisor);

// round(((total - previous)::numeric / previous) * 100, 2), previous > 0.
Decimal percent_change(std::int64_t total, std::int64_t previous);

// The bytes of a numeric value after its varlena header, exactly as PostgreSQL's make_result
// writes them in the short format: a 16-bit header (sign, display scale, weight) and base-10000
// digits, leading and trailing zero digits stripped. Returns the number of bytes written to out, or
// 0 when the value needs the long format (scale above 63, weight outside -64..63).
inline constexpr int numeric_payload_max = 2 + 2 * 12;
int encode_numeric(__int128 digits, int scale, unsigned char *out);

} // namespace assistant_hub::metrics
