/*
 * bench_chain_ref.c: the chain of bench_chain.c, simulated by hand.
 *
 * The yardstick for bench_chain: what a competent engineer would write as a
 * one-off discrete-event simulation of exactly that chain, gateway ->
 * service -> db, with nothing from firedrill but its random numbers
 * (base/rng.h). It is meant to be honest and reasonably fast, not a straw
 * man: a flat binary heap of 24-byte events keyed by (time, sequence),
 * requests and intents in flat arrays recycled through free lists, cancel
 * by stamp (a cancelled timeout stays queued and is skipped when it comes
 * up, which is what most hand-written simulators do), and no per-interval
 * metrics, latency histograms or utilisation integrals: it counts only what
 * it prints.
 *
 * The semantics are the model's (engine/model/model_req.c and
 * model_client.c), written out for this one chain:
 *   - a request arriving at a hop goes to the next instance round-robin;
 *     it takes a worker if one is free, else waits in the instance's FIFO
 *     queue, else is rejected (workers + queue full);
 *   - holding its worker it does its own work (a service-time draw), fails
 *     with the hop's error rate, then calls the next hop: each attempt has
 *     a timeout, a failed attempt (error or timeout) is retried after
 *     min(max, base * multiplier^(k-1)) scaled by a uniform factor in
 *     [1 - jitter, 1], and when the attempts run out the request fails
 *     (timeout if the last attempt timed out, else dependency);
 *   - a caller that times out abandons its callee, which keeps working (and
 *     keeps calling and retrying) to the end: wasted work;
 *   - the client sends an attempt per intent with its own timeout, retries
 *     a failed attempt once after its backoff, and then the user sees the
 *     failure (no re-attempts).
 * Same distributions, same draws per stream (the streams are seeded with
 * the model's own stream names and each stream is drawn in the same order),
 * and the same FIFO order for simultaneous events; so when both programs
 * are right they print the same figures, and a difference beyond floating
 * noise means one of them changed.
 *
 *   usage: bench_chain_ref [--minutes M] [--rate R] [--seed S]
 *
 * The last line is machine-readable for run.sh, in bench_chain's format:
 *   chain-result impl=reference minutes=M rate=R requests=N wall_s=S ...
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/rng.h"

typedef int64_t Time;           /* nanoseconds */
#define MS  ((Time)1000000)
#define SEC ((Time)1000000000)

/* ---- the chain: the same numbers as bench_chain.c's YAML ---- */

enum { GW, SVC, DB, NHOPS };
enum { D_EXP, D_LOGNORMAL };
enum { C_REJECTED, C_TIMEOUT, C_DEPENDENCY, C_ERROR, NCAUSES };

#define Z_P99 2.3263478740408408   /* the standard normal's 99th percentile */

typedef struct Backoff {
    Time base, max;
    double mult, jitter;
} Backoff;

typedef struct Hop {
    const char *name, *stream;
    int ninst, conc, queue;
    int dist;
    double a, b;                /* exp: mean; lognormal: mu, sigma (seconds) */
    double error_rate;
    int callee;                 /* -1: makes no call */
    Time timeout;
    int retries;
    Backoff bo;
} Hop;

static Hop hops[NHOPS] = {
    [GW] = { "gateway", "pool:gateway:dc", 4, 64, 128, D_EXP, 0.002, 0, 0,
             SVC, 250 * MS, 1, { 50 * MS, 500 * MS, 2, 1 } },
    [SVC] = { "service", "pool:service:dc", 6, 32, 64, D_LOGNORMAL, 0, 0, 0,
              DB, 200 * MS, 2, { 20 * MS, 200 * MS, 2, 1 } },
    [DB] = { "db", "pool:db:dc", 4, 16, 64, D_LOGNORMAL, 0, 0, 0.01,
             -1, 0, 0, { 0, 0, 0, 0 } },
};

static void hops_init(void)
{
    /* Lognormals from (median, p99), as the model's dist_lognormal does. */
    hops[SVC].a = log(0.005);
    hops[SVC].b = (log(0.030) - hops[SVC].a) / Z_P99;
    hops[DB].a = log(0.008);
    hops[DB].b = (log(0.200) - hops[DB].a) / Z_P99;
}

#define CLIENT_TIMEOUT (1 * SEC)
#define CLIENT_RETRIES 1
static const Backoff client_bo = { 100 * MS, 1 * SEC, 2, 1 };

/* ---- the event heap ---- */

enum { EV_ARRIVAL, EV_WORK, EV_CALL_TIMEOUT, EV_BACKOFF, EV_CLIENT_TIMEOUT, EV_CLIENT_RETRY };

typedef struct Ev {
    Time t;
    uint64_t seq;               /* FIFO among equal times */
    uint32_t what;              /* kind << 28 | object index */
    uint32_t stamp;             /* the object's generation or timeout id when scheduled */
} Ev;

typedef struct Heap {
    Ev *v;
    size_t n, cap;
    uint64_t seq;
} Heap;

static inline bool ev_before(const Ev *a, const Ev *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(Heap *h, Time t, int kind, uint32_t obj, uint32_t stamp)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        if (!h->v) { perror("bench_chain_ref"); exit(3); }
    }
    Ev e = { t, h->seq++, (uint32_t)kind << 28 | obj, stamp };
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ev_before(&e, &h->v[parent])) break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = e;
}

static Ev heap_pop(Heap *h)
{
    Ev top = h->v[0];
    Ev last = h->v[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ev_before(&h->v[c + 1], &h->v[c])) c++;
        if (!ev_before(&h->v[c], &last)) break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (n) h->v[i] = last;
    return top;
}

/* ---- state ---- */

enum { RQ_QUEUED, RQ_WORKING, RQ_CALLING, RQ_BACKOFF };

typedef struct Req {
    uint8_t hop, state, orphan;
    int8_t attempt;             /* attempts made at the current call */
    int32_t inst;               /* -1 until it holds or waits for a worker */
    int32_t parent, child, intent;
    int32_t next;               /* instance queue, or free list */
    uint32_t gen;               /* bumped when freed */
    uint32_t tmo;               /* id of the armed call timeout; bumped to disarm */
    Time arrived;
} Req;

typedef struct Intent {
    int32_t req;                /* outstanding attempt, -1 */
    int32_t next;
    uint32_t gen, tmo;
    int retries;
} Intent;

typedef struct Inst {
    int busy, qlen;
    int32_t qhead, qtail;
} Inst;

typedef struct HopState {
    Inst inst[8];
    int rr;
    Rng rng;
    double offered, ok, failed[NCAUSES], wasted, lat_sum;
    uint64_t lat_n;
} HopState;

typedef struct Ref {
    Time now;
    Heap q;
    Req *req;
    int32_t nreq, capreq, req_free;
    Intent *it;
    int32_t nit, capit, it_free;
    HopState hs[NHOPS];
    Rng src_rng;
    double rate;
    uint64_t events;
    double intents, intents_ok, intents_failed, attempts, user_failures;
} Ref;

static inline Time from_sec(double s)
{
    if (!(s > 0)) return 0;
    return (Time)(s * 1e9 + 0.5);
}

static Time backoff_delay(const Backoff *b, int retry, Rng *rng)
{
    double d = (double)b->base;
    for (int k = 1; k < retry && d < (double)b->max; k++) d *= b->mult;
    if (d > (double)b->max) d = (double)b->max;
    d *= 1.0 - b->jitter * rng_uniform(rng);
    return (Time)d;
}

static int32_t req_new(Ref *s)
{
    if (s->req_free < 0) {
        if (s->nreq == s->capreq) {
            s->capreq = s->capreq ? s->capreq * 2 : 4096;
            s->req = realloc(s->req, (size_t)s->capreq * sizeof *s->req);
            if (!s->req) { perror("bench_chain_ref"); exit(3); }
        }
        s->req[s->nreq] = (Req){ .gen = 0, .tmo = 0 };
        s->req_free = s->nreq++;
        s->req[s->req_free].next = -1;
    }
    int32_t i = s->req_free;
    Req *r = &s->req[i];
    s->req_free = r->next;
    r->state = RQ_QUEUED;
    r->orphan = 0;
    r->attempt = 0;
    r->inst = r->parent = r->child = r->intent = r->next = -1;
    return i;
}

static void req_free(Ref *s, int32_t i)
{
    Req *r = &s->req[i];
    r->gen++;
    r->tmo++;
    r->next = s->req_free;
    s->req_free = i;
}

static int32_t intent_new(Ref *s)
{
    if (s->it_free < 0) {
        if (s->nit == s->capit) {
            s->capit = s->capit ? s->capit * 2 : 4096;
            s->it = realloc(s->it, (size_t)s->capit * sizeof *s->it);
            if (!s->it) { perror("bench_chain_ref"); exit(3); }
        }
        s->it[s->nit] = (Intent){ .gen = 0 };
        s->it_free = s->nit++;
        s->it[s->it_free].next = -1;
    }
    int32_t i = s->it_free;
    s->it_free = s->it[i].next;
    s->it[i].req = -1;
    s->it[i].retries = 0;
    return i;
}

static void intent_free(Ref *s, int32_t i)
{
    s->it[i].gen++;
    s->it[i].tmo++;
    s->it[i].next = s->it_free;
    s->it_free = i;
}

/* ---- the request path ---- */

static void arrive(Ref *s, int32_t ri, int hop);
static void child_done(Ref *s, int32_t pi, bool ok);
static void client_done(Ref *s, int32_t ii, bool ok);

static void start_work(Ref *s, int32_t ri, int i)
{
    Req *r = &s->req[ri];
    const Hop *h = &hops[r->hop];
    HopState *hs = &s->hs[r->hop];
    hs->inst[i].busy++;
    r->inst = i;
    r->state = RQ_WORKING;
    double secs = h->dist == D_EXP ? -h->a * log(rng_uniform_pos(&hs->rng))
                                   : exp(h->a + h->b * rng_normal(&hs->rng));
    heap_push(&s->q, s->now + from_sec(secs), EV_WORK, (uint32_t)ri, r->gen);
}

/* Answers request ri: counts, frees its worker (the next queued request
 * starts), then tells its caller or client, if it still has one. */
static void finish(Ref *s, int32_t ri, bool ok, int cause)
{
    Req *r = &s->req[ri];
    int hop = r->hop;
    HopState *hs = &s->hs[hop];
    if (ok) hs->ok += 1;
    else hs->failed[cause] += 1;
    if (r->orphan) hs->wasted += 1;
    hs->lat_sum += (double)(s->now - r->arrived) / (double)SEC;
    hs->lat_n++;
    if (r->inst >= 0 && r->state != RQ_QUEUED) {
        Inst *in = &hs->inst[r->inst];
        in->busy--;
        while (in->qhead >= 0 && in->busy < hops[hop].conc) {
            int32_t qi = in->qhead;
            in->qhead = s->req[qi].next;
            if (in->qhead < 0) in->qtail = -1;
            in->qlen--;
            start_work(s, qi, r->inst);
        }
    }
    int32_t parent = r->parent, intent = r->intent;
    if (parent >= 0) s->req[parent].child = -1;
    if (intent >= 0) s->it[intent].req = -1;
    req_free(s, ri);
    if (parent >= 0) child_done(s, parent, ok);
    else if (intent >= 0) client_done(s, intent, ok);
}

static void send_call(Ref *s, int32_t ri)
{
    Req *r = &s->req[ri];
    const Hop *h = &hops[r->hop];
    r->attempt++;
    r->state = RQ_CALLING;
    r->tmo++;
    heap_push(&s->q, s->now + h->timeout, EV_CALL_TIMEOUT, (uint32_t)ri, r->tmo);
    int32_t ci = req_new(s);         /* may move s->req */
    s->req[ci].parent = ri;
    s->req[ri].child = ci;
    arrive(s, ci, h->callee);
}

static void call_failed(Ref *s, int32_t ri, bool timed_out)
{
    Req *r = &s->req[ri];
    const Hop *h = &hops[r->hop];
    if (r->attempt <= h->retries) {
        r->state = RQ_BACKOFF;
        Time d = backoff_delay(&h->bo, r->attempt, &s->hs[r->hop].rng);
        heap_push(&s->q, s->now + d, EV_BACKOFF, (uint32_t)ri, r->gen);
        return;
    }
    finish(s, ri, false, timed_out ? C_TIMEOUT : C_DEPENDENCY);
}

static void child_done(Ref *s, int32_t pi, bool ok)
{
    s->req[pi].tmo++;                /* disarm the timeout */
    if (!ok) call_failed(s, pi, false);
    else finish(s, pi, true, 0);
}

static void arrive(Ref *s, int32_t ri, int hop)
{
    Req *r = &s->req[ri];
    const Hop *h = &hops[hop];
    HopState *hs = &s->hs[hop];
    r->hop = (uint8_t)hop;
    r->arrived = s->now;
    hs->offered += 1;
    int i = hs->rr;
    hs->rr = (i + 1) % h->ninst;
    Inst *in = &hs->inst[i];
    if (in->busy + in->qlen >= h->conc + h->queue) {
        finish(s, ri, false, C_REJECTED);
    } else if (in->busy < h->conc) {
        start_work(s, ri, i);
    } else {
        r->state = RQ_QUEUED;
        r->inst = i;
        r->next = -1;
        if (in->qtail >= 0) s->req[in->qtail].next = ri;
        else in->qhead = ri;
        in->qtail = ri;
        in->qlen++;
    }
}

static void on_work(Ref *s, int32_t ri)
{
    Req *r = &s->req[ri];
    const Hop *h = &hops[r->hop];
    if (h->error_rate > 0 && rng_uniform(&s->hs[r->hop].rng) < h->error_rate) {
        finish(s, ri, false, C_ERROR);
        return;
    }
    if (h->callee < 0) {
        finish(s, ri, true, 0);
        return;
    }
    r->attempt = 0;
    send_call(s, ri);
}

static void on_call_timeout(Ref *s, int32_t ri)
{
    Req *r = &s->req[ri];
    if (r->child >= 0) {
        Req *c = &s->req[r->child];
        c->parent = -1;              /* it works on, for nobody */
        c->orphan = 1;
        r->child = -1;
    }
    call_failed(s, ri, true);
}

/* ---- the client ---- */

static void client_send(Ref *s, int32_t ii)
{
    int32_t ri = req_new(s);
    s->req[ri].intent = ii;
    Intent *it = &s->it[ii];
    it->req = ri;
    s->attempts += 1;
    it->tmo++;
    heap_push(&s->q, s->now + CLIENT_TIMEOUT, EV_CLIENT_TIMEOUT, (uint32_t)ii, it->tmo);
    arrive(s, ri, GW);
}

static void client_failed(Ref *s, int32_t ii)
{
    Intent *it = &s->it[ii];
    if (it->retries < CLIENT_RETRIES) {
        it->retries++;
        Time d = backoff_delay(&client_bo, it->retries, &s->src_rng);
        heap_push(&s->q, s->now + d, EV_CLIENT_RETRY, (uint32_t)ii, it->gen);
        return;
    }
    s->user_failures += 1;
    s->intents_failed += 1;
    intent_free(s, ii);
}

static void client_done(Ref *s, int32_t ii, bool ok)
{
    s->it[ii].tmo++;                 /* disarm the timeout */
    if (ok) {
        s->intents_ok += 1;
        intent_free(s, ii);
        return;
    }
    client_failed(s, ii);
}

static void on_client_timeout(Ref *s, int32_t ii)
{
    Intent *it = &s->it[ii];
    if (it->req >= 0) {
        Req *r = &s->req[it->req];
        r->intent = -1;
        r->orphan = 1;
        it->req = -1;
    }
    client_failed(s, ii);
}

static void schedule_arrival(Ref *s)
{
    double gap = -log(rng_uniform_pos(&s->src_rng)) / s->rate;
    heap_push(&s->q, s->now + from_sec(gap), EV_ARRIVAL, 0, 0);
}

static void on_arrival(Ref *s)
{
    schedule_arrival(s);
    int32_t ii = intent_new(s);
    s->intents += 1;
    client_send(s, ii);
}

/* ---- the loop ---- */

static void run(Ref *s, Time end)
{
    while (s->q.n && s->q.v[0].t <= end) {
        Ev e = heap_pop(&s->q);
        s->now = e.t;
        uint32_t obj = e.what & 0x0fffffffu;
        switch (e.what >> 28) {
        case EV_ARRIVAL:
            on_arrival(s);
            break;
        case EV_WORK:
            if (s->req[obj].gen != e.stamp || s->req[obj].state != RQ_WORKING) continue;
            on_work(s, (int32_t)obj);
            break;
        case EV_CALL_TIMEOUT:
            if (s->req[obj].tmo != e.stamp || s->req[obj].state != RQ_CALLING) continue;
            on_call_timeout(s, (int32_t)obj);
            break;
        case EV_BACKOFF:
            if (s->req[obj].gen != e.stamp || s->req[obj].state != RQ_BACKOFF) continue;
            send_call(s, (int32_t)obj);
            break;
        case EV_CLIENT_TIMEOUT:
            if (s->it[obj].tmo != e.stamp) continue;
            on_client_timeout(s, (int32_t)obj);
            break;
        case EV_CLIENT_RETRY:
            if (s->it[obj].gen != e.stamp) continue;
            client_send(s, (int32_t)obj);
            break;
        }
        s->events++;
    }
    s->now = end;
}

/* ---- main ---- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double frac(double a, double b) { return b > 0 ? a / b : 0; }

static int parse_num(const char *flag, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "bench_chain_ref: bad value '%s' for %s (want %g .. %g)\n", s, flag, lo,
                hi);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    double minutes = 10, rate = 1000, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double *dst = NULL, lo = 0, hi = 0;
        if (!strcmp(a, "--minutes")) { dst = &minutes; lo = 0.1; hi = 1e4; }
        else if (!strcmp(a, "--rate")) { dst = &rate; lo = 1; hi = 1e6; }
        else if (!strcmp(a, "--seed")) { dst = &seed; lo = 0; hi = 4e9; }
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "usage: bench_chain_ref [--minutes M] [--rate R] [--seed S]\n");
            return 2;
        }
        if (parse_num(a, argv[++i], lo, hi, dst) < 0) return 2;
    }

    hops_init();
    static Ref s;
    s.req_free = s.it_free = -1;
    s.rate = rate;
    rng_init(&s.src_rng, (uint64_t)seed, "source:users");
    for (int h = 0; h < NHOPS; h++) {
        rng_init(&s.hs[h].rng, (uint64_t)seed, hops[h].stream);
        for (int i = 0; i < hops[h].ninst; i++) s.hs[h].inst[i] = (Inst){ 0, 0, -1, -1 };
    }

    double t0 = now_sec();
    schedule_arrival(&s);
    run(&s, (Time)(minutes * 60) * SEC);
    double wall = now_sec() - t0;

    double req = 0;
    for (int h = 0; h < NHOPS; h++) req += s.hs[h].offered;
    printf("chain gateway -> service -> db, hand-written reference: %g intents/s, "
           "%g simulated min, seed %.0f\n", rate, minutes, seed);
    printf("  wall time        %10.3f s  (%" PRIu64 " events, %.0f ns each)\n", wall, s.events,
           wall * 1e9 / (double)s.events);
    printf("  requests         %10.0f    (attempts at all three services)\n", req);
    printf("  requests/s       %10.4g    (simulated requests per second of wall time)\n",
           req / wall);
    printf("  %-8s %12s %9s %9s %9s %9s %9s %10s\n", "hop", "requests", "ok", "timeout",
           "error", "dep.fail", "rejected", "mean lat");
    for (int h = 0; h < NHOPS; h++) {
        const HopState *hs = &s.hs[h];
        double n = hs->offered;
        printf("  %-8s %12.0f %8.4f%% %8.4f%% %8.4f%% %8.4f%% %8.4f%% %8.3fms\n", hops[h].name,
               n, 100 * frac(hs->ok, n), 100 * frac(hs->failed[C_TIMEOUT], n),
               100 * frac(hs->failed[C_ERROR], n), 100 * frac(hs->failed[C_DEPENDENCY], n),
               100 * frac(hs->failed[C_REJECTED], n),
               1e3 * frac(hs->lat_sum, (double)hs->lat_n));
    }
    const HopState *g = &s.hs[GW], *v = &s.hs[SVC], *d = &s.hs[DB];
    printf("  timed out by the caller (wasted work): db attempts %.4f%%, service attempts "
           "%.4f%%\n", 100 * frac(d->wasted, d->offered), 100 * frac(v->wasted, v->offered));
    printf("  retry amplification: db/service %.4f, service/gateway %.4f\n",
           frac(d->offered, v->offered), frac(v->offered, g->offered));
    printf("  intents %.0f: ok %.4f%%, failed %.4f%%; client attempts %.0f "
           "(%.4f per intent); users saw %.0f failures\n",
           s.intents, 100 * frac(s.intents_ok, s.intents), 100 * frac(s.intents_failed, s.intents),
           s.attempts, frac(s.attempts, s.intents), s.user_failures);
    printf("chain-result impl=reference minutes=%g rate=%g requests=%.0f wall_s=%.6f "
           "req_per_s=%.6g intents=%.0f intent_ok=%.6f db_timeout=%.6f svc_timeout=%.6f "
           "db_error=%.6f db_amp=%.6f gw_lat_ms=%.4f svc_lat_ms=%.4f db_lat_ms=%.4f\n",
           minutes, rate, req, wall, req / wall, s.intents, frac(s.intents_ok, s.intents),
           frac(d->wasted, d->offered), frac(v->wasted, v->offered),
           frac(d->failed[C_ERROR], d->offered), frac(d->offered, v->offered),
           1e3 * frac(g->lat_sum, (double)g->lat_n), 1e3 * frac(v->lat_sum, (double)v->lat_n),
           1e3 * frac(d->lat_sum, (double)d->lat_n));
    free(s.q.v);
    free(s.req);
    free(s.it);
    return 0;
}
