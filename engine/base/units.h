/*
 * units.h: values as people write them ("250ms", "1h30m", "8000/s", "90%").
 *
 * Topology and scenario files are written by people, so durations, rates
 * and fractions come with units, and a mistake ("5" for a timeout: seconds?
 * milliseconds?) must be caught, not guessed. Each parser takes the text of
 * one value, with surrounding white space ignored, and either stores the
 * value and returns 0, or leaves *out untouched, returns -1 and points *why
 * (when why is not NULL) at a static reason written to follow the quoted
 * value in a message:
 *
 *   timeout: '5' needs a unit (ns, us, ms, s, m, h or d)
 *
 * Absurd values are rejected rather than clamped: a duration over a year, a
 * rate over 1e9 per second, a fraction outside 0..1. Numbers are decimal,
 * never hexadecimal, infinite or NaN. Parsing uses strtod, so the process
 * must run in the "C" numeric locale (firedrill never calls setlocale).
 */
#ifndef FD_UNITS_H
#define FD_UNITS_H

#include <stdint.h>
#include "base/fd_time.h"

#define FD_UNITS_MAX_DURATION (365 * 24 * FD_HOUR)  /* one year */
#define FD_UNITS_MAX_RATE 1e9                        /* per second */

/* A duration: one or more <number><unit> parts, largest first by habit
 * ("1h30m", "1.5s", "250ms"). Units: ns, us (or µs), ms, s, m (or min), h, d.
 * A bare number needs a unit, except 0. */
int units_parse_duration(const char *s, SimTime *out, const char **why);

/* A rate, in events per second: "8000/s", "20/m" (or /min), "5/h", "1/d";
 * a bare number is per second. The number may carry a k (thousand) or M
 * (million) suffix: "8k/s". */
int units_parse_rate(const char *s, double *out, const char **why);

/* A fraction 0..1: "90%", "0.1%", or a plain number "0.9". */
int units_parse_fraction(const char *s, double *out, const char **why);

/* A count: a non-negative whole number, optionally with a k (thousand) or M
 * (million) suffix: "10k", "2M". Up to INT64_MAX. */
int units_parse_count(const char *s, int64_t *out, const char **why);

/* A plain finite decimal number, optionally signed, with an optional
 * exponent: "2", "-0.5", "1e-3". */
int units_parse_number(const char *s, double *out, const char **why);

#endif
