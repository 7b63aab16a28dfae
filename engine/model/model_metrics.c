/*
 * model_metrics.c: per-interval statistics.
 *
 * Each pool and source accumulates counts, a latency histogram and time
 * integrals (busy workers, serving slots, queued requests) during an
 * interval. At the interval's end they are scaled back to real traffic by
 * the sampling factor, handed to the metrics callback as one
 * ModelInterval, kept as "last" for observers, and reset. Nothing is kept
 * per interval beyond that, so memory is flat in simulated time.
 *
 * Telemetry: when the topology names a monitoring service, every interval
 * each pool of every other non-external service sends it one request, if
 * the pool has an instance serving (a pool with nothing serving has gone
 * silent). The requests are ordinary ones, rooted in the sending pool, with
 * the interval as their timeout, so whatever monitoring needs in order to
 * answer (its own calls, queues, timeouts) decides whether it hears. They
 * are spread evenly over the first half of the interval, pool by pool in
 * index order, so a burst does not fill monitoring's queues and answers
 * normally land in the interval they were sent in. A pool's `telemetry`
 * counts the answers (ok or degraded) received during the interval. One
 * pending event walks the senders; the sender's request and timeout are
 * the only state, per pool.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <string.h>

static void on_interval(Sim *sim, void *obj, uint64_t arg);

/* ---- telemetry ---- */

static bool tele_sender(const Model *m, const Pool *p)
{
    return p->ts->kind != SVC_EXTERNAL && p->svc != m->topo->monitoring;
}

static void tele_forget(Model *m, Pool *p)
{
    Req *r = p->tele_req;
    p->tele_req = NULL;
    sim_cancel(m->sim, p->tele_ev);
    p->tele_ev = 0;
    if (r) {
        r->tele_for = NULL;
        req_abandon(m, r);
    }
}

void telemetry_done(Model *m, Pool *from, Outcome out)
{
    from->tele_req = NULL;
    sim_cancel(m->sim, from->tele_ev);
    from->tele_ev = 0;
    if (out != OUT_FAILED) from->acc.telemetry++;
}

static void on_tele_timeout(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Req *r = obj;
    if (r->gen != (uint32_t)arg || !r->tele_for) return;
    Pool *p = r->tele_for;
    p->tele_ev = 0;
    tele_forget(p->m, p);
}

static void tele_send(Model *m, Pool *p)
{
    if (p->tele_req) tele_forget(m, p);   /* the last one never came back */
    if (pool_serving(p) == 0) return;
    Req *r = req_new(m);
    if (!r) return;
    r->tele_for = p;
    p->tele_req = r;
    p->tele_ev = sim_after_fifo(m->sim, m->topo->interval, on_tele_timeout, r, r->gen);
    req_arrive(m, r, model_pool_for_call(m, m->topo->monitoring, p->region, -1));
}

static void on_tele(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Model *m = obj;
    m->tele_ev = 0;
    SimTime half = m->topo->interval / 2;
    while (m->tele_next < m->npools) {
        Pool *p = &m->pools[m->tele_next];
        if (!tele_sender(m, p)) {
            m->tele_next++;
            continue;
        }
        SimTime at = m->tele_start + (SimTime)((double)half * m->tele_sent / m->tele_nsenders);
        if (at > sim_now(sim)) {
            m->tele_ev = sim_at(sim, at, on_tele, m, 0);
            return;
        }
        m->tele_next++;
        m->tele_sent++;
        tele_send(m, p);
    }
}

/* A new interval begins: its round of telemetry starts now. */
static void tele_round(Model *m)
{
    if (m->topo->monitoring < 0 || m->tele_nsenders == 0) return;
    sim_cancel(m->sim, m->tele_ev);
    m->tele_ev = 0;
    m->tele_start = sim_now(m->sim);
    m->tele_next = 0;
    m->tele_sent = 0;
    on_tele(m->sim, m, 0);
}

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
    for (int st = 0; st < INST_NSTATES; st++) out->instances[st] = pool_to_real(p, out->instances[st]);
    out->hung = pool_to_real(p, out->hung);
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
    out->telemetry = a->telemetry;
    memset(a, 0, sizeof *a);
    if (p->code_acc) {
        memcpy(p->code_last, p->code_acc, sizeof *p->code_acc * POOL_NCODES);
        memset(p->code_acc, 0, sizeof *p->code_acc * POOL_NCODES);
    }
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
    out->user_attempts = s->acc.user_attempts * n;
    out->deferred = s->acc.deferred * n;
    out->released = s->acc.released * n;
    out->waiting_customers = (double)s->nwaiting * n;
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
    tele_round(m);
}

void metrics_start(Model *m)
{
    m->interval_start = sim_now(m->sim);
    m->interval_ev = sim_after(m->sim, m->topo->interval, on_interval, m, 0);
    m->tele_nsenders = 0;
    if (m->topo->monitoring >= 0)
        for (int i = 0; i < m->npools; i++) m->tele_nsenders += tele_sender(m, &m->pools[i]);
    tele_round(m);
}

void model_flush(Model *m)
{
    if (sim_now(m->sim) <= m->interval_start) return;
    sim_cancel(m->sim, m->interval_ev);
    metrics_emit(m, sim_now(m->sim));
    m->interval_ev = sim_after(m->sim, m->topo->interval, on_interval, m, 0);
    tele_round(m);
}
