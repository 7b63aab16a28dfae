/* test_evq.c: the pending-event set against a reference ordering. */
#include "fdtest.h"
#include "des/evq.h"

#include <stdint.h>

/* A tiny deterministic generator so this test does not depend on rng.c. */
static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static void test_empty(void)
{
    Evq q;
    evq_init(&q);
    EvqEntry e;
    CHECK(!evq_pop(&q, &e));
    CHECK(evq_peek_time(&q) == FD_TIME_NEVER);
    CHECK_EQ_INT(evq_size(&q), 0);
    evq_free(&q);
}

/* Equal times come out in push order, even across bucket moves. */
static void test_fifo_ties(void)
{
    Evq q;
    evq_init(&q);
    for (uint64_t i = 0; i < 1000; i++) evq_push(&q, (SimTime)(1000 + (i % 7) * 1000003), i);
    EvqEntry e, prev = { -1, 0 };
    int ok = 1;
    while (evq_pop(&q, &e)) {
        if (e.time < prev.time) ok = 0;
        if (e.time == prev.time && e.payload < prev.payload) ok = 0;
        prev = e;
    }
    CHECK(ok);
    evq_free(&q);
}

/* The hold model, checked against a brute-force minimum: every pop returns
 * the earliest (time, push order) among what is pending. */
static void test_hold_against_reference(void)
{
    enum { N = 300, OPS = 20000 };
    Evq q;
    evq_init(&q);
    SimTime times[N];
    uint64_t seqs[N];
    int used[N];
    uint64_t s = 42, seq = 0;
    for (int i = 0; i < N; i++) {
        times[i] = (SimTime)(lcg(&s) % 100000);
        seqs[i] = seq++;
        used[i] = 1;
        evq_push(&q, times[i], (uint64_t)i);
    }
    int ok = 1;
    for (int op = 0; op < OPS; op++) {
        int best = -1;
        for (int i = 0; i < N; i++) {
            if (!used[i]) continue;
            if (best < 0 || times[i] < times[best] ||
                (times[i] == times[best] && seqs[i] < seqs[best])) best = i;
        }
        if (evq_peek_time(&q) != times[best]) ok = 0;
        EvqEntry e;
        if (!evq_pop(&q, &e) || e.payload != (uint64_t)best || e.time != times[best]) ok = 0;
        /* Re-insert with a small increment; ties are frequent. */
        times[best] = e.time + (SimTime)(lcg(&s) % 50);
        seqs[best] = seq++;
        evq_push(&q, times[best], (uint64_t)best);
    }
    CHECK(ok);
    CHECK_EQ_INT(evq_size(&q), N);
    evq_free(&q);
}

/* Peeking must not raise the push floor: a caller can peek at a far event
 * and then schedule something earlier. */
static void test_peek_then_push_earlier(void)
{
    Evq q;
    evq_init(&q);
    evq_push(&q, 10, 1);
    evq_push(&q, 5000, 2);
    EvqEntry e;
    CHECK(evq_pop(&q, &e) && e.payload == 1);
    CHECK(evq_peek_time(&q) == 5000);
    evq_push(&q, 20, 3);
    CHECK(evq_peek_time(&q) == 20);
    CHECK(evq_pop(&q, &e) && e.payload == 3 && e.time == 20);
    CHECK(evq_pop(&q, &e) && e.payload == 2 && e.time == 5000);
    CHECK(!evq_pop(&q, &e));
    evq_free(&q);
}

/* evq_peek() names the entry the next pop returns, ties in push order
 * included, whether it sits in bucket 0 or still in a higher bucket. */
static void test_peek_entry(void)
{
    Evq q;
    evq_init(&q);
    CHECK(evq_peek(&q) == NULL);
    uint64_t s = 7;
    for (uint64_t i = 0; i < 2000; i++) evq_push(&q, (SimTime)(lcg(&s) % 50000), i);
    int ok = 1;
    for (int n = 0; n < 2000; n++) {
        const EvqEntry *p = evq_peek(&q);
        if (!p) { ok = 0; break; }
        EvqEntry want = *p, e;
        if (evq_peek_time(&q) != want.time) ok = 0;
        if (!evq_pop(&q, &e) || e.time != want.time || e.payload != want.payload) ok = 0;
        if (n % 3 == 0) evq_push(&q, e.time + (SimTime)(lcg(&s) % 100), 10000 + (uint64_t)n);
    }
    CHECK(ok);
    evq_free(&q);
}

/* Huge time spans (the whole int64 range) stay ordered. */
static void test_extremes(void)
{
    Evq q;
    evq_init(&q);
    evq_push(&q, INT64_MAX - 1, 1);
    evq_push(&q, 0, 2);
    evq_push(&q, (SimTime)1 << 40, 3);
    evq_push(&q, 0, 4);
    EvqEntry e;
    CHECK(evq_pop(&q, &e) && e.payload == 2);
    CHECK(evq_pop(&q, &e) && e.payload == 4);
    CHECK(evq_pop(&q, &e) && e.payload == 3);
    CHECK(evq_pop(&q, &e) && e.payload == 1);
    evq_free(&q);
}

int main(void)
{
    test_empty();
    test_fifo_ties();
    test_hold_against_reference();
    test_peek_then_push_earlier();
    test_peek_entry();
    test_extremes();
    return fdt_finish();
}
