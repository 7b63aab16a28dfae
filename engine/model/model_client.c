/*
 * model_client.c: traffic sources, and the clients and people behind them.
 *
 * A source emits intents (what a user wants done) as a Poisson process per
 * region, at base rate x shape(t) x surge factor x region weight, divided by
 * the sampling factor. Changing any of those redraws the next arrival,
 * which is exact for a Poisson process (it has no memory).
 *
 * Each intent sends attempts to the entry service. A failed attempt (an
 * error, or no answer within the client's timeout) is retried by the client
 * with backoff; when the client gives up the user sees the failure, and
 * may come back later and try again, until patience or re-attempts run
 * out. That is where pent-up demand comes from: during an outage, failed
 * users keep coming back, and new ones keep arriving, so the load waiting
 * to hit the service at recovery is a multiple of the normal load.
 *
 * Deferred work (client `defer`, `recheck`, `catch_up`) is the other half
 * of pent-up demand: a user who finally gives up may put the work aside
 * rather than drop it. That customer is then waiting: each new intent of
 * theirs is put aside unsent with the same chance (they know it is broken)
 * and dropped otherwise, and every so
 * often (exponential, mean `recheck`) they check back by sending one
 * intent from it. A check that works ends the wait and releases the rest,
 * each intent sent at a uniform time within `catch_up`; a check that fails
 * goes back to the backlog. So an outage quietens the front door (few
 * attempts) and recovery brings the work of the whole outage back at once.
 * Per customer that is a saturating 16-bit backlog, its region and a flag,
 * allocated the first time deferral is used; draws come from the source's
 * own "defer:NAME" stream, so sources without deferral draw exactly as
 * before. A deferred intent is resolved only once released and answered.
 */
#include "model/model_internal.h"

#include <math.h>
#include <stdlib.h>

#define INTENT_BLOCK 4096

static Intent *intent_new(Model *m)
{
    Intent *it = m->intent_free;
    if (it) m->intent_free = it->next_free;
    else if (!(it = rec_take(m, &m->intents, sizeof *it, INTENT_BLOCK))) return NULL;
    uint32_t gen = it->gen;
    *it = (Intent){ .m = m, .gen = gen };
    return it;
}

static void intent_free(Model *m, Intent *it)
{
    sim_cancel(m->sim, it->timeout);
    sim_cancel(m->sim, it->ev);
    it->gen++;
    it->next_free = m->intent_free;
    m->intent_free = it;
}

/* ---- shape ---- */

static double shape_factor(const TopoShape *sh, SimTime t)
{
    switch (sh->kind) {
    case SHAPE_CONSTANT:
        return 1;
    case SHAPE_DIURNAL: {
        double period = (double)(sh->period > 0 ? sh->period : 24 * FD_HOUR);
        double phase = 2 * 3.14159265358979323846 * (double)(t - sh->peak) / period;
        return 1 + sh->amplitude * cos(phase);
    }
    case SHAPE_STEPS: {
        double f = 1;
        for (int i = 0; i < sh->npoints && sh->points[i].at <= t; i++) f = sh->points[i].factor;
        return f;
    }
    case SHAPE_CSV: {
        if (sh->npoints == 0) return 1;
        if (t <= sh->points[0].at) return sh->points[0].factor;
        for (int i = 1; i < sh->npoints; i++) {
            const ShapePoint *a = &sh->points[i - 1], *b = &sh->points[i];
            if (t <= b->at) {
                double w = (double)(t - a->at) / (double)(b->at - a->at);
                return a->factor + w * (b->factor - a->factor);
            }
        }
        return sh->points[sh->npoints - 1].factor;
    }
    }
    return 1;
}

double source_rate(const Model *m, const SourceRt *s, int region)
{
    double f = shape_factor(&s->ts->shape, sim_now(m->sim));
    double r = s->ts->rate * f * s->factor * s->weights[region] / m->sampling;
    return r > 0 ? r : 0;
}

double model_source_nominal_rate(const Model *m, int src, SimTime t)
{
    const TopoSource *ts = m->sources[src].ts;
    double r = ts->rate * shape_factor(&ts->shape, t);
    return r > 0 ? r : 0;
}

/* ---- intents and attempts ---- */

static void on_arrival(Sim *sim, void *obj, uint64_t arg);
static void on_client_timeout(Sim *sim, void *obj, uint64_t arg);
static void on_recheck(Sim *sim, void *obj, uint64_t arg);

static void schedule_arrival(Model *m, SourceRt *s, int region)
{
    sim_cancel(m->sim, s->arrival[region]);
    s->arrival[region] = 0;
    double rate = source_rate(m, s, region);
    if (!(rate > 0)) return;
    SimTime gap = fd_time_from_sec(-log(rng_uniform_pos(&s->rng)) / rate);
    s->arrival[region] = sim_after(m->sim, gap, on_arrival, s, (uint64_t)region);
}

void source_apply_rates(Model *m, SourceRt *s)
{
    for (int r = 0; r < m->topo->nregions; r++) schedule_arrival(m, s, r);
}

static void send_attempt(Model *m, Intent *it)
{
    SourceRt *s = &m->sources[it->source];
    Req *r = req_new(m);
    if (!r) { intent_free(m, it); return; }
    r->intent = it;
    it->req = r;
    s->acc.attempts += 1;
    if (it->retries == 0) s->acc.user_attempts += 1;   /* not a client retry */
    it->timeout = sim_after_fifo(m->sim, s->client.timeout, on_client_timeout, it, it->gen);
    req_arrive(m, r, model_pool_for_call(m, s->ts->entry, it->region, -1));
}

static void on_attempt_event(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Intent *it = obj;
    if (it->gen != (uint32_t)arg) return;
    it->ev = 0;
    send_attempt(it->m, it);
}

static void resolve(Model *m, Intent *it, Outcome out)
{
    SourceRt *s = &m->sources[it->source];
    if (out == OUT_OK) s->acc.ok += 1;
    else if (out == OUT_DEGRADED) s->acc.degraded += 1;
    else s->acc.failed += 1;
    intent_free(m, it);
}

/* ---- deferred work ---- */

#define BACKLOG_MAX UINT16_MAX

static SimTime exp_delay(Rng *rng, SimTime mean)
{
    if (mean <= 0) mean = FD_SEC;    /* a zero mean would check back in a loop */
    return fd_time_from_sec(-log(rng_uniform_pos(rng)) * fd_time_sec(mean));
}

static void schedule_recheck(Model *m, SourceRt *s, uint32_t c)
{
    sim_after(m->sim, exp_delay(&s->drng, s->client.recheck), on_recheck, s, c);
}

/* The customer's per-customer records, allocated on first use. */
static DeferCust *defer_table(Model *m, SourceRt *s)
{
    if (!s->defer && s->ncustomers) {
        s->defer = calloc(s->ncustomers, sizeof *s->defer);
        if (!s->defer) {
            m->oom = true;
            sim_stop(m->sim);
        }
    }
    return s->defer;
}

/* Puts one intent of customer c in its backlog, which starts the wait if
 * it was not waiting. False when the backlog is full (the work is lost). */
static bool backlog_add(Model *m, SourceRt *s, uint32_t c, int region)
{
    DeferCust *d = &s->defer[c];
    if (d->backlog == BACKLOG_MAX) return false;
    d->backlog++;
    s->acc.deferred += 1;
    if (!d->waiting) {
        d->waiting = 1;
        d->region = (uint8_t)region;
        s->nwaiting++;
        schedule_recheck(m, s, c);
    }
    return true;
}

/* The user gives up on it: with the client's `defer` chance the work is
 * put aside. True when it was (the intent is gone). */
static bool defer_intent(Model *m, SourceRt *s, Intent *it)
{
    double p = s->client.defer;
    if (!(p > 0) || !s->ncustomers) return false;
    if (p < 1 && rng_uniform(&s->drng) >= p) return false;
    if (!defer_table(m, s)) return false;
    if (!backlog_add(m, s, it->customer, it->region)) return false;
    intent_free(m, it);
    return true;
}

static void on_released(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Intent *it = obj;
    if (it->gen != (uint32_t)arg) return;
    it->ev = 0;
    send_attempt(it->m, it);
}

/* A check worked: the wait is over and the backlog goes out, the check
 * itself included. */
static void defer_release(Model *m, SourceRt *s, uint32_t c)
{
    DeferCust *d = &s->defer[c];
    int n = d->backlog;
    int region = d->region;
    d->backlog = 0;
    d->waiting = 0;
    s->nwaiting--;
    s->acc.released += 1 + n;
    SimTime now = sim_now(m->sim), span = s->client.catch_up;
    for (int k = 0; k < n; k++) {
        Intent *it = intent_new(m);
        if (!it) return;
        it->source = s->index;
        it->region = region;
        it->customer = c;
        it->start = now;
        SimTime at = span > 0 ? (SimTime)(rng_uniform(&s->drng) * (double)span) : 0;
        it->ev = sim_after(m->sim, at, on_released, it, it->gen);
    }
}

/* A waiting customer checks back with one intent from its backlog. */
static void on_recheck(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    SourceRt *s = obj;
    Model *m = s->m;
    uint32_t c = (uint32_t)arg;
    DeferCust *d = &s->defer[c];
    if (!d->waiting) return;
    if (d->backlog == 0) {      /* nothing left to check with: the wait ends */
        d->waiting = 0;
        s->nwaiting--;
        return;
    }
    Intent *it = intent_new(m);
    if (!it) return;
    d->backlog--;
    it->source = s->index;
    it->region = d->region;
    it->customer = c;
    it->start = sim_now(m->sim);
    it->probe = true;
    send_attempt(m, it);
}

/* The check failed: it goes back, and the customer checks again later. */
static void probe_failed(Model *m, SourceRt *s, Intent *it)
{
    uint32_t c = it->customer;
    DeferCust *d = &s->defer[c];
    if (d->backlog < BACKLOG_MAX) {
        d->backlog++;
        intent_free(m, it);
    } else {
        resolve(m, it, OUT_FAILED);
    }
    schedule_recheck(m, s, c);
}

static void mark_affected(SourceRt *s, Intent *it)
{
    if (it->failed_once || !s->affected) return;
    it->failed_once = true;
    uint32_t c = it->customer;
    if (!(s->affected[c >> 3] & (1u << (c & 7)))) {
        s->affected[c >> 3] |= (uint8_t)(1u << (c & 7));
        s->affected_count += 1;
    }
}

static void attempt_failed(Model *m, Intent *it)
{
    SourceRt *s = &m->sources[it->source];
    const TopoClient *cl = &s->client;
    s->acc.attempts_failed += 1;
    if (it->retries < cl->retries) {
        it->retries++;
        it->ev = sim_after(m->sim, backoff_delay(&cl->backoff, it->retries, &s->rng),
                           on_attempt_event, it, it->gen);
        return;
    }
    /* The client gave up: the user sees it. */
    mark_affected(s, it);
    s->acc.user_failures += 1;
    if (it->probe) {
        probe_failed(m, s, it);
        return;
    }
    if (cl->offline > 0 && rng_uniform(&s->rng) < cl->offline) {
        resolve(m, it, OUT_DEGRADED);
        return;
    }
    if (it->reattempts < cl->max_reattempts && cl->reattempt > 0 &&
        rng_uniform(&s->rng) < cl->reattempt) {
        double mean = fd_time_sec(cl->reattempt_after);
        SimTime pause = fd_time_from_sec(-log(rng_uniform_pos(&s->rng)) * mean);
        SimTime now = sim_now(m->sim);
        if (cl->patience == 0 || now + pause - it->start <= cl->patience) {
            it->reattempts++;
            it->retries = 0;
            it->ev = sim_after(m->sim, pause, on_attempt_event, it, it->gen);
            return;
        }
    }
    if (defer_intent(m, s, it)) return;
    resolve(m, it, OUT_FAILED);
}

void client_attempt_done(Model *m, Intent *it, Outcome out)
{
    sim_cancel(m->sim, it->timeout);
    it->timeout = 0;
    if (out != OUT_FAILED) {
        SourceRt *s = &m->sources[it->source];
        s->acc.attempts_ok += 1;
        if (it->probe) defer_release(m, s, it->customer);
        resolve(m, it, out);
        return;
    }
    attempt_failed(m, it);
}

static void on_client_timeout(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Intent *it = obj;
    if (it->gen != (uint32_t)arg) return;
    Model *m = it->m;
    it->timeout = 0;
    if (it->req) {
        Req *r = it->req;
        it->req = NULL;
        req_abandon(m, r);
    }
    attempt_failed(m, it);
}

static void on_arrival(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    SourceRt *s = obj;
    Model *m = s->m;
    int region = (int)arg;
    s->arrival[region] = 0;
    schedule_arrival(m, s, region);
    Intent *it = intent_new(m);
    if (!it) return;
    it->source = s->index;
    it->region = region;
    it->start = sim_now(m->sim);
    it->customer = s->ncustomers ? (uint32_t)rng_below(&s->rng, s->ncustomers) : 0;
    s->acc.intents += 1;
    /* A waiting customer does not try: the new work is put aside with the
     * client's `defer` chance, like the work that failed, and otherwise
     * dropped (done some other way, or not at all: a failed intent that
     * cost no attempt). */
    if (s->defer && s->defer[it->customer].waiting) {
        double p = s->client.defer;
        if (p >= 1 || rng_uniform(&s->drng) < p) {
            if (backlog_add(m, s, it->customer, region)) {
                intent_free(m, it);
                return;
            }
        } else {
            resolve(m, it, OUT_FAILED);
            return;
        }
    }
    send_attempt(m, it);
}

/* ---- rate changes ---- */

static void on_step(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    (void)arg;
    SourceRt *s = obj;
    Model *m = s->m;
    s->step_ev = 0;
    source_apply_rates(m, s);
    const TopoShape *sh = &s->ts->shape;
    SimTime now = sim_now(m->sim);
    while (s->next_point < sh->npoints && sh->points[s->next_point].at <= now) s->next_point++;
    if (s->next_point < sh->npoints)
        s->step_ev = sim_at(m->sim, sh->points[s->next_point].at, on_step, s, 0);
}

/* Piecewise-linear CSV shapes change continuously between points; they
 * are re-evaluated at this pace as well as at every point. */
#define SHAPE_REFRESH (10 * FD_SEC)

static void on_refresh(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    SourceRt *s = obj;
    source_apply_rates(s->m, s);
    sim_after(sim, SHAPE_REFRESH, on_refresh, s, 0);
}

static void on_shift(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    (void)arg;
    SourceRt *s = obj;
    Model *m = s->m;
    s->shift_ev = 0;
    for (int r = 0; r < m->topo->nregions; r++) s->weights[r] = s->pending_weights[r];
    source_apply_rates(m, s);
}

void source_schedule_shift(Model *m, SourceRt *s)
{
    sim_cancel(m->sim, s->shift_ev);
    s->shift_ev = sim_after(m->sim, m->topo->propagation, on_shift, s, 0);
}

void sources_start(Model *m)
{
    for (int i = 0; i < m->topo->nsources; i++) {
        SourceRt *s = &m->sources[i];
        s->m = m;
        source_apply_rates(m, s);
        const TopoShape *sh = &s->ts->shape;
        if ((sh->kind == SHAPE_STEPS || sh->kind == SHAPE_CSV) && sh->npoints > 0) {
            s->next_point = 0;
            s->step_ev = sim_at(m->sim, sh->points[0].at, on_step, s, 0);
        }
        if (sh->kind == SHAPE_DIURNAL || sh->kind == SHAPE_CSV)
            sim_after(m->sim, SHAPE_REFRESH, on_refresh, s, 0);
    }
}
