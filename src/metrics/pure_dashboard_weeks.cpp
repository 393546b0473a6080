#include "metrics/pure_dashboard_weeks.hpp"

#include <cstring>

namespace assistant_hub::metrics {
namespace {

using int128 = __int128;

constexpr std::int64_t operand_limit = 1000000000000000; // 10^15
constexpr int nbase_digits = 4;                          // numeric stores base-10000 digits
constexpr int min_significant_digits = 16;               // NUMERIC_MIN_SIG_DIGITS
constexpr int max_display_scale = 1000;                  // NUMERIC_MAX_DISPLAY_SCALE

constexpr int max_scale = 20; // keeps 10^15 * 10^scale within 128 bits

constexpr int128 power_of_ten(int n) {
    int128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

// 10^0 .. 10^max_scale, so that the arithmetic below is a handful of multiplications.
struct PowersOfTen {
    int128 p[max_scale + 1];
    constexpr PowersOfTen() : p() {
        for (int i = 0; i <= max_scale; i++)
            p[i] = power_of_ten(i);
    }
};
constexpr PowersOfTen powers;

// The weight (position of the first base-10000 digit) and that digit of |x|; 0 and 0 for zero.
void leading_digit(std::int64_t x, int &weight, std::int64_t &first) {
    std::int64_t a = x < 0 ? -x : x;
    weight = 0;
    first = a;
    while (first >= 10000) {
        first /= 10000;
        weight++;
    }
}

// select_div_scale for two integers (display scale 0).
int division_scale(std::int64_t dividend, std::int64_t divisor) {
    int w1, w2;
    std::int64_t f1, f2;
    leading_digit(dividend, w1, f1);
    leading_digit(divisor, w2, f2);
    int qweight = w1 - w2;
    if (f1 <= f2)
        qweight--;
    int scale = min_significant_digits - qweight * nbase_digits;
    if (scale < 0)
        scale = 0;
    return scale > max_display_scale ? max_display_scale : scale;
}

// n / d rounded half away from zero, d > 0. In 64 bits when n fits (128-bit division is slow).
int128 divide_rounded(int128 n, int128 d) {
    int128 q, r;
    if (n <= int128(INT64_MAX) && n >= -int128(INT64_MAX) && d <= int128(INT64_MAX)) {
        std::int64_t n64 = std::int64_t(n), d64 = std::int64_t(d);
        q = n64 / d64;
        r = n64 - std::int64_t(q) * d64;
    } else {
        q = n / d;
        r = n - q * d;
    }
    if (r < 0)
        r = -r;
    if (2 * r >= d)
        q += n < 0 ? -1 : 1;
    return q;
}

} // namespace

Decimal numeric_quotient(std::int64_t dividend, std::int64_t divisor) {
    Decimal out;
    if (divisor <= 0 || divisor > operand_limit || dividend > operand_limit ||
        dividend < -operand_limit)
        return out;
    out.scale = division_scale(dividend, divisor);
    if (out.scale > max_scale)
        return out;
    out.digits = divide_rounded(int128(dividend) * powers.p[out.scale], divisor);
    out.fits = true;
    return out;
}

Decimal percent_change(std::int64_t total, std::int64_t previous) {
    Decimal out;
    if (previous <= 0 || previous > operand_limit || total > operand_limit ||
        total < -operand_limit)
        return out;
    // (total - previous) / previous at numeric_div's scale s: q / 10^s. Times 100 is exact
    // (q / 10^(s-2)); round(.., 2) then rounds q / 10^(s-4) to a whole number of hundredths.
    std::int64_t change = total - previous;
    int s = division_scale(change, previous);
    if (s > max_scale)
        return out;
    int128 q = divide_rounded(int128(change) * powers.p[s], previous);
    out.digits = s >= 4 ? divide_rounded(q, powers.p[s - 4]) : q * powers.p[4 - s];
    out.scale = 2;
    out.fits = true;
    return out;
}

int encode_numeric(int128 digits, int scale, unsigned char *out) {
    constexpr std::uint16_t short_format = 0x8000, negative = 0x2000, weight_negative = 0x0040;
    constexpr int max_short_scale = 63, min_weight = -64, max_weight = 63;
    if (scale < 0 || scale > max_short_scale)
        return 0;
    bool is_negative = digits < 0;
    unsigned __int128 v = is_negative ? -static_cast<unsigned __int128>(digits) : digits;
    // Align the decimal point to a base-10000 digit boundary.
    int pad = (nbase_digits - scale % nbase_digits) % nbase_digits;
    for (int i = 0; i < pad; i++)
        v *= 10;
    int fraction_digits = (scale + pad) / nbase_digits;
    std::int16_t base[12]; // least significant first; 10^42 > 2^128
    int n = 0;
    while (v != 0) {
        if (v <= UINT64_MAX) { // 64-bit division where it suffices: 128-bit division is slow
            std::uint64_t w = std::uint64_t(v);
            base[n++] = std::int16_t(w % 10000);
            v = w / 10000;
        } else {
            base[n++] = std::int16_t(v % 10000);
            v /= 10000;
        }
    }
    int weight = 0, first = 0;
    if (n == 0) {
        is_negative = false; // zero has no sign; its weight is 0
    } else {
        weight = n - 1 - fraction_digits;
        while (base[first] == 0)
            first++; // trailing zero digits are not stored
    }
    if (weight < min_weight || weight > max_weight)
        return 0;
    std::uint16_t header = short_format | (is_negative ? negative : 0) | std::uint16_t(scale << 7) |
                           (weight < 0 ? weight_negative : 0) | std::uint16_t(weight & 0x3F);
    std::memcpy(out, &header, 2);
    int size = 2;
    for (int i = n - 1; i >= first; i--, size += 2)
        std::memcpy(out + size, &base[i], 2);
    return size;
}

} // namespace assistant_hub::metrics
