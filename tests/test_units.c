/*
 * test_units.c: the value parsers of base/units.c.
 *
 * Each parser is checked on what people write (accepted, with the exact
 * value), on what they get wrong (rejected, with a reason that names the
 * mistake), and on the edges: zero, the absurd-value limits, overflow, and
 * text strtod would take but a person does not mean (inf, nan, hex).
 */
#include "fdtest.h"

#include "base/units.h"

#include <stdint.h>

static SimTime dur(const char *s)
{
    SimTime v = -12345;
    const char *why = NULL;
    if (units_parse_duration(s, &v, &why) < 0) {
        fprintf(stderr, "duration '%s' rejected: %s\n", s, why);
        return -1;
    }
    return v;
}

/* The reason a duration is rejected, or "" when it is accepted. */
static const char *dur_why(const char *s)
{
    SimTime v = 777;
    const char *why = NULL;
    if (units_parse_duration(s, &v, &why) == 0) return "";
    CHECK_EQ_INT(v, 777);     /* *out untouched on failure */
    return why ? why : "(null)";
}

static double rate(const char *s)
{
    double v = -1;
    const char *why = NULL;
    if (units_parse_rate(s, &v, &why) < 0) {
        fprintf(stderr, "rate '%s' rejected: %s\n", s, why);
        return -1;
    }
    return v;
}

static const char *rate_why(const char *s)
{
    double v;
    const char *why = NULL;
    return units_parse_rate(s, &v, &why) == 0 ? "" : why;
}

static double frac(const char *s)
{
    double v = -1;
    const char *why = NULL;
    if (units_parse_fraction(s, &v, &why) < 0) {
        fprintf(stderr, "fraction '%s' rejected: %s\n", s, why);
        return -1;
    }
    return v;
}

static const char *frac_why(const char *s)
{
    double v;
    const char *why = NULL;
    return units_parse_fraction(s, &v, &why) == 0 ? "" : why;
}

static int64_t count(const char *s)
{
    int64_t v = -1;
    const char *why = NULL;
    if (units_parse_count(s, &v, &why) < 0) {
        fprintf(stderr, "count '%s' rejected: %s\n", s, why);
        return -1;
    }
    return v;
}

static const char *count_why(const char *s)
{
    int64_t v;
    const char *why = NULL;
    return units_parse_count(s, &v, &why) == 0 ? "" : why;
}

static const char *num_why(const char *s)
{
    double v;
    const char *why = NULL;
    return units_parse_number(s, &v, &why) == 0 ? "" : why;
}

#define CHECK_HAS(hay, needle) CHECK(strstr((hay), (needle)) != NULL)

static void test_durations(void)
{
    CHECK_EQ_INT(dur("250ms"), 250 * FD_MS);
    CHECK_EQ_INT(dur("2m"), 2 * FD_MIN);
    CHECK_EQ_INT(dur("1h30m"), 90 * FD_MIN);
    CHECK_EQ_INT(dur("90s"), 90 * FD_SEC);
    CHECK_EQ_INT(dur("1.5s"), 1500 * FD_MS);
    CHECK_EQ_INT(dur("0.1s"), 100 * FD_MS);
    CHECK_EQ_INT(dur("500us"), 500 * FD_US);
    CHECK_EQ_INT(dur("500\xc2\xb5s"), 500 * FD_US);
    CHECK_EQ_INT(dur("10ns"), 10);
    CHECK_EQ_INT(dur("1d"), 24 * FD_HOUR);
    CHECK_EQ_INT(dur("2min"), 2 * FD_MIN);
    CHECK_EQ_INT(dur("1h 30m 15s"), 90 * FD_MIN + 15 * FD_SEC);
    CHECK_EQ_INT(dur("  45s  "), 45 * FD_SEC);
    CHECK_EQ_INT(dur("0"), 0);
    CHECK_EQ_INT(dur("0.0"), 0);
    CHECK_EQ_INT(dur("0s"), 0);
    CHECK_EQ_INT(dur("365d"), 365 * 24 * FD_HOUR);
    CHECK_EQ_INT(dur(".5s"), 500 * FD_MS);

    /* A bare number is ambiguous: seconds? milliseconds? */
    CHECK_HAS(dur_why("5"), "needs a unit");
    CHECK_HAS(dur_why("1.5"), "needs a unit");
    CHECK_HAS(dur_why("1h30"), "needs a unit");
    CHECK_HAS(dur_why("-5s"), "negative");
    CHECK_HAS(dur_why("366d"), "longer than a year");
    CHECK_HAS(dur_why("8760h1s"), "longer than a year");
    CHECK_HAS(dur_why("99999999999999999999d"), "longer than a year");
    CHECK_HAS(dur_why("5x"), "unknown unit");
    CHECK_HAS(dur_why("5 seconds"), "unknown unit");
    CHECK_HAS(dur_why("5S"), "unknown unit");
    CHECK_HAS(dur_why("1e3ms"), "unknown unit");
    /* An exponent is no unit, but a number out of range is that first. */
    CHECK_HAS(dur_why("1e400s"), "longer than a year");
    CHECK_HAS(dur_why("1e400"), "longer than a year");
    CHECK_HAS(dur_why("1e10s"), "longer than a year");
    CHECK_HAS(dur_why("1E+99 ms"), "longer than a year");
    CHECK_HAS(dur_why("1e-400s"), "unknown unit");
    CHECK_HAS(dur_why("fast"), "not a duration");
    CHECK_HAS(dur_why("s"), "not a duration");
    CHECK_HAS(dur_why("inf"), "not a duration");
    CHECK_HAS(dur_why("nan"), "not a duration");
    CHECK_HAS(dur_why("0x10s"), "unknown unit");
    CHECK_HAS(dur_why("+5s"), "not a duration");
    CHECK_HAS(dur_why(""), "empty");
    CHECK_HAS(dur_why("   "), "empty");
    CHECK_HAS(dur_why("1s,2s"), "not a duration");
    CHECK_HAS(dur_why("00000000000000000000000000000000000000000000000000000000000000001s"),
              "too many digits");
}

static void test_rates(void)
{
    CHECK_NEAR(rate("8000/s"), 8000, 0);
    CHECK_NEAR(rate("20/m"), 20.0 / 60, 1e-12);
    CHECK_NEAR(rate("100/min"), 100.0 / 60, 1e-12);
    CHECK_NEAR(rate("5/h"), 5.0 / 3600, 1e-15);
    CHECK_NEAR(rate("86400/d"), 1, 1e-12);
    CHECK_NEAR(rate("250"), 250, 0);
    CHECK_NEAR(rate("2.5/s"), 2.5, 0);
    CHECK_NEAR(rate("8k/s"), 8000, 0);
    CHECK_NEAR(rate("2M/h"), 2e6 / 3600, 1e-9);
    CHECK_NEAR(rate("1e6/s"), 1e6, 0);
    CHECK_NEAR(rate("100 / s"), 100, 0);
    CHECK_NEAR(rate("0"), 0, 0);
    CHECK_NEAR(rate("1e9/s"), 1e9, 0);

    CHECK_HAS(rate_why("-5/s"), "negative");
    CHECK_HAS(rate_why("2e9/s"), "more than 1e9 per second");
    CHECK_HAS(rate_why("1e999"), "more than 1e9 per second");
    CHECK_HAS(rate_why("5/fortnight"), "unknown unit");
    CHECK_HAS(rate_why("5/"), "unknown unit");
    CHECK_HAS(rate_why("fast"), "not a rate");
    CHECK_HAS(rate_why("5 per second"), "not a rate");
    CHECK_HAS(rate_why("inf/s"), "not a rate");
    CHECK_HAS(rate_why(""), "empty");
}

static void test_fractions(void)
{
    CHECK_NEAR(frac("90%"), 0.9, 1e-15);
    CHECK_NEAR(frac("0.1%"), 0.001, 1e-15);
    CHECK_NEAR(frac("100%"), 1, 0);
    CHECK_NEAR(frac("0%"), 0, 0);
    CHECK_NEAR(frac("0.25"), 0.25, 0);
    CHECK_NEAR(frac("1"), 1, 0);
    CHECK_NEAR(frac("0"), 0, 0);
    CHECK_NEAR(frac("1e-4"), 1e-4, 0);
    CHECK_NEAR(frac("50 %"), 0.5, 0);

    CHECK_HAS(frac_why("150%"), "more than 100%");
    CHECK_HAS(frac_why("1.5"), "more than 1");
    CHECK_HAS(frac_why("5"), "percentage like 5%");
    CHECK_HAS(frac_why("-0.1"), "negative");
    CHECK_HAS(frac_why("-5%"), "negative");
    CHECK_HAS(frac_why("half"), "not a fraction");
    CHECK_HAS(frac_why("50%%"), "not a fraction");
    CHECK_HAS(frac_why("nan"), "not a fraction");
    CHECK_HAS(frac_why("1e999"), "not a fraction");
    CHECK_HAS(frac_why(""), "empty");
}

static void test_counts(void)
{
    CHECK_EQ_INT(count("0"), 0);
    CHECK_EQ_INT(count("16"), 16);
    CHECK_EQ_INT(count(" 42 "), 42);
    CHECK_EQ_INT(count("10k"), 10000);
    CHECK_EQ_INT(count("2M"), 2000000);
    CHECK_EQ_INT(count("9223372036854775807"), INT64_MAX);

    CHECK_HAS(count_why("1.5"), "not a whole number");
    CHECK_HAS(count_why("-3"), "negative");
    CHECK_HAS(count_why("+3"), "not a whole number");
    CHECK_HAS(count_why("9223372036854775808"), "too large");
    CHECK_HAS(count_why("99999999999999999999999"), "too large");
    CHECK_HAS(count_why("9223372036854776k"), "too large");
    CHECK_HAS(count_why("1e3"), "not a whole number");
    CHECK_HAS(count_why("2m"), "not a whole number");   /* m is minutes, never million */
    CHECK_HAS(count_why("0x10"), "not a whole number");
    CHECK_HAS(count_why("ten"), "not a whole number");
    CHECK_HAS(count_why(""), "empty");
}

static void test_numbers(void)
{
    double v = 0;
    CHECK_EQ_INT(units_parse_number("2", &v, NULL), 0);
    CHECK_NEAR(v, 2, 0);
    CHECK_EQ_INT(units_parse_number("-0.5", &v, NULL), 0);
    CHECK_NEAR(v, -0.5, 0);
    CHECK_EQ_INT(units_parse_number("1e-3", &v, NULL), 0);
    CHECK_NEAR(v, 1e-3, 0);
    CHECK_EQ_INT(units_parse_number("+7", &v, NULL), 0);
    CHECK_NEAR(v, 7, 0);

    CHECK_HAS(num_why("inf"), "not a number");
    CHECK_HAS(num_why(".inf"), "not a number");
    CHECK_HAS(num_why("nan"), "not a number");
    CHECK_HAS(num_why("0x1p3"), "not a number");
    CHECK_HAS(num_why("1e999"), "too large");
    CHECK_HAS(num_why("2x"), "not a number");
    CHECK_HAS(num_why("-"), "not a number");
    CHECK_HAS(num_why(""), "empty");
}

int main(void)
{
    test_durations();
    test_rates();
    test_fractions();
    test_counts();
    test_numbers();
    return fdt_finish();
}
