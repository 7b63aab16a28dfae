/*
 * model_fault.c: the faults a scenario injects: crashes, hangs, latency,
 * errors, partitions, bad configuration data and surges. Counts of
 * instances are real ones, converted to simulated ones here (model.c).
 */
#include "model/model_internal.h"

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

int model_set_rate_factor(Model *m, int src, double factor)
{
    SourceRt *s = &m->sources[src];
    s->factor = factor;
    source_apply_rates(m, s);
    return 0;
}
