/*
 * model_version.c: versions of a service's code on its instances (a bad
 * deploy, a canary, a rollback), and what each version answers.
 */
#include "model/model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


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
