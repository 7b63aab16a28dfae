/*
 * fd_time.h: simulated time.
 *
 * Simulated time is a signed 64-bit count of nanoseconds since the start of
 * the run. It is never a float: floats drift and make ties depend on
 * rounding, which would break byte-identical replays. 2^63 ns is ~292 years,
 * far past any drill.
 */
#ifndef FD_TIME_H
#define FD_TIME_H

#include <stdint.h>

typedef int64_t SimTime;

#define FD_NS   ((SimTime)1)
#define FD_US   ((SimTime)1000)
#define FD_MS   ((SimTime)1000000)
#define FD_SEC  ((SimTime)1000000000)
#define FD_MIN  (60 * FD_SEC)
#define FD_HOUR (60 * FD_MIN)

#define FD_TIME_NEVER INT64_MAX

/* Seconds as a double, for reporting only; never feed it back into the clock. */
static inline double fd_time_sec(SimTime t) { return (double)t / (double)FD_SEC; }

/* Rounds a duration in seconds to the nearest nanosecond. Negative and NaN
 * become 0; values past the range saturate at FD_TIME_NEVER. */
static inline SimTime fd_time_from_sec(double s)
{
    if (!(s > 0)) return 0;
    if (s >= 9.2e9) return FD_TIME_NEVER;
    return (SimTime)(s * 1e9 + 0.5);
}

#endif
