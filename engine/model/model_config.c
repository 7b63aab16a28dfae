/*
 * model_config.c: configuration items read through a cache.
 *
 * The data of every item lives per region in the model (cfg_bad: what
 * write_config and deploys write, i.e. what the store holds). An item
 * without a `ttl` is read straight from there on every request, so a write
 * reaches every reader at once. An item with a `ttl` is read from a copy
 * each instance of a reading service keeps, as each process of a real one
 * does. Every ttl the instance asks the store for the item with an
 * ordinary request (routed as a call from the pool's region, with the
 * item's `timeout`), the way schedulers ask their platform and telemetry
 * reaches monitoring: the refresh goes through the store's queues, calls,
 * faults and timeouts, and the store sees one refresh per instance per
 * ttl. The instances' refreshes are spread over the ttl (instance i at
 * the fractional part of (i + 1) x 0.618... of it, a golden-ratio sequence:
 * even, deterministic and drawn from no stream), so a write reaches the
 * instances one after another over a ttl, not all at once. An answer (ok
 * or degraded) replaces the copy with the data as it is when the answer
 * arrives, dated when it was asked for. A failed or timed-out refresh
 * leaves the old copy in use (stale-while-error); once the copy is older
 * than `max_stale` (if set), every request that instance serves fails
 * with FAIL_BAD_CONFIG until a refresh works. An instance that is down
 * does not refresh; one that comes up reads the store's data as it boots
 * (a start-up read that can fail is a `startup` call). With sampling, a
 * simulated instance's refresh is one simulated request, which stands for
 * the refreshes of the real instances it stands for.
 *
 * Owns Pool.cfg (freed by model_free): per instance slot, per item the
 * service reads, at [inst * nconfigs + c], grown with the instance array.
 * A refresh in flight is at most one per copy; its Req points back with
 * cfg_for/cfg_slot (the flat index), and a timed-out one is abandoned like
 * any caller's child (its answer dropped).
 */
#include "model/model_internal.h"

#include <math.h>
#include <stdlib.h>

static bool cached(const Topo *t, int cfg)
{
    return t->configs[cfg].ttl > 0 && t->configs[cfg].store >= 0;
}

static void on_tick(Sim *sim, void *obj, uint64_t arg);

/* Where in its ttl instance slot i refreshes: (0, 1). */
static double phase(int i)
{
    double x = (i + 1) * 0.6180339887498949;
    return x - floor(x);
}

/* Copy c of instance slot i holds the store's data as it is now. */
static void read_store(Model *m, Pool *p, int i, int c)
{
    CfgCache *cc = &p->cfg[i * p->ts->nconfigs + c];
    cc->bad = m->cfg_bad[p->ts->configs[c] * m->topo->nregions + p->region];
    cc->fetched = sim_now(m->sim);
}

/* Fresh copies for instance slots from .. to of p, each with its chain of
 * refreshes starting within one ttl from now. */
static void init_slots(Model *m, Pool *p, int from, int to)
{
    const Topo *t = m->topo;
    int nc = p->ts->nconfigs;
    for (int i = from; i < to; i++)
        for (int c = 0; c < nc; c++) {
            int item = p->ts->configs[c];
            if (!cached(t, item)) continue;
            p->cfg[i * nc + c] = (CfgCache){ 0 };
            read_store(m, p, i, c);
            SimTime ttl = t->configs[item].ttl;
            sim_after(m->sim, (SimTime)llround((double)ttl * phase(i)), on_tick, p,
                      (uint64_t)(i * nc + c));
        }
}

static bool reads_cached(const Model *m, const Pool *p)
{
    const TopoService *ts = p->ts;
    if (ts->kind == SVC_EXTERNAL || p->region < 0) return false;
    bool any = false;
    for (int c = 0; c < ts->nconfigs; c++) any = any || cached(m->topo, ts->configs[c]);
    return any;
}

int config_grow(Model *m, Pool *p)
{
    if (!m->config_started || p->cfg_slots >= p->cap || !reads_cached(m, p)) return 0;
    int nc = p->ts->nconfigs;
    CfgCache *v = realloc(p->cfg, sizeof *v * (size_t)p->cap * (size_t)nc);
    if (!v) return -1;
    p->cfg = v;
    int from = p->cfg_slots;
    p->cfg_slots = p->cap;
    init_slots(m, p, from, p->cap);
    return 0;
}

int config_start(Model *m)
{
    m->config_started = true;
    for (int i = 0; i < m->npools; i++)
        if (config_grow(m, &m->pools[i]) < 0) return -1;
    return 0;
}

void config_boot(Model *m, Pool *p, int i)
{
    if (!p->cfg || i >= p->cfg_slots) return;
    for (int c = 0; c < p->ts->nconfigs; c++)
        if (cached(m->topo, p->ts->configs[c])) read_store(m, p, i, c);
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
    int nc = p->ts->nconfigs, slot = (int)arg, i = slot / nc;
    const TopoConfig *tc = &m->topo->configs[p->ts->configs[slot % nc]];
    CfgCache *cc = &p->cfg[slot];
    sim_after(sim, tc->ttl, on_tick, p, arg);
    /* Only a serving instance refreshes; the last refresh may still be
     * out, with its own timeout. */
    if (i >= p->ninst || p->inst[i].state != INST_UP || cc->req) return;
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
    int item = p->ts->configs[slot % p->ts->nconfigs];
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

/* Whether a request instance inst of p serves fails on the configuration
 * it reads. */
bool config_fails(const Model *m, Pool *p, int inst)
{
    if (p->region < 0) return false;
    const Topo *t = m->topo;
    SimTime now = sim_now(m->sim);
    int nc = p->ts->nconfigs;
    for (int c = 0; c < nc; c++) {
        int item = p->ts->configs[c];
        if (!p->cfg || !cached(t, item) || inst < 0 || inst >= p->cfg_slots) {
            int k = item * t->nregions + p->region;
            if (m->cfg_bad[k] && bad_fails(m, p, k)) return true;
            continue;
        }
        const CfgCache *cc = &p->cfg[inst * nc + c];
        if (cc->bad && bad_fails(m, p, item * t->nregions + p->region)) return true;
        SimTime max_stale = t->configs[item].max_stale;
        if (max_stale > 0 && now - cc->fetched > max_stale) return true;
    }
    return false;
}
