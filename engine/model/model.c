/*
 * model.c: building the live model from a topology, and the fault, response
 * and observation calls the scenario layer drives it with.
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
    for (int i = 0; i < m->nreq_blocks; i++) free(m->req_blocks[i]);
    free(m->req_blocks);
    for (int i = 0; i < m->nintent_blocks; i++) free(m->intent_blocks[i]);
    free(m->intent_blocks);
    free(m->deadlocks);
    for (int i = 0; i < m->nwarnings; i++) free(m->warnings[i].text);
    free(m->warnings);
    free(m);
}

/* ---- faults ---- */

static Pool *pool_or_error(Model *m, int svc, int region)
{
    Pool *p = model_pool(m, svc, region);
    if (!p)
        model_set_error(m, "%s is not deployed in %s", m->topo->services[svc].name,
                        m->topo->regions[region].name);
    return p;
}

/* Runs fn over one region's pool, or every pool of the service when
 * region < 0. Returns -1 when no pool matched. */
#define FOR_POOLS(m, svc, region, p, body)                                  \
    do {                                                                    \
        int matched_ = 0;                                                   \
        for (int pi_ = 0; pi_ < (m)->npools; pi_++) {                       \
            Pool *p = &(m)->pools[pi_];                                     \
            if (p->svc != (svc) || ((region) >= 0 && p->region >= 0 &&      \
                                    p->region != (region)))                 \
                continue;                                                   \
            matched_++;                                                     \
            body;                                                           \
        }                                                                   \
        if (!matched_) {                                                    \
            if ((region) >= 0) pool_or_error((m), (svc), (region));         \
            return -1;                                                      \
        }                                                                   \
    } while (0)

int model_crash(Model *m, int svc, int region, int count)
{
    FOR_POOLS(m, svc, region, p, {
        int left = count < 0 ? p->ninst : pool_to_sim(p, count);
        for (int i = 0; i < p->ninst && left > 0; i++) {
            if (p->inst[i].state != INST_UP && p->inst[i].state != INST_STARTING) continue;
            inst_crash(m, p, i);
            left--;
        }
        sched_poke(m, p);
    });
    return 0;
}

int model_hang(Model *m, int svc, int region, bool on)
{
    FOR_POOLS(m, svc, region, p, {
        pool_integrate(m, p);
        p->hung = on;
        if (!on) pool_release_stalled(m, p);
    });
    return 0;
}

int model_add_latency(Model *m, int svc, int region, SimTime extra)
{
    FOR_POOLS(m, svc, region, p, p->extra_latency = extra);
    return 0;
}

bool model_latency_is(const Model *m, int svc, int region, SimTime extra)
{
    for (int i = 0; i < m->npools; i++) {
        const Pool *p = &m->pools[i];
        if (p->svc != svc || (region >= 0 && p->region >= 0 && p->region != region)) continue;
        if (p->extra_latency != extra) return false;
    }
    return true;
}

int model_inject_errors(Model *m, int svc, int region, double rate)
{
    FOR_POOLS(m, svc, region, p, p->inject_errors = rate);
    return 0;
}

bool model_calls(const Model *m, int from, int to)
{
    const TopoService *ts = &m->topo->services[from];
    for (int c = 0; c < ts->ncalls; c++)
        if (ts->calls[c].target == to) return true;
    return false;
}

/* Kept on the calling pool's call edges, so that a partition can cut one
 * region off without the others; a pair that makes no call has no edge
 * to cut, which is an error rather than a fault applied to nothing. */
int model_partition(Model *m, int svc, int to, int region, bool on)
{
    if (!model_calls(m, svc, to)) {
        model_set_error(m, "%s does not call %s", m->topo->services[svc].name,
                        m->topo->services[to].name);
        return -1;
    }
    FOR_POOLS(m, svc, region, p, {
        for (int c = 0; c < p->ts->ncalls; c++)
            if (p->ts->calls[c].target == to) p->calls[c].partitioned = on;
    });
    return 0;
}

int model_config_write(Model *m, int cfg, int region, bool bad)
{
    return model_config_write_cost(m, cfg, region, bad, 1, 0, 0);
}

int model_config_write_cost(Model *m, int cfg, int region, bool bad, double errors, SimTime cpu,
                            SimTime latency)
{
    int nr = m->topo->nregions;
    CfgCost cost = bad ? (CfgCost){ errors, cpu, latency } : (CfgCost){ 0, 0, 0 };
    for (int r = 0; r < nr; r++)
        if (region < 0 || r == region) {
            m->cfg_bad[cfg * nr + r] = bad;
            m->cfg_cost[cfg * nr + r] = cost;
        }
    return 0;
}

bool model_config_bad(const Model *m, int cfg, int region)
{
    return m->cfg_bad[cfg * m->topo->nregions + region];
}

/* The slot of `version` in p's codes, or a free one for it (a slot no
 * live instance runs and new instances would not start on), or -1. */
static int code_slot(Pool *p, int version)
{
    for (int c = 0; c < POOL_NCODES; c++)
        if (p->codes[c].version == version) return c;
    int used[POOL_NCODES] = { 0 };
    for (int i = 0; i < p->ninst; i++)
        if (p->inst[i].state != INST_STOPPED) used[p->inst[i].code] = 1;
    used[p->target] = 1;
    for (int c = 0; c < POOL_NCODES; c++)
        if (p->codes[c].version < 0) return c;
    for (int c = 0; c < POOL_NCODES; c++)
        if (!used[c]) return c;
    return -1;
}

static bool inst_live(const Inst *in) { return in->state != INST_STOPPED; }

static int pool_set_code(Model *m, Pool *p, const ModelCode *code, double share, int count,
                         int from)
{
    int c = code_slot(p, code->version);
    if (c < 0) {
        model_set_error(m, "%s in %s already runs %d versions at once", p->ts->name,
                        p->region >= 0 ? m->topo->regions[p->region].name : "-", POOL_NCODES);
        return -1;
    }
    if (p->codes[c].version != code->version && p->code_acc) {
        /* A reused slot: its statistics were another version's. */
        memset(&p->code_acc[c], 0, sizeof p->code_acc[c]);
        memset(&p->code_last[c], 0, sizeof p->code_last[c]);
    }
    /* Negative: as the version already had it; for a new one, the
     * topology's error rate and no cost. */
    bool had = p->codes[c].version == code->version;
    Code old = had ? p->codes[c] : (Code){ code->version, p->ts->error_rate, 0, 0 };
    p->codes[c] = (Code){ code->version, code->errors >= 0 ? code->errors : old.errors,
                          code->cpu >= 0 ? code->cpu : old.cpu,
                          code->latency >= 0 ? code->latency : old.latency };
    if (c != 0 && !p->code_acc) {
        p->code_acc = calloc(POOL_NCODES, sizeof *p->code_acc);
        p->code_last = calloc(POOL_NCODES, sizeof *p->code_last);
        if (!p->code_acc || !p->code_last) {
            m->oom = true;
            return -1;
        }
    }
    bool whole = (share < 0 && count < 0) || share >= 1;
    int want = p->ninst;
    if (!whole) {
        int live = 0;
        for (int i = 0; i < p->ninst; i++) live += inst_live(&p->inst[i]);
        want = share >= 0 ? (int)ceil(share * live - 1e-9) : count;
        for (int i = 0; i < p->ninst; i++) want -= inst_live(&p->inst[i]) && p->inst[i].code == c;
    }
    for (int i = 0; i < p->ninst && want > 0; i++) {
        Inst *in = &p->inst[i];
        if (in->code == c || (!whole && !inst_live(in))) continue;
        if (from >= 0 && p->codes[in->code].version != from) continue;
        in->code = (uint8_t)c;
        want--;
    }
    if (whole && (from < 0 || p->codes[p->target].version == from)) p->target = c;
    return 0;
}

int model_set_code(Model *m, int svc, int region, const ModelCode *code, double share, int count,
                   int from)
{
    FOR_POOLS(m, svc, region, p, {
        if (p->ts->kind == SVC_EXTERNAL) {
            /* an external has no instances */
            p->codes[0].errors = code->errors >= 0 ? code->errors : p->ts->error_rate;
            p->codes[0].version = code->version;
            continue;
        }
        if (pool_set_code(m, p, code, share, count >= 0 ? pool_to_sim(p, count) : count, from) < 0)
            return -1;
    });
    return 0;
}

int model_set_version(Model *m, int svc, int region, int version, double error_rate)
{
    ModelCode c = { .version = version, .errors = error_rate, .cpu = -1, .latency = -1 };
    return model_set_code(m, svc, region, &c, -1, -1, -1);
}

int model_version(const Model *m, int svc, int region)
{
    Pool *p = model_pool(m, svc, region);
    if (!p) return -1;
    int v = -1;
    for (int i = 0; i < p->ninst; i++)
        if (inst_live(&p->inst[i]) && p->codes[p->inst[i].code].version > v)
            v = p->codes[p->inst[i].code].version;
    return v < 0 ? p->codes[p->target].version : v;
}

void model_version_count(const Model *m, int svc, int region, int version, int *on, int *live)
{
    *on = *live = 0;
    for (int k = 0; k < m->npools; k++) {
        const Pool *p = &m->pools[k];
        if (p->svc != svc || (region >= 0 && p->region != region)) continue;
        int pon = 0, plive = 0;
        for (int i = 0; i < p->ninst; i++) {
            if (!inst_live(&p->inst[i])) continue;
            plive++;
            pon += p->codes[p->inst[i].code].version == version;
        }
        /* real instances, as every count the API hands out */
        *on += pool_to_real(p, pon);
        *live += pool_to_real(p, plive);
    }
}

void model_version_stats(const Model *m, int svc, int region, int version, VersionStats *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < m->npools; k++) {
        const Pool *p = &m->pools[k];
        if (p->svc != svc || (region >= 0 && p->region != region) || !p->has_last) continue;
        for (int c = 0; c < POOL_NCODES; c++) {
            if (p->codes[c].version != version) continue;
            if (!p->code_last) {
                /* One version only: the pool's own statistics are its. */
                if (c != 0) continue;
                out->ok += p->last.ok;
                out->degraded += p->last.degraded;
                for (int f = 0; f < FAIL_NCAUSES; f++)
                    if (f != FAIL_NO_INSTANCE) out->failed += p->last.failed[f];
                hist_merge(&out->latency, &p->last.latency);
                continue;
            }
            const CodeAccum *a = &p->code_last[c];
            out->ok += a->ok * m->sampling;
            out->degraded += a->degraded * m->sampling;
            out->failed += a->failed * m->sampling;
            hist_merge(&out->latency, &a->latency);
        }
    }
}

int model_set_rate_factor(Model *m, int src, double factor)
{
    SourceRt *s = &m->sources[src];
    s->factor = factor;
    source_apply_rates(m, s);
    return 0;
}

/* ---- responses ---- */

int model_restart(Model *m, int svc, int region, int count, bool manual, SimTime manual_time)
{
    FOR_POOLS(m, svc, region, p, {
        int left = count < 0 ? p->ninst : pool_to_sim(p, count);
        for (int i = 0; i < p->ninst && left > 0; i++) {
            Inst *in = &p->inst[i];
            if (in->state == INST_STOPPED) continue;
            inst_crash(m, p, i);     /* a waiting one asks again at once */
            left--;
            if (manual) sched_manual_start(m, p, i, manual_time);
        }
        sched_poke(m, p);
    });
    return 0;
}

int model_rolling_restart(Model *m, int svc, int region, int batch)
{
    return model_rolling_restart_on(m, svc, region, batch, -1);
}

int model_rolling_restart_on(Model *m, int svc, int region, int batch, int version)
{
    if (batch < 1) batch = 1;
    FOR_POOLS(m, svc, region, p, {
        p->roll_filter = version >= 0;
        for (int i = 0; i < p->ninst; i++)
            p->inst[i].roll_mark = version >= 0 && p->codes[p->inst[i].code].version == version;
        p->roll_batch = pool_to_sim(p, batch);
        p->roll_next = 0;
        p->roll_pending = 0;
        sched_roll_next(m, p);
    });
    return 0;
}

int model_scale(Model *m, int svc, int region, int real)
{
    FOR_POOLS(m, svc, region, p, {
        int instances = pool_to_sim(p, real);
        int have = 0;
        for (int i = 0; i < p->ninst; i++)
            if (p->inst[i].state != INST_STOPPED && !p->inst[i].draining) have++;
        have += p->pending_starts;
        if (instances > have) {
            if (pool_add_instances(m, p, instances - have) < 0) return -1;
            sched_poke(m, p);
        } else {
            sched_scale_in(m, p, have - instances);
        }
        if (p->scale_max && instances > p->scale_max) p->scale_max = instances;
    });
    return 0;
}

int model_set_scale_max(Model *m, int svc, int region, int max)
{
    if (!m->topo->services[svc].autoscale.enabled) {
        model_set_error(m, "%s does not autoscale", m->topo->services[svc].name);
        return -1;
    }
    FOR_POOLS(m, svc, region, p, p->scale_max = pool_to_sim(p, max));
    return 0;
}

static void merge_call(TopoCall *c, const TopoCall *pol, unsigned set)
{
    if (set & MODEL_CALL_TIMEOUT) c->timeout = pol->timeout;
    if (set & MODEL_CALL_RETRIES) c->retries = pol->retries;
    if (set & MODEL_CALL_BACKOFF_BASE) c->backoff.base = pol->backoff.base;
    if (set & MODEL_CALL_BACKOFF_MAX) c->backoff.max = pol->backoff.max;
    if (set & MODEL_CALL_BACKOFF_MULTIPLIER) c->backoff.multiplier = pol->backoff.multiplier;
    if (set & MODEL_CALL_BACKOFF_JITTER) c->backoff.jitter = pol->backoff.jitter;
    if (set & MODEL_CALL_BUDGET_ENABLED) c->budget.enabled = pol->budget.enabled;
    if (set & MODEL_CALL_BUDGET_RATIO) c->budget.ratio = pol->budget.ratio;
    if (set & MODEL_CALL_BUDGET_BURST) c->budget.burst = pol->budget.burst;
}

static bool call_matches(const Pool *p, int from, int to, int region)
{
    return p->svc == from && (region < 0 || p->region < 0 || p->region == region) && to >= 0 &&
           model_calls(p->m, from, to);
}

/* Two passes: every merged policy is checked before any is applied, so a
 * refused change leaves every region as it was. */
int model_set_call(Model *m, int from, int to, int region, const TopoCall *pol, unsigned set)
{
    if (!model_calls(m, from, to)) {
        model_set_error(m, "%s does not call %s", m->topo->services[from].name,
                        m->topo->services[to].name);
        return -1;
    }
    if (region >= 0 && m->ext_pool[from] < 0 && !model_pool(m, from, region)) {
        pool_or_error(m, from, region);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < m->npools; i++) {
            Pool *p = &m->pools[i];
            if (!call_matches(p, from, to, region)) continue;
            for (int c = 0; c < p->ts->ncalls; c++) {
                if (p->own_calls[c].target != to) continue;
                TopoCall merged = p->own_calls[c];
                merge_call(&merged, pol, set);
                if (pass == 0) {
                    if (merged.backoff.max < merged.backoff.base) {
                        model_set_error(m, "backoff max (%gs) would be less than its base (%gs)",
                                        fd_time_sec(merged.backoff.max),
                                        fd_time_sec(merged.backoff.base));
                        return -1;
                    }
                    continue;
                }
                p->own_calls[c] = merged;
                /* A smaller bucket holds no more than it can. */
                double burst = merged.budget.burst / m->sampling;
                if (burst < 1) burst = 1;
                if (p->calls[c].tokens > burst) p->calls[c].tokens = burst;
            }
        }
    return 0;
}

const TopoCall *model_call_policy(const Model *m, int from, int to, int region)
{
    for (int i = 0; i < m->npools; i++) {
        const Pool *p = &m->pools[i];
        if (!call_matches(p, from, to, region)) continue;
        for (int c = 0; c < p->ts->ncalls; c++)
            if (p->own_calls[c].target == to) return &p->own_calls[c];
    }
    return NULL;
}

int model_set_autoscale(Model *m, int svc, int region, const TopoAutoscale *as, unsigned set)
{
    const TopoService *ts = &m->topo->services[svc];
    if (!ts->autoscale.enabled) {
        model_set_error(m, "%s does not autoscale", ts->name);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        FOR_POOLS(m, svc, region, p, {
            TopoAutoscale a = p->own.autoscale;
            if (!(set & MODEL_AS_MAX) && p->scale_max > 0) a.max = p->scale_max;
            if (set & MODEL_AS_SIGNAL) a.signal = as->signal;
            if (set & MODEL_AS_TARGET) a.target = as->target;
            if (set & MODEL_AS_MIN) a.min = as->min;
            if (set & MODEL_AS_MAX) a.max = as->max;
            if (set & MODEL_AS_PERIOD) a.period = as->period;
            if (set & MODEL_AS_STEP) a.step = as->step;
            if (pass == 0) {
                if (a.min > a.max) {
                    model_set_error(m, "min (%d) would be more than max (%d)", a.min, a.max);
                    return -1;
                }
                if (!(a.target > 0) || (a.signal != SCALE_CONCURRENCY && a.target > 1)) {
                    model_set_error(m, "target %g is out of range for that signal (%s)", a.target,
                                    a.signal == SCALE_CONCURRENCY
                                        ? "more than 0 requests per instance"
                                        : "a fraction in (0, 1]");
                    return -1;
                }
                if (a.period <= 0 || a.step < 1) {
                    model_set_error(m, "period must be more than 0 and step at least 1");
                    return -1;
                }
                continue;
            }
            p->own.autoscale = a;
            p->scale_max = a.max;
        });
    }
    return 0;
}

bool model_autoscale(const Model *m, int svc, int region, TopoAutoscale *out)
{
    for (int i = 0; i < m->npools; i++) {
        const Pool *p = &m->pools[i];
        if (p->svc != svc || (region >= 0 && p->region >= 0 && p->region != region)) continue;
        *out = p->own.autoscale;
        /* The ceiling in force is scale_max (scale{} raises it). */
        if (p->scale_max > 0) out->max = p->scale_max;
        return true;
    }
    return false;
}

int model_shift_traffic(Model *m, int src, const double *weights)
{
    SourceRt *s = &m->sources[src];
    int nr = m->topo->nregions;
    double sum = 0;
    for (int r = 0; r < nr; r++) {
        if (!(weights[r] >= 0)) {
            model_set_error(m, "routing weights must not be negative");
            return -1;
        }
        sum += weights[r];
    }
    if (!(sum > 0)) {
        model_set_error(m, "routing weights must not all be zero");
        return -1;
    }
    for (int r = 0; r < nr; r++) s->pending_weights[r] = weights[r] / sum;
    source_schedule_shift(m, s);
    return 0;
}

int model_cut_call(Model *m, int from, int to, bool cut)
{
    if (!model_calls(m, from, to)) {
        model_set_error(m, "%s does not call %s", m->topo->services[from].name,
                        m->topo->services[to].name);
        return -1;
    }
    m->cut[from][to] = cut;
    return 0;
}

int model_set_fallback(Model *m, int from, int to, bool on)
{
    bool found = false;
    for (int i = 0; i < m->npools; i++) {
        Pool *p = &m->pools[i];
        if (p->svc != from) continue;
        for (int c = 0; c < p->ts->ncalls; c++)
            if (p->ts->calls[c].target == to) {
                p->calls[c].fallback = on;
                found = true;
            }
    }
    if (!found) {
        model_set_error(m, "%s does not call %s", m->topo->services[from].name,
                        m->topo->services[to].name);
        return -1;
    }
    return 0;
}

int model_set_client(Model *m, int src, const TopoClient *client)
{
    m->sources[src].client = *client;
    return 0;
}

const TopoClient *model_client(const Model *m, int src)
{
    return &m->sources[src].client;
}

int model_force_breakers(Model *m, int to, bool open)
{
    for (int i = 0; i < m->npools; i++) {
        Pool *p = &m->pools[i];
        for (int c = 0; c < p->ts->ncalls; c++)
            if (p->ts->calls[c].target == to) p->calls[c].forced_open = open;
    }
    return 0;
}

int model_shed(Model *m, int svc, int region, double fraction)
{
    FOR_POOLS(m, svc, region, p, p->shed = fraction);
    return 0;
}

/* ---- observation ---- */

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

bool model_deadlocked(const Model *m, int svc, int region)
{
    const Pool *p = model_pool(m, svc, region);
    return p && p->deadlock_open;
}

int model_ndeadlocks(const Model *m) { return m->ndeadlocks; }

const ModelDeadlock *model_deadlock(const Model *m, int i)
{
    return i >= 0 && i < m->ndeadlocks ? &m->deadlocks[i] : NULL;
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
