/*
 * evq.c: a radix heap with FIFO ties (see evq.h for the contract).
 *
 * Invariant: every entry e sits in bucket bucket_of(e.time, last), where
 * bucket_of(t, last) is 0 when t == last and otherwise 1 + the index of the
 * highest bit in which t and last differ. When `last` moves to the minimum
 * of the lowest non-empty bucket i, entries in buckets above i keep their
 * bucket (the new last agrees with the old one above bit i-1), and the
 * entries of bucket i spread into buckets below i, which are empty.
 *
 * Ties: entries with equal times always share a bucket (same t, same last),
 * every bucket is appended to in push order, and a redistribution walks a
 * bucket front to back, so equal times keep their push order throughout.
 */
#include "des/evq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static inline unsigned bucket_of(SimTime t, SimTime last)
{
    uint64_t x = (uint64_t)t ^ (uint64_t)last;
    return x == 0 ? 0 : 64u - (unsigned)__builtin_clzll(x);
}

static int bucket_reserve(EvqBucket *b, uint32_t want)
{
    if (want <= b->cap) return 0;
    uint32_t cap = b->cap ? b->cap : 16;
    while (cap < want) cap *= 2;
    EvqEntry *v = realloc(b->v, (size_t)cap * sizeof *v);
    if (!v) return -1;
    b->v = v;
    b->cap = cap;
    return 0;
}

void evq_init(Evq *q)
{
    memset(q, 0, sizeof *q);
    q->peek = FD_TIME_NEVER;
    q->peek_known = true;
}

void evq_free(Evq *q)
{
    for (int i = 0; i < EVQ_NBUCKETS; i++) free(q->b[i].v);
    memset(q, 0, sizeof *q);
}

int evq_push(Evq *q, SimTime t, uint64_t payload)
{
    assert(t >= q->last && "evq: push into the past");
    unsigned bi = bucket_of(t, q->last);
    EvqBucket *b = &q->b[bi];
    if (b->len == b->cap && bucket_reserve(b, b->len + 1) < 0) return -1;
    if (bi) q->nonempty |= 1ull << (bi - 1);
    b->v[b->len++] = (EvqEntry){ t, payload };
    q->size++;
    if (q->peek_known && t < q->peek) q->peek = t;
    return 0;
}

/* The earliest entry pending: bucket 0's head when it holds anything, else
 * the first entry with the minimum time in the lowest non-empty bucket
 * (every entry above it is later, and ties keep push order within it). */
static const EvqEntry *scan_min(const Evq *q)
{
    if (q->b[0].head < q->b[0].len) return &q->b[0].v[q->b[0].head];
    assert(q->nonempty);   /* called with entries pending */
    unsigned i = 1 + (unsigned)__builtin_ctzll(q->nonempty);
    const EvqBucket *src = &q->b[i];
    const EvqEntry *min = &src->v[0];
    for (uint32_t k = 1; k < src->len; k++)
        if (src->v[k].time < min->time) min = &src->v[k];
    return min;
}

/* Makes bucket 0 non-empty, if the queue is. Returns false when empty. */
static bool refill(Evq *q)
{
    EvqBucket *b0 = &q->b[0];
    if (b0->head < b0->len) return true;
    b0->head = b0->len = 0;
    if (q->size == 0) return false;

    assert(q->nonempty && "evq: entries counted but in no bucket");
    unsigned i = 1 + (unsigned)__builtin_ctzll(q->nonempty);
    EvqBucket *src = &q->b[i];
    SimTime min = q->peek_known ? q->peek : scan_min(q)->time;

    /* Every destination is below i, so never src itself, and every
     * bucket below i is empty (i is the lowest non-empty one). Entries are
     * copied, not moved, until the end: if a bucket cannot grow, emptying
     * the buckets below i again puts the queue back as it was (q->oom says
     * why the pop failed). */
    SimTime old_last = q->last;
    uint64_t old_nonempty = q->nonempty;
    q->last = min;
    for (uint32_t k = 0; k < src->len; k++) {
        EvqEntry e = src->v[k];
        unsigned di = bucket_of(e.time, min);
        EvqBucket *dst = &q->b[di];
        assert(di < i);
        if (dst->len == dst->cap && bucket_reserve(dst, dst->len + 1) < 0) {
            for (unsigned j = 0; j < i; j++) q->b[j].len = 0;
            q->nonempty = old_nonempty;
            q->last = old_last;
            q->oom = true;
            return false;
        }
        if (di) q->nonempty |= 1ull << (di - 1);
        dst->v[dst->len++] = e;
    }
    src->len = 0;
    q->nonempty &= ~(1ull << (i - 1));
    assert(b0->len > 0 && "evq: the minimum did not reach bucket 0");
    return true;
}

bool evq_pop(Evq *q, EvqEntry *out)
{
    if (!refill(q)) return false;
    EvqBucket *b0 = &q->b[0];
    assert(b0->v[b0->head].time == q->last);   /* bucket 0 holds `last` only */
    *out = b0->v[b0->head++];
    q->size--;
    if (b0->head < b0->len) {
        q->peek = q->last;
        q->peek_known = true;
    } else {
        q->peek = FD_TIME_NEVER;
        q->peek_known = q->size == 0;   /* else found lazily, if asked */
    }
    return true;
}

SimTime evq_peek_time(Evq *q)
{
    if (!q->peek_known) {
        q->peek = scan_min(q)->time;
        q->peek_known = true;
    }
    return q->peek;
}

const EvqEntry *evq_peek(Evq *q)
{
    if (q->size == 0) return NULL;
    const EvqEntry *e = scan_min(q);
    q->peek = e->time;
    q->peek_known = true;
    return e;
}
