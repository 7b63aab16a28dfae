/*
 * model.c: building the live model from a topology and freeing it, and the
 * lookups every model_*.c file shares: which pool serves a call, and real
 * instance counts to simulated ones and back. The calls the scenario layer
 * drives the model with are in model_fault.c, model_version.c,
 * model_response.c, model_observe.c and model_deadlock.c.
 *
 * Sampling: one simulated request stands for `sampling` (N) real ones.
 * Rates are divided by N, and so is each pool's number of instances, not
 * their size: a pool of I instances is simulated as k = round(I/N) of them
 * (at least one), each with its real workers and queue. An M/M/c instance
 * stays an M/M/c, so waiting times and the knee of the load curve are
 * those of the real system, while the event count drops by N. Each
 * simulated instance stands for I/k real ones (Pool.isc); counts of
 * instances cross the API in real units and are converted here.
 *
 * Where I is not a multiple of N, I/k is not N, and the instances keep the
 * pool's real capacity by having c*(I/k)/N workers instead of c (rounded,
 * at least one). For a pool with fewer instances than N that is one
 * smaller instance: fewer, larger servers queue less than the real pool
 * would. Such pools are listed by model_nwarnings()/model_warning(), so
 * the run's header can say what the factor costs in accuracy.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cause_names[FAIL_NCAUSES] = {
    "rejected", "timeout", "dependency", "bad_config", "no_instance", "error",
};
static const char *const state_names[INST_NSTATES] = {
    "up", "starting", "waiting", "stopped",
};

const char *fail_cause_name(FailCause c) { return cause_names[c]; }
const char *inst_state_name(InstState s) { return state_names[s]; }

void model_set_error(Model *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, sizeof m->err, fmt, ap);
    va_end(ap);
}

const char *model_last_error(const Model *m) { return m->err; }
const Topo *model_topo(const Model *m) { return m->topo; }
double model_sampling(const Model *m) { return m->sampling; }

Pool *model_pool(const Model *m, int svc, int region)
{
    assert(svc >= 0 && svc < m->topo->nservices);
    if (m->ext_pool[svc] >= 0) return &m->pools[m->ext_pool[svc]];
    assert(region >= 0 && region < m->topo->nregions);
    int i = m->pool_of[svc * m->topo->nregions + region];
    return i < 0 ? NULL : &m->pools[i];
}

/* The pool of svc in region, or NULL with the error set ("not deployed"). */
Pool *pool_or_error(Model *m, int svc, int region)
{
    Pool *p = model_pool(m, svc, region);
    if (!p)
        model_set_error(m, "%s is not deployed in %s", m->topo->services[svc].name,
                        m->topo->regions[region].name);
    return p;
}

int pool_serving(const Pool *p)
{
    int n = 0;
    for (int i = 0; i < p->ninst; i++)
        if (p->inst[i].state == INST_UP && !p->inst[i].draining) n++;
    return n;
}

/* Where a call to `svc` from `from_region` goes: to `to_region` when the
 * call names one (and the service runs there: no fallback, a region with
 * nothing serving fails the call); otherwise the local deployment when
 * there is one (and, if the service allows it, another region when the
 * local one has nothing serving); otherwise the first region it runs in
 * that is serving, or failing that the first it runs in at all. */
Pool *model_pool_for_call(Model *m, int svc, int from_region, int to_region)
{
    if (m->ext_pool[svc] >= 0) return &m->pools[m->ext_pool[svc]];
    const Topo *t = m->topo;
    if (to_region >= 0 && to_region < t->nregions) {
        Pool *named = model_pool(m, svc, to_region);
        if (named) return named;
    }
    Pool *local = from_region >= 0 ? model_pool(m, svc, from_region) : NULL;
    if (local && (!t->services[svc].cross_region || pool_serving(local) > 0)) return local;
    Pool *first = local;
    for (int r = 0; r < t->nregions; r++) {
        Pool *p = model_pool(m, svc, r);
        if (!p) continue;
        if (!first) first = p;
        if (pool_serving(p) > 0) return p;
    }
    return first;
}

/* Folds the time since the last change into the pool's busy and capacity
 * areas; called before anything changes busy workers or serving instances. */
void pool_integrate(Model *m, Pool *p)
{
    SimTime now = sim_now(m->sim);
    double dt = fd_time_sec(now - p->area_last);
    p->area_last = now;
    if (dt <= 0 || p->ts->kind == SVC_EXTERNAL) return;
    /* Running totals, kept where instances and requests change, so this
     * costs the same however many instances the pool has. */
    double busy = p->nbusy, queued = p->nqueued, slots = (double)p->nup * p->concurrency;
    p->acc.busy_area += busy * dt;
    p->acc.slot_area += slots * dt;
    p->acc.queue_area += queued * dt;
    p->as_busy_area += busy * dt;
    p->as_slot_area += slots * dt;
}

void *rec_take(Model *m, RecBlocks *b, size_t size, int per)
{
    if (b->unused == 0) {
        void **blocks = realloc(b->blocks, sizeof *blocks * (size_t)(b->n + 1));
        if (!blocks) { m->oom = true; sim_stop(m->sim); return NULL; }
        b->blocks = blocks;
        void *block = calloc((size_t)per, size);
        if (!block) { m->oom = true; sim_stop(m->sim); return NULL; }
        b->blocks[b->n++] = block;
        b->unused = per;
    }
    return (char *)b->blocks[b->n - 1] + size * (size_t)(per - b->unused--);
}

void rec_free(RecBlocks *b)
{
    for (int i = 0; i < b->n; i++) free(b->blocks[i]);
    free(b->blocks);
}

static int scale_count(int real, double sampling, int floor_)
{
    double v = floor((double)real / sampling + 0.5);
    if (v < floor_) v = floor_;
    return (int)v;
}

static double baseline_rate(const Topo *t)
{
    double r = 0;
    for (int i = 0; i < t->nsources; i++) r += t->sources[i].rate;
    return r;
}

/* Says what sampling does to a pool whose instance count is not a
 * multiple of the factor. */
static int pool_warn(Model *m, Pool *p, int real, int k)
{
    const Topo *t = m->topo;
    if (m->nwarnings == m->capwarnings) {
        int cap = m->capwarnings ? m->capwarnings * 2 : 8;
        ModelWarning *v = realloc(m->warnings, sizeof *v * (size_t)cap);
        if (!v) return -1;
        m->warnings = v;
        m->capwarnings = cap;
    }
    char buf[400];
    const char *rname = p->region >= 0 ? t->regions[p->region].name : "-";
    if (real < m->sampling)
        snprintf(buf, sizeof buf,
                 "%s in %s has %d instance%s, fewer than the sampling factor %g: simulated as "
                 "one instance of %d workers (real: %d each), which queues less than %d "
                 "would; its waits and its overload point are approximate",
                 p->ts->name, rname, real, real == 1 ? "" : "s", m->sampling, p->concurrency,
                 p->ts->concurrency, real);
    else
        snprintf(buf, sizeof buf,
                 "%s in %s has %d instances, not a multiple of the sampling factor %g: "
                 "simulated as %d of %d workers each (real: %d), each standing for %.3g; "
                 "its waits are approximate",
                 p->ts->name, rname, real, m->sampling, k, p->concurrency, p->ts->concurrency,
                 p->isc);
    char *dup = strdup(buf);
    if (!dup) return -1;
    m->warnings[m->nwarnings++] = (ModelWarning){ .svc = p->svc, .region = p->region, .text = dup };
    return 0;
}

int model_nwarnings(const Model *m) { return m->nwarnings; }
bool model_oom(const Model *m) { return m->oom; }

const char *model_warning(const Model *m, int i, int *svc, int *region)
{
    *svc = m->warnings[i].svc;
    *region = m->warnings[i].region;
    return m->warnings[i].text;
}

/* Real instance counts to simulated ones and back (see the top of the
 * file): a positive count is at least one simulated instance. */
int pool_to_sim(const Pool *p, int real)
{
    if (real <= 0) return real;
    int n = (int)floor(real / p->isc + 0.5);
    return n < 1 ? 1 : n;
}

int pool_to_real(const Pool *p, int sim)
{
    return (int)floor(sim * p->isc + 0.5);
}

static int init_pool(Model *m, Pool *p, int svc, int region, int instances)
{
    const Topo *t = m->topo;
    const TopoService *ts = &t->services[svc];
    p->m = m;
    p->index = (int)(p - m->pools);
    p->svc = svc;
    p->region = region;
    p->own = *ts;
    p->ts = &p->own;
    if (ts->ncalls) {
        p->own_calls = malloc(sizeof *p->own_calls * (size_t)ts->ncalls);
        if (!p->own_calls) return -1;
        memcpy(p->own_calls, ts->calls, sizeof *p->own_calls * (size_t)ts->ncalls);
        p->own.calls = p->own_calls;
    }
    /* Whole instances at their real size; see the top of the file. */
    int k = instances > 0 ? scale_count(instances, m->sampling, 1) : 0;
    p->isc = k > 0 ? (double)instances / k : m->sampling;
    double shrink = p->isc / m->sampling;   /* 1 when I is a multiple of N */
    p->concurrency = scale_count(ts->concurrency, 1 / shrink, 1);
    p->queue = scale_count(ts->queue, 1 / shrink, 0);
    p->max_inflight = ts->admission.max_inflight > 0
                          ? scale_count(ts->admission.max_inflight, 1 / shrink, 1)
                          : p->concurrency + p->queue;
    if (ts->kind != SVC_EXTERNAL && k > 0 && fabs(shrink - 1) > 1e-9 &&
        pool_warn(m, p, instances, k) < 0)
        return -1;
    instances = k;
    for (int c = 0; c < POOL_NCODES; c++) p->codes[c].version = -1;
    p->codes[0] = (Code){ .version = 0, .errors = ts->error_rate };
    p->target = 0;
    p->blocked_by = p->start_blocked_by = p->start_via = -1;
    p->scale_max = ts->autoscale.enabled ? pool_to_sim(p, ts->autoscale.max) : 0;
    char name[200];
    snprintf(name, sizeof name, "pool:%s:%s", ts->name,
             region >= 0 ? t->regions[region].name : "-");
    rng_init(&p->rng, sim_seed(m->sim), name);
    snprintf(name, sizeof name, "route:%s:%s", ts->name,
             region >= 0 ? t->regions[region].name : "-");
    rng_init(&p->route_rng, sim_seed(m->sim), name);
    if (ts->ncalls) {
        p->calls = calloc((size_t)ts->ncalls, sizeof *p->calls);
        if (!p->calls) return -1;
        for (int c = 0; c < ts->ncalls; c++) {
            double burst = ts->calls[c].budget.burst / m->sampling;
            p->calls[c].tokens = burst < 1 ? 1 : burst;
            p->calls[c].fallback = -1;
        }
    }
    if (ts->kind != SVC_EXTERNAL && pool_add_instances(m, p, instances) < 0) return -1;
    for (int i = 0; i < p->ninst; i++) {
        p->inst[i].state = INST_UP;
        p->inst[i].fresh = false;
        p->nup++;
    }
    p->waiting = 0;
    return 0;
}

Model *model_new(const Topo *topo, Sim *sim, const ModelOptions *opt)
{
    Model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->topo = topo;
    m->sim = sim;
    if (opt) m->opt = *opt;
    m->sampling = topo_sampling(topo);
    if (topo->budget > 0) {
        double s = baseline_rate(topo) / topo->budget;
        m->sampling = s > 1 ? ceil(s) : 1;
    }

    int ns = topo->nservices, nr = topo->nregions;
    m->pool_of = malloc(sizeof *m->pool_of * (size_t)(ns * nr + 1));
    m->ext_pool = malloc(sizeof *m->ext_pool * (size_t)(ns + 1));
    m->cfg_bad = calloc((size_t)(topo->nconfigs * nr + 1), sizeof *m->cfg_bad);
    m->cfg_cost = calloc((size_t)(topo->nconfigs * nr + 1), sizeof *m->cfg_cost);
    m->cut = calloc((size_t)ns + 1, sizeof *m->cut);
    m->wait_count = calloc((size_t)ns + 1, sizeof *m->wait_count);
    if (!m->wait_count || !m->pool_of || !m->ext_pool || !m->cfg_bad || !m->cfg_cost ||
        !m->cut)
        goto oom;
    for (int i = 0; i < ns * nr; i++) m->pool_of[i] = -1;
    for (int s = 0; s < ns; s++) {
        m->ext_pool[s] = -1;
        m->cut[s] = calloc((size_t)ns, sizeof **m->cut);
        if (!m->cut[s]) goto oom;
        const TopoService *ts = &topo->services[s];
        m->npools += ts->kind == SVC_EXTERNAL ? 1 : ts->ndeploy;
    }
    m->pools = calloc((size_t)m->npools + 1, sizeof *m->pools);
    m->stats_pools = calloc((size_t)m->npools + 1, sizeof *m->stats_pools);
    if (!m->pools || !m->stats_pools) goto oom;
    int k = 0;
    for (int s = 0; s < ns; s++) {
        const TopoService *ts = &topo->services[s];
        if (ts->kind == SVC_EXTERNAL) {
            m->ext_pool[s] = k;
            if (init_pool(m, &m->pools[k++], s, -1, 0) < 0) goto oom;
            continue;
        }
        for (int d = 0; d < ts->ndeploy; d++) {
            int r = ts->deploy[d].region;
            m->pool_of[s * nr + r] = k;
            if (init_pool(m, &m->pools[k++], s, r, ts->deploy[d].instances) < 0) goto oom;
        }
    }

    m->sources = calloc((size_t)topo->nsources + 1, sizeof *m->sources);
    m->stats_sources = calloc((size_t)topo->nsources + 1, sizeof *m->stats_sources);
    if (!m->sources || !m->stats_sources) goto oom;
    for (int i = 0; i < topo->nsources; i++) {
        SourceRt *s = &m->sources[i];
        const TopoSource *ts = &topo->sources[i];
        s->ts = ts;
        s->client = ts->client;
        s->index = i;
        s->factor = 1;
        s->weights = malloc(sizeof *s->weights * (size_t)nr);
        s->pending_weights = malloc(sizeof *s->pending_weights * (size_t)nr);
        s->arrival = calloc((size_t)nr, sizeof *s->arrival);
        double pop = ts->customers ? ceil((double)ts->customers / m->sampling) : 0;
        s->ncustomers = pop > 4e9 ? 4000000000u : (uint32_t)pop;
        s->affected = s->ncustomers ? calloc(s->ncustomers / 8 + 1, 1) : NULL;
        if (!s->weights || !s->pending_weights || !s->arrival ||
            (s->ncustomers && !s->affected))
            goto oom;
        memcpy(s->weights, ts->weights, sizeof *s->weights * (size_t)nr);
        char name[200];
        snprintf(name, sizeof name, "source:%s", ts->name);
        rng_init(&s->rng, sim_seed(sim), name);
        snprintf(name, sizeof name, "defer:%s", ts->name);
        rng_init(&s->drng, sim_seed(sim), name);
    }

    sources_start(m);
    sched_start(m);
    metrics_start(m);
    if (config_start(m) < 0) goto oom;
    if (m->oom || sim_failed(sim)) goto oom;
    return m;
oom:
    model_free(m);
    return NULL;
}

void model_free(Model *m)
{
    if (!m) return;
    /* npools is counted before pools is allocated: a model_new() that ran
     * out of memory in between leaves npools set and pools NULL. */
    for (int i = 0; m->pools && i < m->npools; i++) {
        free(m->pools[i].inst);
        free(m->pools[i].calls);
        free(m->pools[i].startq);
        free(m->pools[i].own_calls);
        free(m->pools[i].cfg);
        free(m->pools[i].code_acc);
        free(m->pools[i].code_last);
    }
    free(m->pools);
    free(m->stats_pools);
    if (m->sources)
        for (int i = 0; i < m->topo->nsources; i++) {
            free(m->sources[i].weights);
            free(m->sources[i].pending_weights);
            free(m->sources[i].arrival);
            free(m->sources[i].affected);
            free(m->sources[i].defer);
        }
    free(m->sources);
    free(m->stats_sources);
    if (m->cut)
        for (int s = 0; s < m->topo->nservices; s++) free(m->cut[s]);
    free(m->cut);
    free(m->cfg_bad);
    free(m->cfg_cost);
    free(m->wait_count);
    free(m->pool_of);
    free(m->ext_pool);
    rec_free(&m->reqs);
    rec_free(&m->intents);
    free(m->deadlocks);
    for (int i = 0; i < m->nwarnings; i++) free(m->warnings[i].text);
    free(m->warnings);
    free(m);
}
