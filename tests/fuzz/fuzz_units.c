/*
 * fuzz_units.c: the duration, rate, fraction, count and number parsers
 * (base/units.h), which read every value of a topology and scenario.
 * Each parser gets the same text; whatever it accepts must be in range.
 */
#include "fuzz_common.h"

#include <math.h>
#include <stdlib.h>
#include "base/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    const char *why;
    SimTime t;
    if (units_parse_duration(s, &t, &why) == 0 && (t < 0 || t > FD_UNITS_MAX_DURATION)) abort();
    double v;
    if (units_parse_rate(s, &v, &why) == 0 && !(v >= 0 && isfinite(v))) abort();
    if (units_parse_fraction(s, &v, &why) == 0 && !(v >= 0 && v <= 1)) abort();
    int64_t n;
    (void)units_parse_count(s, &n, &why);
    if (units_parse_number(s, &v, &why) == 0 && !isfinite(v)) abort();
    free(s);
    return 0;
}
