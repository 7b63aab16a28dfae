/*
 * model_response.c: what responders do to the running model: restarts,
 * rolling restarts, scaling, changed call policies and autoscalers, traffic
 * shifts, cut dependencies, fallbacks, forced breakers and shedding. A
 * change that would be invalid in one pool is refused before any pool
 * changes.
 */
#include "model/model_internal.h"

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
