/*
 * model_metrics.c: per-interval statistics.
 *
 * Each pool and source accumulates counts, a latency histogram and time
 * integrals (busy workers, serving slots, queued requests) during an
 * interval. At the interval's end they are scaled back to real traffic by
 * the sampling factor, handed to the metrics callback as one
 * ModelInterval, kept as "last" for observers, and reset. Nothing is kept
 * per interval beyond that, so memory is flat in simulated time.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <string.h>

static void on_interval(Sim *sim, void *obj, uint64_t arg);

static double mean_service_sec(const Pool *p)
{
    return dist_mean(&p->ts->service_time) + fd_time_sec(p->extra_latency);
}

static void pool_snapshot(Model *m, Pool *p, double dt, PoolStats *out)
{
    double n = m->sampling;
    PoolAccum *a = &p->acc;
    pool_integrate(m, p);
    /* The running totals pool_integrate relies on, checked once an interval. */
    int busy = 0, queued = 0, up = 0;
    for (int i = 0; i < p->ninst; i++) {
        busy += p->inst[i].busy;
        queued += p->inst[i].qlen;
        up += p->inst[i].state == INST_UP;
    }
    assert(busy == p->nbusy && queued == p->nqueued && up == p->nup);
    (void)busy;
    (void)queued;
    (void)up;
    *out = (PoolStats){ .service = p->svc, .region = p->region };
    out->offered = a->offered * n;
    out->ok = a->ok * n;
    out->degraded = a->degraded * n;
    for (int c = 0; c < FAIL_NCAUSES; c++) out->failed[c] = a->failed[c] * n;
    out->wasted = a->wasted * n;
    out->latency = a->latency;
    out->latency_mean = a->latency.count ? a->latency_sum / (double)a->latency.count : 0;
    out->utilisation = a->slot_area > 0 ? a->busy_area / a->slot_area : 0;
    out->queue = dt > 0 ? a->queue_area / dt * n : 0;
    for (int i = 0; i < p->ninst; i++) {
        const Inst *in = &p->inst[i];
        out->instances[in->state]++;
        if (in->state == INST_UP && (in->hung || p->hung)) out->hung++;
    }
    /* Capacity: workers over the time a request holds one. With traffic,
     * that time is measured (busy worker-seconds per request a worker
     * finished), so it counts the time spent waiting on dependencies: a
     * tier behind a slow database has the capacity its held workers leave
     * it. Without traffic, the service's own mean time. */
    double held = a->ok + a->degraded;
    for (int c = 0; c < FAIL_NCAUSES; c++)
        if (c != FAIL_REJECTED && c != FAIL_NO_INSTANCE) held += a->failed[c];
    double ms = held > 0 && a->busy_area > 0 ? a->busy_area / held : mean_service_sec(p);
    if (p->ts->kind == SVC_EXTERNAL) out->capacity = 0;
    else if (ms > 0) out->capacity = pool_serving(p) * p->concurrency * n / ms;
    memset(a, 0, sizeof *a);
}

static void source_snapshot(Model *m, SourceRt *s, double dt, SourceStats *out)
{
    double n = m->sampling;
    *out = (SourceStats){ .source = s->index };
    out->intents = s->acc.intents * n;
    out->intents_ok = s->acc.ok * n;
    out->intents_degraded = s->acc.degraded * n;
    out->intents_failed = s->acc.failed * n;
    out->user_failures = s->acc.user_failures * n;
    out->attempts = s->acc.attempts * n;
    out->attempts_ok = s->acc.attempts_ok * n;
    out->attempts_failed = s->acc.attempts_failed * n;
    out->rate_offered = dt > 0 ? out->attempts / dt : 0;
    double aff = s->affected_count * n;
    if (s->ts->customers && aff > (double)s->ts->customers) aff = (double)s->ts->customers;
    out->customers_affected = aff;
    memset(&s->acc, 0, sizeof s->acc);
}

void metrics_emit(Model *m, SimTime end)
{
    double dt = fd_time_sec(end - m->interval_start);
    for (int i = 0; i < m->npools; i++) {
        Pool *p = &m->pools[i];
        pool_snapshot(m, p, dt, &m->stats_pools[i]);
        p->last = m->stats_pools[i];
        p->has_last = true;
    }
    for (int i = 0; i < m->topo->nsources; i++) {
        SourceRt *s = &m->sources[i];
        source_snapshot(m, s, dt, &m->stats_sources[i]);
        s->last = m->stats_sources[i];
        s->has_last = true;
    }
    ModelInterval iv = {
        .topo = m->topo,
        .start = m->interval_start,
        .end = end,
        .pools = m->stats_pools,
        .npools = m->npools,
        .sources = m->stats_sources,
        .nsources = m->topo->nsources,
    };
    m->interval_start = end;
    if (m->opt.on_interval) m->opt.on_interval(m->opt.ud, &iv);
}

static void on_interval(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Model *m = obj;
    metrics_emit(m, sim_now(sim));
    m->interval_ev = sim_after(sim, m->topo->interval, on_interval, m, 0);
}

void metrics_start(Model *m)
{
    m->interval_start = sim_now(m->sim);
    m->interval_ev = sim_after(m->sim, m->topo->interval, on_interval, m, 0);
}

void model_flush(Model *m)
{
    if (sim_now(m->sim) <= m->interval_start) return;
    sim_cancel(m->sim, m->interval_ev);
    metrics_emit(m, sim_now(m->sim));
    m->interval_ev = sim_after(m->sim, m->topo->interval, on_interval, m, 0);
}
