/*
 * evq.h: the pending-event set.
 *
 * A monotone priority queue of (time, payload) entries. Entries come out in
 * time order; entries with equal times come out in the order they were
 * pushed. That FIFO tie-break is what makes a run deterministic: nothing is
 * ever ordered by pointer value or by hash.
 *
 * "Monotone" is the discrete-event contract: no entry may be pushed earlier
 * than the last entry popped (the simulation never schedules into its own
 * past). evq_push() asserts it.
 *
 * The structure is a radix heap over the 64-bit time: 65 buckets, where
 * bucket i holds the entries whose time differs from the last popped time
 * first in bit i-1. Each entry moves down a bucket only when the bucket
 * above it is emptied, so the amortised cost per entry is a few sequential
 * copies instead of a heap's log2(n) scattered compares. bench/bench_hold.c holds
 * the measurement that chose it over binary and 4-ary heaps.
 *
 * Memory: bucket arrays grow to the peak number pending and are reused; in
 * steady state push and pop allocate nothing.
 */
#ifndef FD_EVQ_H
#define FD_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/fd_time.h"

typedef struct EvqEntry {
    SimTime time;
    uint64_t payload;
} EvqEntry;

typedef struct EvqBucket {
    EvqEntry *v;
    uint32_t head;   /* only bucket 0 is consumed from the front */
    uint32_t len;
    uint32_t cap;
} EvqBucket;

#define EVQ_NBUCKETS 65

typedef struct Evq {
    EvqBucket b[EVQ_NBUCKETS];
    SimTime last;     /* time of the last entry popped; the floor for pushes */
    SimTime peek;     /* earliest time pending, when peek_known */
    bool peek_known;
    uint64_t nonempty;   /* bit i-1 set when bucket i (1..64) holds entries */
    size_t size;
    bool oom;         /* a pop failed for want of memory (the queue is intact) */
} Evq;

void evq_init(Evq *q);
void evq_free(Evq *q);

/* Returns 0, or -1 when memory runs out (the queue is unchanged). */
int evq_push(Evq *q, SimTime t, uint64_t payload);

/* Removes the earliest entry. Returns false when the queue is empty, or
 * when memory ran out regrouping it (then oom is set, nothing is lost). */
bool evq_pop(Evq *q, EvqEntry *out);

/* Time of the earliest entry, or FD_TIME_NEVER when empty. It does not
 * move the push floor, so a caller may peek, find the next entry too late,
 * and still push something earlier. Amortised O(1). */
SimTime evq_peek_time(Evq *q);

/* The earliest entry, or NULL when empty; valid until the next push or
 * pop. Costs what evq_peek_time() costs when the time is not yet known (a
 * scan of one bucket), and leaves the time known. */
const EvqEntry *evq_peek(Evq *q);

static inline size_t evq_size(const Evq *q) { return q->size; }

#endif
