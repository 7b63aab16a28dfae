/*
 * topo_load_source.c: the `sources` section (see topo_load_internal.h):
 * each source's entry and rate, its shape over time (constant, diurnal,
 * steps, or a CSV file read by topo_load_csv.c), how its traffic splits
 * between regions, and how its client behaves.
 *
 * The largest rate is noted on the way (ld->top_rate) for the estimate of
 * what the sources ask of the simulation (topo_load_root.c). Without
 * `regions:`, a source's weights are filled in by ld_default_weights() once
 * every service's deployment is known.
 */
#include "load/topo_load_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SO_ENTRY, SO_RATE, SO_SHAPE, SO_REGIONS, SO_CUSTOMERS, SO_SLO, SO_CLIENT, SO_N };
static const char *const source_keys[SO_N] = {
    [SO_ENTRY] = "entry", [SO_RATE] = "rate", [SO_SHAPE] = "shape", [SO_REGIONS] = "regions",
    [SO_CUSTOMERS] = "customers", [SO_SLO] = "slo", [SO_CLIENT] = "client",
};
SCHEMA(source, "a source", SO_N);

enum { SH_KIND, SH_AMPLITUDE, SH_PERIOD, SH_PEAK, SH_STEPS, SH_FILE, SH_N };
static const char *const shape_keys[SH_N] = {
    [SH_KIND] = "kind", [SH_AMPLITUDE] = "amplitude", [SH_PERIOD] = "period",
    [SH_PEAK] = "peak", [SH_STEPS] = "steps", [SH_FILE] = "file",
};
SCHEMA(shape, "a shape", SH_N);

enum { SP_AT, SP_FACTOR, SP_N };
static const char *const step_keys[SP_N] = { [SP_AT] = "at", [SP_FACTOR] = "factor" };
SCHEMA(step, "a step", SP_N);

enum { CL_TIMEOUT, CL_RETRIES, CL_BACKOFF, CL_REATTEMPT, CL_REATTEMPT_AFTER, CL_MAX_REATTEMPTS,
       CL_PATIENCE, CL_OFFLINE, CL_DEFER, CL_RECHECK, CL_CATCH_UP, CL_N };
static const char *const client_keys[CL_N] = {
    [CL_TIMEOUT] = "timeout", [CL_RETRIES] = "retries", [CL_BACKOFF] = "backoff",
    [CL_REATTEMPT] = "reattempt", [CL_REATTEMPT_AFTER] = "reattempt_after",
    [CL_MAX_REATTEMPTS] = "max_reattempts", [CL_PATIENCE] = "patience", [CL_OFFLINE] = "offline",
    [CL_DEFER] = "defer", [CL_RECHECK] = "recheck", [CL_CATCH_UP] = "catch_up",
};
SCHEMA(client, "a client", CL_N);

static void walk_steps(Ld *ld, const Node *m, TopoShape *sh)
{
    if (!ld_is_seq(m) || ld_seq_len(m) == 0) {
        ld_wrong_type(ld, m, "steps", "a list of steps like [{ at: 10m, factor: 2 }]");
        return;
    }
    sh->points = ld_xcalloc(ld, ld_seq_len(m), sizeof *sh->points);
    if (!sh->points) return;
    EACH_ITEM(it, m) {
        Node *st = ld_get(ld, *it);
        if (!st) return;
        Node *k[SP_N], *v[SP_N];
        if (!ld_collect(ld, st, "steps", &step_schema, "a step", k, v)) continue;
        ShapePoint pt = { 0, 1 };
        bool ok = true;
        if (!v[SP_AT]) ld_err(ld, ld_node_loc(ld, st), "a step needs 'at' (when it starts)"), ok = false;
        else ok = ld_duration(ld, v[SP_AT], "at", false, &pt.at);
        if (!v[SP_FACTOR]) ld_err(ld, ld_node_loc(ld, st), "a step needs 'factor' (the rate multiplier)"), ok = false;
        else ok = ld_number(ld, v[SP_FACTOR], "factor", 0, 1e6, &pt.factor) && ok;
        if (!ok) continue;
        if (sh->npoints > 0 && pt.at <= sh->points[sh->npoints - 1].at) {
            ld_err(ld, ld_node_loc(ld, v[SP_AT]), "at: steps must be in time order, each later than the one before");
            continue;
        }
        sh->points[sh->npoints++] = pt;
    }
}

enum { SK_CONSTANT, SK_DIURNAL, SK_STEPS, SK_CSV, SK_N };
static const char *const shape_names[SK_N] = { "constant", "diurnal", "steps", "csv" };
static const unsigned shape_takes[SK_N] = {
    [SK_CONSTANT] = 0,
    [SK_DIURNAL] = BIT(SH_AMPLITUDE) | BIT(SH_PERIOD) | BIT(SH_PEAK),
    [SK_STEPS] = BIT(SH_STEPS),
    [SK_CSV] = BIT(SH_FILE),
};

static void walk_shape(Ld *ld, const Node *m, TopoShape *sh)
{
    if (m->type == YAML_SCALAR_NODE && !ld_is_null(m)) {     /* shape: constant */
        const char *s = ld_scalar_str(m);
        if (s && strcmp(s, "constant") == 0) return;
        ld_wrong_type(ld, m, "shape", "a mapping like { kind: diurnal, amplitude: 30% }");
        return;
    }
    Node *k[SH_N], *v[SH_N];
    if (!ld_collect(ld, m, "shape", &shape_schema, "a shape", k, v)) return;
    int kind;
    if (v[SH_KIND]) {
        kind = ld_word(ld, v[SH_KIND], "kind", "a shape kind", shape_names, SK_N);
        if (kind < 0) return;
    } else if (v[SH_FILE]) kind = SK_CSV;
    else if (v[SH_STEPS]) kind = SK_STEPS;
    else if (v[SH_AMPLITUDE] || v[SH_PERIOD] || v[SH_PEAK]) kind = SK_DIURNAL;
    else kind = SK_CONSTANT;
    sh->kind = (ShapeKind)kind;
    bool bad = false;
    for (int i = SH_KIND + 1; i < SH_N; i++) {
        if (k[i] && !(shape_takes[kind] & BIT(i))) {
            ld_err(ld, ld_node_loc(ld, k[i]), "shape: '%s' does not apply to a %s shape", shape_keys[i],
                   shape_names[kind]);
            bad = true;
        }
    }
    if (bad) return;
    switch (kind) {
    case SK_DIURNAL:
        if (!v[SH_AMPLITUDE]) ld_err(ld, ld_node_loc(ld, m), "shape: a diurnal shape needs 'amplitude' (like 30%%)");
        ld_fraction(ld, v[SH_AMPLITUDE], "amplitude", false, &sh->amplitude);
        ld_duration(ld, v[SH_PERIOD], "period", true, &sh->period);
        ld_duration(ld, v[SH_PEAK], "peak", false, &sh->peak);
        break;
    case SK_STEPS:
        if (!v[SH_STEPS]) ld_err(ld, ld_node_loc(ld, m), "shape: a steps shape needs 'steps'");
        else walk_steps(ld, v[SH_STEPS], sh);
        break;
    case SK_CSV:
        if (!v[SH_FILE]) ld_err(ld, ld_node_loc(ld, m), "shape: a csv shape needs 'file'");
        else ld_read_csv(ld, v[SH_FILE], sh);
        break;
    default:
        break;
    }
}

static void walk_weights(Ld *ld, const Node *m, TopoSource *src)
{
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, "regions", "a mapping of region to weight, like { eu-west: 60%, us-east: 40% }");
        return;
    }
    int nreg = ld->t->nregions;
    if (nreg == 0) return;
    src->weights = ld_xcalloc(ld, (size_t)nreg, sizeof *src->weights);
    const Node **first = ld_xcalloc(ld, (size_t)nreg, sizeof *first);
    if (!src->weights || !first) {
        free(first);
        return;
    }
    bool ok = true;
    double sum = 0;
    char b[64];
    EACH_PAIR(pr, m) {
        Node *rk = ld_get(ld, pr->key), *rv = ld_get(ld, pr->value);
        if (!rk || !rv) {
            ok = false;
            break;
        }
        int r = ld_ref(ld, rk, "regions", &ld->reg, "region");
        double w = 0;
        bool good = ld_fraction(ld, rv, "regions", false, &w);
        if (r < 0 || !good) {
            ok = false;
            continue;
        }
        if (first[r]) {
            ld_err(ld, ld_node_loc(ld, rk), "regions: region '%s' is listed twice",
                   ld_show(ld->t->regions[r].name, b, sizeof b));
            ld_note(ld, ld_node_loc(ld, first[r]), "first listed here");
            ok = false;
            continue;
        }
        first[r] = rk;
        src->weights[r] = w;
        sum += w;
    }
    free(first);
    if (ok && fabs(sum - 1) > WEIGHT_TOLERANCE)
        ld_err(ld, ld_node_loc(ld, m), "regions: the weights of source '%s' add up to %.6g%%, not 100%%",
               ld_show(src->name, b, sizeof b), sum * 100);
}

static void walk_client(Ld *ld, const Node *m, TopoClient *c)
{
    Node *k[CL_N], *v[CL_N];
    if (!ld_collect(ld, m, "client", &client_schema, "a client", k, v)) return;
    ld_duration(ld, v[CL_TIMEOUT], "timeout", true, &c->timeout);
    ld_int(ld, v[CL_RETRIES], "retries", 0, 100, &c->retries);
    if (v[CL_BACKOFF]) ld_walk_backoff(ld, v[CL_BACKOFF], "backoff", &c->backoff);
    ld_fraction(ld, v[CL_REATTEMPT], "reattempt", false, &c->reattempt);
    ld_duration(ld, v[CL_REATTEMPT_AFTER], "reattempt_after", false, &c->reattempt_after);
    ld_int(ld, v[CL_MAX_REATTEMPTS], "max_reattempts", 0, 1000, &c->max_reattempts);
    ld_duration(ld, v[CL_PATIENCE], "patience", false, &c->patience);
    ld_fraction(ld, v[CL_OFFLINE], "offline", false, &c->offline);
    ld_fraction(ld, v[CL_DEFER], "defer", false, &c->defer);
    ld_duration(ld, v[CL_RECHECK], "recheck", true, &c->recheck);
    ld_duration(ld, v[CL_CATCH_UP], "catch_up", false, &c->catch_up);
}

static void walk_source(Ld *ld, const Node *m, TopoSource *src, bool *weights_given)
{
    char what[96], b[64];
    snprintf(what, sizeof what, "source '%s'", ld_show(src->name, b, sizeof b));
    Node *k[SO_N], *v[SO_N];
    if (!ld_collect(ld, m, src->name, &source_schema, what, k, v)) return;
    if (v[SO_ENTRY]) src->entry = ld_ref(ld, v[SO_ENTRY], "entry", &ld->svc, "service");
    else ld_err(ld, src->loc, "source '%s' needs an 'entry': the service its requests arrive at",
                ld_show(src->name, b, sizeof b));
    if (!v[SO_RATE]) ld_err(ld, src->loc, "source '%s' needs a 'rate', like rate: 100/s",
                ld_show(src->name, b, sizeof b));
    if (v[SO_RATE] && ld_rate(ld, v[SO_RATE], "rate", false, &src->rate) &&
        src->rate > ld->top_rate) {
        ld->top_rate = src->rate;
        ld->top_rate_loc = ld_node_loc(ld, v[SO_RATE]);
    }
    if (v[SO_SHAPE]) walk_shape(ld, v[SO_SHAPE], &src->shape);
    if (v[SO_REGIONS]) {
        *weights_given = true;
        walk_weights(ld, v[SO_REGIONS], src);
    }
    int64_t n;
    if (ld_count(ld, v[SO_CUSTOMERS], "customers", 0, 1000000000000LL, &n))
        src->customers = (uint64_t)n;
    ld_fraction(ld, v[SO_SLO], "slo", true, &src->slo);
    if (v[SO_CLIENT]) walk_client(ld, v[SO_CLIENT], &src->client);
    if (src->client.defer > 0 && src->customers == 0) {
        ld_err(ld, ld_node_loc(ld, v[SO_CLIENT]),
               "client: 'defer' needs the source's 'customers': deferred work waits per customer");
        ld_note(ld, src->loc, "add customers: to source '%s', like customers: 10k",
                ld_show(src->name, b, sizeof b));
    }
}

/* Without `regions:`, a source's traffic is spread like its entry
 * service's instances, or equally when that tells nothing. */
void ld_default_weights(Ld *ld, TopoSource *src)
{
    Topo *t = ld->t;
    if (src->weights || t->nregions == 0) return;
    src->weights = ld_xcalloc(ld, (size_t)t->nregions, sizeof *src->weights);
    if (!src->weights) return;
    double total = 0;
    const TopoService *e = src->entry >= 0 ? &t->services[src->entry] : NULL;
    if (e)
        for (int r = 0; r < t->nregions; r++) total += topo_instances(e, r);
    for (int r = 0; r < t->nregions; r++)
        src->weights[r] = total > 0 ? topo_instances(e, r) / total : 1.0 / t->nregions;
}

void ld_pre_sources(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    if (!ld_is_map(m)) return;
    int n = ld_scan_names(ld, m, "source", MAX_SOURCES, &ld->src_skip);
    if (!ld->src_skip) return;
    t->sources = ld_xcalloc(ld, (size_t)n, sizeof *t->sources);
    ld->weights_given = ld_xcalloc(ld, (size_t)n, sizeof *ld->weights_given);
    if (!t->sources || !ld->weights_given) return;
    size_t i = 0;
    EACH_PAIR(pr, m) {
        if (ld->src_skip[i++] || t->nsources == n) continue;
        Node *kn = ld_get(ld, pr->key);
        if (!kn) break;
        TopoSource *s = &t->sources[t->nsources++];
        s->name = ld_xstrdup(ld, ld_scalar_str(kn));
        s->loc = ld_node_loc(ld, kn);
        s->entry = -1;
        s->shape = (TopoShape){ .kind = SHAPE_CONSTANT, .period = 24 * FD_HOUR };
        s->client = topo_default_client();
        s->slo = 0.99;
    }
}

void ld_walk_sources(Ld *ld, const Node *m)
{
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, "sources", "a mapping of source names to their settings");
        return;
    }
    if (ld_map_len(m) == 0) {
        ld_err(ld, ld_node_loc(ld, m), "sources: there are none; a topology needs at least one");
        return;
    }
    EACH_DEFINED(ld, m, ld->src_skip, ld->t->nsources, idx, vn)
        walk_source(ld, vn, &ld->t->sources[idx], &ld->weights_given[idx]);
}
