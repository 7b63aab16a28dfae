/*
 * topo_load_call.c: a service's calls (see topo_load_internal.h): the
 * target, timeout and retries, and what a call may carry: a backoff (which
 * the scheduler and a source's client take too), a retry budget, a
 * breaker, a region.
 *
 * A call's region can only be checked once every service's deployment is
 * known, so ld_call_regions() runs after the sections are walked; it also
 * expands `regions: all` into one call per region, so the Topo holds only
 * plain calls.
 */
#include "load/topo_load_internal.h"

#include <stdlib.h>

enum { C_TO, C_TIMEOUT, C_RETRIES, C_BACKOFF, C_BUDGET, C_CRITICAL, C_FALLBACK, C_PROBABILITY,
       C_BREAKER, C_REGION, C_REGIONS, C_N };
static const char *const call_keys[C_N] = {
    [C_TO] = "to", [C_TIMEOUT] = "timeout", [C_RETRIES] = "retries", [C_BACKOFF] = "backoff",
    [C_BUDGET] = "budget", [C_CRITICAL] = "critical", [C_FALLBACK] = "fallback",
    [C_PROBABILITY] = "probability", [C_BREAKER] = "breaker", [C_REGION] = "region",
    [C_REGIONS] = "regions",
};
SCHEMA(call, "a call", C_N);

enum { B_BASE, B_MAX, B_MULTIPLIER, B_JITTER, B_N };
static const char *const backoff_keys[B_N] = {
    [B_BASE] = "base", [B_MAX] = "max", [B_MULTIPLIER] = "multiplier", [B_JITTER] = "jitter",
};
SCHEMA(backoff, "a backoff", B_N);

enum { BU_RATIO, BU_BURST, BU_N };
static const char *const budget_keys[BU_N] = { [BU_RATIO] = "ratio", [BU_BURST] = "burst" };
SCHEMA(budget, "a retry budget", BU_N);

enum { BR_ERROR_RATE, BR_MIN_REQUESTS, BR_WINDOW, BR_OPEN_FOR, BR_PROBES, BR_N };
static const char *const breaker_keys[BR_N] = {
    [BR_ERROR_RATE] = "error_rate", [BR_MIN_REQUESTS] = "min_requests", [BR_WINDOW] = "window",
    [BR_OPEN_FOR] = "open_for", [BR_PROBES] = "probes",
};
SCHEMA(breaker, "a breaker", BR_N);

void ld_walk_backoff(Ld *ld, const Node *m, const char *key, TopoBackoff *b)
{
    Node *k[B_N], *v[B_N];
    if (!ld_collect(ld, m, key, &backoff_schema, "a backoff", k, v)) return;
    bool base_ok = ld_duration(ld, v[B_BASE], "base", false, &b->base);
    bool max_ok = ld_duration(ld, v[B_MAX], "max", true, &b->max);
    ld_number(ld, v[B_MULTIPLIER], "multiplier", 1, 1000, &b->multiplier);
    ld_fraction(ld, v[B_JITTER], "jitter", false, &b->jitter);
    if ((base_ok || !v[B_BASE]) && (max_ok || !v[B_MAX]) && b->max < b->base) {
        const Node *at = v[B_MAX] ? v[B_MAX] : v[B_BASE];
        ld_err(ld, ld_node_loc(ld, at), "backoff: max (%gs%s) is less than base (%gs%s)",
               fd_time_sec(b->max), v[B_MAX] ? "" : ", the default", fd_time_sec(b->base),
               v[B_BASE] ? "" : ", the default");
    }
}

static void walk_budget(Ld *ld, const Node *m, TopoRetryBudget *b)
{
    Toggle tg = ld_toggle(ld, m, "budget");
    if (tg == TG_BAD) return;
    b->enabled = tg != TG_OFF;
    if (tg != TG_MAP) return;
    Node *k[BU_N], *v[BU_N];
    if (!ld_collect(ld, m, "budget", &budget_schema, "a retry budget", k, v)) return;
    ld_fraction(ld, v[BU_RATIO], "ratio", false, &b->ratio);
    ld_number(ld, v[BU_BURST], "burst", 1, 1e9, &b->burst);
}

static void walk_breaker(Ld *ld, const Node *kn, const Node *m, TopoBreaker *b)
{
    Toggle tg = ld_toggle(ld, m, "breaker");
    if (tg == TG_BAD) return;
    b->enabled = tg != TG_OFF;
    b->loc = ld_node_loc(ld, kn);
    if (tg != TG_MAP) return;
    Node *k[BR_N], *v[BR_N];
    if (!ld_collect(ld, m, "breaker", &breaker_schema, "a breaker", k, v)) return;
    ld_fraction(ld, v[BR_ERROR_RATE], "error_rate", true, &b->error_rate);
    ld_int(ld, v[BR_MIN_REQUESTS], "min_requests", 1, 1000000000, &b->min_requests);
    ld_duration(ld, v[BR_WINDOW], "window", true, &b->window);
    ld_duration(ld, v[BR_OPEN_FOR], "open_for", true, &b->open_for);
    ld_int(ld, v[BR_PROBES], "probes", 1, 1000000, &b->probes);
}

void ld_walk_call(Ld *ld, const Node *m, TopoCall *c)
{
    *c = topo_default_call();
    c->loc = ld_node_loc(ld, m);
    /* `calls: [db, cache]`: a bare name is a call with the defaults. */
    if (m->type == YAML_SCALAR_NODE && !ld_is_null(m)) {
        c->target = ld_ref(ld, m, "calls", &ld->svc, "service");
        return;
    }
    Node *k[C_N], *v[C_N];
    if (!ld_collect(ld, m, "calls", &call_schema, "a call", k, v)) return;
    if (v[C_TO]) c->target = ld_ref(ld, v[C_TO], "to", &ld->svc, "service");
    else ld_err(ld, c->loc, "a call needs 'to': the service it calls");
    ld_duration(ld, v[C_TIMEOUT], "timeout", true, &c->timeout);
    ld_int(ld, v[C_RETRIES], "retries", 0, 100, &c->retries);
    if (v[C_BACKOFF]) ld_walk_backoff(ld, v[C_BACKOFF], "backoff", &c->backoff);
    if (v[C_BUDGET]) walk_budget(ld, v[C_BUDGET], &c->budget);
    ld_bool(ld, v[C_CRITICAL], "critical", &c->critical);
    ld_bool(ld, v[C_FALLBACK], "fallback", &c->fallback);
    ld_fraction(ld, v[C_PROBABILITY], "probability", false, &c->probability);
    if (v[C_BREAKER]) walk_breaker(ld, k[C_BREAKER], v[C_BREAKER], &c->breaker);
    /* Whether the target runs in that region is checked once every
     * service's deployment is known (ld_call_regions()). */
    if (v[C_REGION] && v[C_REGIONS]) {
        ld_err(ld, ld_node_loc(ld, k[C_REGIONS]),
               "a call takes 'region' (one region) or 'regions: all', not both");
        ld_note(ld, ld_node_loc(ld, k[C_REGION]), "'region' is set here");
    } else if (v[C_REGION]) {
        c->region_loc = ld_node_loc(ld, v[C_REGION]);
        int r = ld_ref(ld, v[C_REGION], "region", &ld->reg, "region");
        if (r >= 0) c->region = r;
    } else if (v[C_REGIONS]) {
        c->region_loc = ld_node_loc(ld, v[C_REGIONS]);
        static const char *const all[] = { "all" };
        if (ld_word(ld, v[C_REGIONS], "regions", "'all'", all, 1) == 0)
            c->region = TOPO_CALL_ALL_REGIONS;
    }
}

void ld_walk_calls(Ld *ld, const Node *m, TopoService *s)
{
    if (ld_is_null(m)) return;
    if (!ld_is_seq(m)) {
        ld_wrong_type(ld, m, "calls", "a list of calls like [{ to: db, timeout: 1s }]");
        return;
    }
    s->calls = ld_xcalloc(ld, ld_seq_len(m), sizeof *s->calls);
    if (!s->calls) return;
    EACH_ITEM(it, m) {
        Node *c = ld_get(ld, *it);
        if (!c) return;
        ld_walk_call(ld, c, &s->calls[s->ncalls++]);
    }
}

/* Calls to a named region, once every deployment is known: the target
 * must run there; `regions: all` becomes one call per region the target
 * runs in, in the order of the topology's regions, made one after another
 * like separate calls. */
static void call_list_regions(Ld *ld, TopoCall **calls, int *ncalls)
{
    Topo *t = ld->t;
    char b[64], b2[64];
    int extra = 0, nall = 0;
    for (int k = 0; k < *ncalls; k++) {
        TopoCall *c = &(*calls)[k];
        if (c->region == -1 || c->target < 0) {
            if (c->region == TOPO_CALL_ALL_REGIONS) c->region = -1;
            continue;
        }
        const TopoService *to = &t->services[c->target];
        if (c->region == TOPO_CALL_ALL_REGIONS) {
            if (to->ndeploy == 0) {
                ld_err(ld, c->region_loc, "regions: '%s' runs in no region (%s)",
                       ld_show(to->name, b, sizeof b),
                       to->kind == SVC_EXTERNAL ? "it is external" : "it has no deploy");
                c->region = -1;
            } else {
                extra += to->ndeploy - 1;
                nall++;
            }
            continue;
        }
        bool there = false;
        for (int d = 0; d < to->ndeploy; d++) there |= to->deploy[d].region == c->region;
        if (!there) {
            ld_err(ld, c->region_loc, "region: '%s' is not deployed in '%s'",
                   ld_show(to->name, b, sizeof b), ld_show(t->regions[c->region].name, b2, sizeof b2));
            ld_note(ld, to->loc, "'%s' is defined here", ld_show(to->name, b, sizeof b));
            c->region = -1;
        }
    }
    if (nall == 0) return;
    TopoCall *v = ld_xcalloc(ld, (size_t)(*ncalls + extra), sizeof *v);
    if (!v) return;
    int n = 0;
    for (int k = 0; k < *ncalls; k++) {
        const TopoCall *c = &(*calls)[k];
        if (c->region != TOPO_CALL_ALL_REGIONS) {
            v[n++] = *c;
            continue;
        }
        const TopoService *to = &t->services[c->target];
        for (int r = 0; r < t->nregions; r++)
            for (int d = 0; d < to->ndeploy; d++)
                if (to->deploy[d].region == r) {
                    v[n] = *c;
                    v[n++].region = r;
                }
    }
    free(*calls);
    *calls = v;
    *ncalls = n;
}

void ld_call_regions(Ld *ld)
{
    for (int i = 0; i < ld->t->nservices; i++) {
        TopoService *s = &ld->t->services[i];
        call_list_regions(ld, &s->calls, &s->ncalls);
        call_list_regions(ld, &s->startup, &s->nstartup);
    }
}
