/*
 * model_config.c: configuration items read through a cache.
 *
 * The data of every item lives per region in the model (cfg_bad: what
 * write_config and deploys write, i.e. what the store holds). An item
 * without a `ttl` is read straight from there on every request, so a write
 * reaches every reader at once. An item with a `ttl` is read from a copy
 * each pool of a reading service keeps (one copy per pool, not per
 * instance: one refresh stands for the pool's instances). Every ttl, from
 * the start of the run, the pool asks the store for the item with an
 * ordinary request (routed as a call from the pool's region, with the
 * item's `timeout`), the way schedulers ask their platform and telemetry
 * reaches monitoring: the refresh goes through the store's queues, calls,
 * faults and timeouts. An answer (ok or degraded) replaces the copy with
 * the data as it is when the answer arrives, dated when it was asked for.
 * A failed or timed-out refresh leaves the old copy in use
 * (stale-while-error); once the copy is older than `max_stale` (if set),
 * every request that reads it fails with FAIL_BAD_CONFIG until a refresh
 * works. So bad data reaches readers at their next refresh, within one ttl
 * of the write, and a store outage hurts only after max_stale.
 *
 * Owns Pool.cfg (freed by model_free). A refresh in flight is at most one
 * per pool and item; its Req points back with cfg_for/cfg_slot, and a
 * timed-out one is abandoned like any caller's child (its answer dropped).
 */
#include "model/model_internal.h"

#include <stdlib.h>

static bool cached(const Topo *t, int cfg)
{
    return t->configs[cfg].ttl > 0 && t->configs[cfg].store >= 0;
}

static void on_tick(Sim *sim, void *obj, uint64_t arg);

int config_start(Model *m)
{
    const Topo *t = m->topo;
    for (int i = 0; i < m->npools; i++) {
        Pool *p = &m->pools[i];
        const TopoService *ts = p->ts;
        if (ts->kind == SVC_EXTERNAL || p->region < 0) continue;
        bool any = false;
        for (int c = 0; c < ts->nconfigs; c++) any = any || cached(t, ts->configs[c]);
        if (!any) continue;
        p->cfg = calloc((size_t)ts->nconfigs, sizeof *p->cfg);
        if (!p->cfg) return -1;
        for (int c = 0; c < ts->nconfigs; c++) {
            int item = ts->configs[c];
            if (!cached(t, item)) continue;
            p->cfg[c].bad = m->cfg_bad[item * t->nregions + p->region];
            sim_after(m->sim, t->configs[item].ttl, on_tick, p, (uint64_t)c);
        }
    }
    return 0;
}

static void on_refresh_timeout(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Pool *p = obj;
    CfgCache *cc = &p->cfg[arg];
    cc->timeout = 0;
    Req *r = cc->req;
    if (!r) return;
    cc->req = NULL;
    r->cfg_for = NULL;
    req_abandon(p->m, r);
}

static void on_tick(Sim *sim, void *obj, uint64_t arg)
{
    Pool *p = obj;
    Model *m = p->m;
    int slot = (int)arg;
    const TopoConfig *tc = &m->topo->configs[p->ts->configs[slot]];
    CfgCache *cc = &p->cfg[slot];
    sim_after(sim, tc->ttl, on_tick, p, arg);
    if (cc->req) return;    /* the last one is still out: it has its own timeout */
    Req *r = req_new(m);
    if (!r) return;
    r->cfg_for = p;
    r->cfg_slot = slot;
    cc->req = r;
    cc->asked = sim_now(sim);
    cc->timeout = sim_after(sim, tc->timeout, on_refresh_timeout, p, arg);
    req_arrive(m, r, model_pool_for_call(m, tc->store, p->region, -1));
}

void config_refresh_done(Model *m, Pool *p, int slot, Outcome out)
{
    CfgCache *cc = &p->cfg[slot];
    sim_cancel(m->sim, cc->timeout);
    cc->timeout = 0;
    cc->req = NULL;
    if (out == OUT_FAILED) return;
    int item = p->ts->configs[slot];
    cc->bad = m->cfg_bad[item * m->topo->nregions + p->region];
    cc->fetched = cc->asked;
}

/* Whether bad data at index k fails this request: plain bad data fails
 * every request without a draw; data that fails a share of them draws. */
static bool bad_fails(const Model *m, Pool *p, int k)
{
    double e = m->cfg_cost[k].errors;
    return e >= 1 || (e > 0 && rng_uniform(&p->rng) < e);
}

/* Whether a request of p fails on the configuration it reads. */
bool config_fails(const Model *m, Pool *p)
{
    if (p->region < 0) return false;
    const Topo *t = m->topo;
    SimTime now = sim_now(m->sim);
    for (int c = 0; c < p->ts->nconfigs; c++) {
        int item = p->ts->configs[c];
        if (!p->cfg || !cached(t, item)) {
            int k = item * t->nregions + p->region;
            if (m->cfg_bad[k] && bad_fails(m, p, k)) return true;
            continue;
        }
        const CfgCache *cc = &p->cfg[c];
        if (cc->bad && bad_fails(m, p, item * t->nregions + p->region)) return true;
        SimTime max_stale = t->configs[item].max_stale;
        if (max_stale > 0 && now - cc->fetched > max_stale) return true;
    }
    return false;
}
