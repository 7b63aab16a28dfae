/*
 * hist.c: see hist.h. Bucket k >= 1 covers (edge(k-1), edge(k)], with edges
 * growing geometrically by 2^(1/16); bucket 0 takes everything up to 1us.
 */
#include "base/hist.h"

#include <math.h>
#include <string.h>

void hist_clear(Hist *h)
{
    memset(h, 0, sizeof *h);
}

static int bucket_of(SimTime v)
{
    if (v <= ((SimTime)1 << HIST_MIN_EXP)) return 0;
    uint64_t u = (uint64_t)v - 1;           /* so exact powers of two close a bucket */
    int e = 63 - __builtin_clzll(u);        /* floor(log2(u)) */
    if (e >= HIST_MAX_EXP) return HIST_NBUCKETS - 1;
    int sub = (int)((u >> (e - 4)) & (HIST_SUB - 1));  /* next 4 bits below the top */
    return (e - HIST_MIN_EXP) * HIST_SUB + sub + 1;
}

/* The upper edge of bucket k. */
static SimTime edge(int k)
{
    if (k <= 0) return (SimTime)1 << HIST_MIN_EXP;
    int e = (k - 1) / HIST_SUB + HIST_MIN_EXP;
    int sub = (k - 1) % HIST_SUB;
    return (((SimTime)HIST_SUB + sub + 1) << (e - 4));
}

void hist_add(Hist *h, SimTime v)
{
    h->b[bucket_of(v)]++;
    h->count++;
}

void hist_merge(Hist *dst, const Hist *src)
{
    for (int i = 0; i < HIST_NBUCKETS; i++) dst->b[i] += src->b[i];
    dst->count += src->count;
}

SimTime hist_quantile(const Hist *h, double q)
{
    if (!h->count) return 0;
    if (q < 0) q = 0;
    if (q > 1) q = 1;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HIST_NBUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) return edge(i);
    }
    return edge(HIST_NBUCKETS - 1);
}
