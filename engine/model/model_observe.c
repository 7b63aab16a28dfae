/*
 * model_observe.c: what the scenario layer can ask the running model:
 * instances, routing weights, the last interval's statistics,
 * availability, stalls, telemetry heard and what busy workers wait on.
 */
#include "model/model_internal.h"

#include <assert.h>

int model_instances(const Model *m, int svc, int region, InstState st)
{
    const Pool *p = model_pool(m, svc, region);
    if (!p) return 0;
    int n = 0;
    for (int i = 0; i < p->ninst; i++) n += p->inst[i].state == st;
    return pool_to_real(p, n);
}

const double *model_source_weights(const Model *m, int src)
{
    return m->sources[src].weights;
}

const PoolStats *model_last_pool(const Model *m, int svc, int region)
{
    const Pool *p = model_pool(m, svc, region);
    return p && p->has_last ? &p->last : NULL;
}

const SourceStats *model_last_source(const Model *m, int src)
{
    const SourceRt *s = &m->sources[src];
    return s->has_last ? &s->last : NULL;
}

double model_availability(const Model *m, int svc, int region)
{
    const PoolStats *ps = model_last_pool(m, svc, region);
    if (!ps) return 1;
    double failed = 0;
    for (int c = 0; c < FAIL_NCAUSES; c++) failed += ps->failed[c];
    double answered = ps->ok + ps->degraded + failed;
    return answered > 0 ? (ps->ok + ps->degraded) / answered : 1;
}

double model_source_availability(const Model *m, int src)
{
    const SourceStats *s = model_last_source(m, src);
    if (!s) return 1;
    double good = s->intents_ok + s->intents_degraded;
    return good + s->user_failures > 0 ? good / (good + s->user_failures) : 1;
}

bool model_stalled(const Model *m, int svc, int region)
{
    const Pool *p = model_pool(m, svc, region);
    return p && p->waiting > 0 && p->sched_failed;
}

/* The pool of svc in region r of the walk below (externals: their one pool,
 * once), or NULL. region < 0 walks every region, else only that one. */
static const Pool *region_pool(const Model *m, int svc, int region, int r)
{
    if (m->ext_pool[svc] >= 0) return r == 0 ? &m->pools[m->ext_pool[svc]] : NULL;
    if (region >= 0 && r != region) return NULL;
    int i = m->pool_of[svc * m->topo->nregions + r];
    return i < 0 ? NULL : &m->pools[i];
}

int model_telemetry(const Model *m, int svc, int region)
{
    assert(svc >= 0 && svc < m->topo->nservices);
    int n = 0;
    for (int r = 0; r < m->topo->nregions; r++) {
        const Pool *p = region_pool(m, svc, region, r);
        if (p && p->has_last) n += p->last.telemetry;
    }
    return n;
}

bool model_heard_from_any(const Model *m)
{
    if (m->topo->monitoring < 0) return true;
    bool any_last = false;
    for (int i = 0; i < m->npools; i++) {
        const Pool *p = &m->pools[i];
        if (!p->has_last) continue;
        any_last = true;
        if (p->last.telemetry > 0) return true;
    }
    return !any_last;
}

/* The call a worker-holding request is waiting on, as a service index, or
 * -1 when it is not waiting on one (working, or stalled on a hung tier). */
static int waiting_target(const Req *r)
{
    if (r->call < 0 || r->call >= r->pool->ts->ncalls) return -1;
    if (r->state == RQ_CALLING || r->state == RQ_BACKOFF)
        return r->pool->ts->calls[r->call].target;
    return -1;
}

int model_waiting_on(const Model *m, int svc, int region)
{
    assert(svc >= 0 && svc < m->topo->nservices);
    int *cnt = m->wait_count;
    int busy = 0, waiting = 0, best = -1;
    /* Count per target, then find the most common, then zero the counts
     * again: the cost is in the requests looked at, not in the services. */
    for (int pass = 0; pass < 3; pass++) {
        for (int reg = 0; reg < m->topo->nregions; reg++) {
            const Pool *p = region_pool(m, svc, region, reg);
            if (!p) continue;
            for (int k = 0; k < p->ninst; k++)
                for (const Req *r = p->inst[k].active; r; r = r->next) {
                    int t = waiting_target(r);
                    if (pass == 0) {
                        busy++;
                        if (t >= 0) {
                            waiting++;
                            cnt[t]++;
                        }
                    } else if (t < 0) {
                        continue;
                    } else if (pass == 1) {
                        if (best < 0 || cnt[t] > cnt[best] || (cnt[t] == cnt[best] && t < best))
                            best = t;
                    } else {
                        cnt[t] = 0;
                    }
                }
        }
    }
    if (busy == 0 || 2 * waiting < busy) return -1;
    return best;
}
