/*
 * units.c: parsers for values written with units (see units.h).
 *
 * Every parser works on a [begin, end) span of the trimmed text and scans it
 * by hand: strtod alone would accept "inf", "nan", hexadecimal and leading
 * white space, none of which a person means in a topology file. strtod is
 * only used to convert a span already known to be a plain decimal number,
 * so its rounding is the one thing we borrow from it.
 *
 * Durations are summed part by part in integer nanoseconds; each part is
 * rounded once from its double value, which is exact for anything a person
 * writes ("1.5s", "0.1s") at nanosecond resolution.
 */
#include "base/units.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Longest number we convert; longer spans are typos or attacks. */
#define NUM_MAX 63

static int fail(const char **why, const char *reason)
{
    if (why) *why = reason;
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Trims white space; *b and *e delimit what is left. */
static void trim(const char *s, const char **b, const char **e)
{
    const char *p = s, *q = s + strlen(s);
    while (p < q && is_space(*p)) p++;
    while (q > p && is_space(q[-1])) q--;
    *b = p;
    *e = q;
}

typedef enum Scan { SCAN_OK, SCAN_NONE, SCAN_LONG, SCAN_RANGE } Scan;

/* Scans an unsigned decimal number at *p (digits, an optional fraction and,
 * when exp is set, an optional exponent) and converts it. On SCAN_OK *p is
 * moved past it. SCAN_NONE: no number there. */
static Scan scan_decimal(const char **p, const char *e, bool exp, double *v)
{
    const char *q = *p;
    size_t digits = 0;
    while (q < e && is_digit(*q)) q++, digits++;
    if (q < e && *q == '.') {
        q++;
        while (q < e && is_digit(*q)) q++, digits++;
    }
    if (digits == 0) return SCAN_NONE;
    /* An exponent only counts when digits follow: "1e" leaves the "e" for
     * the caller (it may be a unit). */
    if (exp && q < e && (*q == 'e' || *q == 'E')) {
        const char *r = q + 1;
        if (r < e && (*r == '+' || *r == '-')) r++;
        if (r < e && is_digit(*r)) {
            while (r < e && is_digit(*r)) r++;
            q = r;
        }
    }
    size_t len = (size_t)(q - *p);
    if (len > NUM_MAX) return SCAN_LONG;
    char buf[NUM_MAX + 1];
    memcpy(buf, *p, len);
    buf[len] = '\0';
    double d = strtod(buf, NULL);
    if (!isfinite(d)) return SCAN_RANGE;
    *v = d;
    *p = q;
    return SCAN_OK;
}

/* An optional k/M multiplier suffix, as in "10k" or "2M". */
static double scan_suffix(const char **p, const char *e)
{
    if (*p < e && (**p == 'k' || **p == 'K')) { (*p)++; return 1e3; }
    if (*p < e && **p == 'M') { (*p)++; return 1e6; }
    return 1;
}

static const char *skip_spaces(const char *p, const char *e)
{
    while (p < e && is_space(*p)) p++;
    return p;
}

typedef struct Unit {
    const char *name;
    SimTime ns;
} Unit;

static const Unit duration_units[] = {
    { "ns", FD_NS },  { "us", FD_US },     { "\xc2\xb5s", FD_US }, /* µs, micro sign */
    { "\xce\xbcs", FD_US },                                       /* μs, Greek mu */
    { "ms", FD_MS },  { "s", FD_SEC },     { "sec", FD_SEC },
    { "m", FD_MIN },  { "min", FD_MIN },   { "h", FD_HOUR },
    { "d", 24 * FD_HOUR },
};

#define NO_UNIT "needs a unit (ns, us, ms, s, m, h or d)"
#define BAD_UNIT "has an unknown unit (use ns, us, ms, s, m, h or d)"
#define NOT_DURATION "is not a duration like 250ms or 1h30m"

/* The duration unit spelled by [u, end), or NULL. */
static const Unit *find_unit(const char *u, const char *end)
{
    for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++) {
        size_t n = strlen(duration_units[i].name);
        if (n == (size_t)(end - u) && memcmp(u, duration_units[i].name, n) == 0)
            return &duration_units[i];
    }
    return NULL;
}

int units_parse_duration(const char *s, SimTime *out, const char **why)
{
    const char *p, *e;
    trim(s, &p, &e);
    if (p == e) return fail(why, "is empty (write a duration like 250ms)");
    if (*p == '-') return fail(why, "must not be negative");
    SimTime total = 0;
    int parts = 0;
    while (p < e) {
        double v;
        const char *num = p;
        switch (scan_decimal(&p, e, false, &v)) {
        case SCAN_OK: break;
        case SCAN_LONG: return fail(why, "has too many digits");
        case SCAN_RANGE: return fail(why, "is longer than a year");
        case SCAN_NONE: return fail(why, NOT_DURATION);
        }
        p = skip_spaces(p, e);
        const char *u = p;
        /* A unit is letters, or the two-byte micro signs. */
        while (p < e && (isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80)) p++;
        if (u == p) {
            if (p < e) return fail(why, NOT_DURATION);
            if (parts == 0 && v == 0) break;    /* a bare 0 means no time at all */
            return fail(why, NO_UNIT);
        }
        const Unit *unit = find_unit(u, p);
        if (!unit) {
            /* "1e400s": durations take no exponent, but when the number
             * written is out of range anyway, that is what to say. */
            const char *x = num;
            double big = 0;
            Scan sc = *u == 'e' || *u == 'E' ? scan_decimal(&x, e, true, &big) : SCAN_NONE;
            if (sc == SCAN_RANGE) return fail(why, "is longer than a year");
            if (sc == SCAN_OK && x > u) {
                const char *xe = skip_spaces(x, e), *ue = xe;
                while (ue < e && isalpha((unsigned char)*ue)) ue++;
                const Unit *xu = find_unit(xe, ue);
                double ns = big * (double)(xu ? xu->ns : 1);
                if (ns > (double)FD_UNITS_MAX_DURATION) return fail(why, "is longer than a year");
            }
            return fail(why, BAD_UNIT);
        }
        double ns = v * (double)unit->ns;
        if (ns > (double)FD_UNITS_MAX_DURATION) return fail(why, "is longer than a year");
        total += (SimTime)llround(ns);
        if (total > FD_UNITS_MAX_DURATION) return fail(why, "is longer than a year");
        parts++;
        p = skip_spaces(p, e);
    }
    *out = total;
    return 0;
}

int units_parse_rate(const char *s, double *out, const char **why)
{
    const char *p, *e;
    trim(s, &p, &e);
    if (p == e) return fail(why, "is empty (write a rate like 100/s)");
    if (*p == '-') return fail(why, "must not be negative");
    double v;
    switch (scan_decimal(&p, e, true, &v)) {
    case SCAN_OK: break;
    case SCAN_LONG: return fail(why, "has too many digits");
    case SCAN_RANGE: return fail(why, "is more than 1e9 per second");
    case SCAN_NONE: return fail(why, "is not a rate like 100/s or 20/m");
    }
    v *= scan_suffix(&p, e);
    p = skip_spaces(p, e);
    double per = 1;
    if (p < e) {
        if (*p != '/') return fail(why, "is not a rate like 100/s or 20/m");
        p = skip_spaces(p + 1, e);
        static const struct { const char *name; double sec; } units[] = {
            { "s", 1 },     { "sec", 1 },     { "second", 1 },
            { "m", 60 },    { "min", 60 },    { "minute", 60 },
            { "h", 3600 },  { "hour", 3600 }, { "d", 86400 }, { "day", 86400 },
        };
        size_t n = (size_t)(e - p);
        per = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].name) == n && memcmp(p, units[i].name, n) == 0) per = units[i].sec;
        if (per == 0) return fail(why, "has an unknown unit (use /s, /m, /h or /d)");
    }
    v /= per;
    if (!(v <= FD_UNITS_MAX_RATE)) return fail(why, "is more than 1e9 per second");
    *out = v;
    return 0;
}

int units_parse_fraction(const char *s, double *out, const char **why)
{
    const char *p, *e;
    trim(s, &p, &e);
    if (p == e) return fail(why, "is empty (write a fraction like 0.5 or 50%)");
    if (*p == '-') return fail(why, "must not be negative");
    double v;
    switch (scan_decimal(&p, e, true, &v)) {
    case SCAN_OK: break;
    case SCAN_LONG: return fail(why, "has too many digits");
    case SCAN_RANGE:
    case SCAN_NONE: return fail(why, "is not a fraction like 0.5 or 50%");
    }
    p = skip_spaces(p, e);
    bool percent = p < e && *p == '%';
    if (percent) {
        v /= 100;
        p++;
    }
    if (p != e) return fail(why, "is not a fraction like 0.5 or 50%");
    if (v > 1)
        return fail(why, percent ? "is more than 100%"
                                 : "is more than 1 (a fraction is 0..1, or a percentage like 5%)");
    *out = v;
    return 0;
}

int units_parse_count(const char *s, int64_t *out, const char **why)
{
    const char *p, *e;
    trim(s, &p, &e);
    if (p == e) return fail(why, "is empty (write a whole number)");
    if (*p == '-') return fail(why, "must not be negative");
    if (!is_digit(*p)) return fail(why, "is not a whole number");
    uint64_t v = 0;
    while (p < e && is_digit(*p)) {
        unsigned d = (unsigned)(*p++ - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10) return fail(why, "is too large");
        v = v * 10 + d;
    }
    uint64_t mult = 1;
    if (p < e && (*p == 'k' || *p == 'K')) mult = 1000, p++;
    else if (p < e && *p == 'M') mult = 1000000, p++;
    if (p != e) return fail(why, "is not a whole number");
    if (v > (uint64_t)INT64_MAX / mult) return fail(why, "is too large");
    *out = (int64_t)(v * mult);
    return 0;
}

int units_parse_number(const char *s, double *out, const char **why)
{
    const char *p, *e;
    trim(s, &p, &e);
    if (p == e) return fail(why, "is empty (write a number)");
    bool neg = false;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    double v;
    switch (scan_decimal(&p, e, true, &v)) {
    case SCAN_OK: break;
    case SCAN_LONG: return fail(why, "has too many digits");
    case SCAN_RANGE: return fail(why, "is too large");
    case SCAN_NONE: return fail(why, "is not a number");
    }
    if (p != e) return fail(why, "is not a number");
    *out = neg ? -v : v;
    return 0;
}
