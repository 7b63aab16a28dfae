/*
 * hist.h: mergeable log-bucketed latency histograms.
 *
 * Values are durations in nanoseconds. Buckets are 1/16 of a power of two
 * wide (at most 6.25% of the value), from 1us to about 2.4 hours; values outside clamp to the
 * end buckets. Two histograms merge by adding counts, so per-interval
 * histograms roll up into per-run ones, and shards roll up into a batch,
 * with no loss beyond the bucket width. Quantiles are reported at the upper
 * edge of the bucket (conservative for latency objectives).
 */
#ifndef FD_HIST_H
#define FD_HIST_H

#include <stdint.h>
#include "base/fd_time.h"

#define HIST_SUB 16
#define HIST_MIN_EXP 10            /* 2^10 ns ~ 1us */
#define HIST_MAX_EXP 43            /* 2^43 ns ~ 2.4h */
#define HIST_NBUCKETS ((HIST_MAX_EXP - HIST_MIN_EXP) * HIST_SUB + 1)

typedef struct Hist {
    uint64_t count;
    uint32_t b[HIST_NBUCKETS];
} Hist;

void hist_clear(Hist *h);
void hist_add(Hist *h, SimTime v);
void hist_merge(Hist *dst, const Hist *src);
/* The q-quantile (0..1), or 0 when empty. */
SimTime hist_quantile(const Hist *h, double q);

#endif
