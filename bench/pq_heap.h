/*
 * pq_heap.h: the two comparison queues of bench_hold.c, a binary heap and a
 * 4-ary heap, both keyed by (time, seq).
 *
 * They exist only to give the engine's radix heap (des/evq.h) an honest
 * yardstick, so they are written the way a careful engineer would write a
 * pending-event set, not as straw men: one flat array of {time, seq, payload}
 * structs (no pointers, no per-entry allocation), hole sifting (the moving
 * entry is held in a register and written once, instead of swapping at every
 * level), and the 4-ary heap's usual trick of finding the smallest of up to
 * four children with three compares.
 *
 * The contract matches Evq's: entries leave in time order, and equal times
 * leave in push order. The heap is not stable by itself, so every push takes
 * the next value of a per-heap sequence counter and the key is the pair
 * (time, seq); that is the tie-break the kernel needs and costs the heaps a
 * second compare only on equal times.
 *
 * What they deliberately do not offer is a combined "replace the top"
 * operation, which would save a heap one sift per hold: the kernel cannot use
 * it (an event may schedule zero, one or many events), so the benchmark
 * holds with pop + push for every structure alike.
 *
 * Everything is static inline in this header: the benchmark is one
 * translation unit and wants the compiler to see through the calls, as it
 * would for the engine's own code. Allocation failure returns -1 and leaves
 * the heap unchanged.
 */
#ifndef FD_BENCH_PQ_HEAP_H
#define FD_BENCH_PQ_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "base/fd_time.h"

typedef struct PqEntry {
    SimTime time;
    uint64_t seq;
    uint64_t payload;
} PqEntry;

typedef struct PqHeap {
    PqEntry *v;
    size_t len, cap;
    uint64_t next_seq;
} PqHeap;

static inline bool pq_less(const PqEntry *a, const PqEntry *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

static inline void pq_init(PqHeap *h)
{
    h->v = NULL;
    h->len = h->cap = 0;
    h->next_seq = 0;
}

static inline void pq_free(PqHeap *h)
{
    free(h->v);
    pq_init(h);
}

/* Growth is shared by both heaps; it happens only while filling, never in
 * the timed steady state (the size stays constant under the hold model). */
static inline int pq_reserve(PqHeap *h, size_t want)
{
    if (want <= h->cap) return 0;
    size_t cap = h->cap ? h->cap : 64;
    while (cap < want) cap *= 2;
    PqEntry *v = realloc(h->v, cap * sizeof *v);
    if (!v) return -1;
    h->v = v;
    h->cap = cap;
    return 0;
}

/* ---- binary heap: children of i are 2i+1 and 2i+2 ---- */

/* Push for a heap of `arity` children per node: the sift-up is the same
 * for every arity, and a constant arity folds to a shift when inlined. */
static inline int pq_push_k(PqHeap *h, SimTime t, uint64_t payload, size_t arity)
{
    if (h->len == h->cap && pq_reserve(h, h->len + 1) < 0) return -1;
    PqEntry x = { t, h->next_seq++, payload };
    PqEntry *v = h->v;
    size_t i = h->len++;
    while (i > 0) {
        size_t parent = (i - 1) / arity;
        if (!pq_less(&x, &v[parent])) break;
        v[i] = v[parent];
        i = parent;
    }
    v[i] = x;
    return 0;
}

static inline int pq2_push(PqHeap *h, SimTime t, uint64_t payload)
{
    return pq_push_k(h, t, payload, 2);
}

static inline bool pq2_pop(PqHeap *h, PqEntry *out)
{
    if (h->len == 0) return false;
    PqEntry *v = h->v;
    *out = v[0];
    PqEntry x = v[--h->len];
    size_t n = h->len, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && pq_less(&v[c + 1], &v[c])) c++;
        if (!pq_less(&v[c], &x)) break;
        v[i] = v[c];
        i = c;
    }
    if (n > 0) v[i] = x;
    return true;
}

/* ---- 4-ary heap: children of i are 4i+1 .. 4i+4 ---- */

static inline int pq4_push(PqHeap *h, SimTime t, uint64_t payload)
{
    return pq_push_k(h, t, payload, 4);
}

static inline bool pq4_pop(PqHeap *h, PqEntry *out)
{
    if (h->len == 0) return false;
    PqEntry *v = h->v;
    *out = v[0];
    PqEntry x = v[--h->len];
    size_t n = h->len, i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n) break;
        size_t m = c;
        if (c + 3 < n) {
            /* The common case, a full family: a tournament of three
             * compares, with no bounds checks in between. */
            size_t a = pq_less(&v[c + 1], &v[c]) ? c + 1 : c;
            size_t b = pq_less(&v[c + 3], &v[c + 2]) ? c + 3 : c + 2;
            m = pq_less(&v[b], &v[a]) ? b : a;
        } else {
            for (size_t k = c + 1; k < n; k++)
                if (pq_less(&v[k], &v[m])) m = k;
        }
        if (!pq_less(&v[m], &x)) break;
        v[i] = v[m];
        i = m;
    }
    if (n > 0) v[i] = x;
    return true;
}

#endif
