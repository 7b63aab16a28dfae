/*
 * topo_load_root.c: the top level of a topology (see topo_load_internal.h):
 * the order the sections are read in, and the small sections: regions,
 * settings, configs.
 *
 * Names come first: the regions, services, configs and sources are
 * collected (and duplicates reported) before any section is walked, so
 * references may point forward. Checks that need every section read come
 * last: calls' regions, sources' default weights, and whether the traffic
 * can be simulated at all (check_load()).
 */
#include "load/topo_load_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { R_REGIONS, R_SETTINGS, R_CONFIGS, R_SERVICES, R_SOURCES, R_N };
static const char *const root_keys[R_N] = {
    [R_REGIONS] = "regions", [R_SETTINGS] = "settings", [R_CONFIGS] = "configs",
    [R_SERVICES] = "services", [R_SOURCES] = "sources",
};
SCHEMA(root, "the topology", R_N);

enum { ST_INTERVAL, ST_SAMPLING, ST_BUDGET, ST_PROPAGATION, ST_MONITORING, ST_STATUS_PAGE, ST_N };
static const char *const settings_keys[ST_N] = {
    [ST_INTERVAL] = "interval", [ST_SAMPLING] = "sampling", [ST_BUDGET] = "budget",
    [ST_PROPAGATION] = "propagation", [ST_MONITORING] = "monitoring",
    [ST_STATUS_PAGE] = "status_page",
};
SCHEMA(settings, "settings", ST_N);

enum { CF_STORE, CF_TTL, CF_MAX_STALE, CF_TIMEOUT, CF_N };
static const char *const config_keys[CF_N] = {
    [CF_STORE] = "store", [CF_TTL] = "ttl", [CF_MAX_STALE] = "max_stale", [CF_TIMEOUT] = "timeout",
};
SCHEMA(config, "a config", CF_N);

static void walk_regions(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    if (!ld_is_seq(m)) {
        ld_wrong_type(ld, m, "regions", "a list of region names like [eu-west, us-east]");
        ld->reg.broken = true;
        return;
    }
    size_t n = ld_seq_len(m);
    if (n == 0) {
        ld_err(ld, ld_node_loc(ld, m), "regions: the list is empty; name at least one region");
        ld->reg.broken = true;
        return;
    }
    if (n > MAX_REGIONS) {
        ld_err(ld, ld_node_loc(ld, m), "regions: too many regions: at most %d", MAX_REGIONS);
        n = MAX_REGIONS;
    }
    t->regions = ld_xcalloc(ld, n, sizeof *t->regions);
    if (!t->regions) return;
    size_t i = 0;
    char b[64];
    EACH_ITEM(it, m) {
        if (i++ == n) break;
        Node *r = ld_get(ld, *it);
        if (!r) break;
        const char *name = ld_name(ld, r, "regions", "a region name");
        if (!name) continue;
        int dup = -1;
        for (int j = 0; j < t->nregions && dup < 0; j++)
            if (strcmp(t->regions[j].name, name) == 0) dup = j;
        if (dup >= 0) {
            ld_err(ld, ld_node_loc(ld, r), "region '%s' is listed twice", ld_show(name, b, sizeof b));
            ld_note(ld, t->regions[dup].loc, "first listed here");
            continue;
        }
        TopoRegion *reg = &t->regions[t->nregions];
        reg->name = ld_xstrdup(ld, name);
        if (!reg->name) break;
        reg->loc = ld_node_loc(ld, r);
        t->nregions++;
    }
    if (t->nregions == 0) {     /* every name was bad, and said so */
        ld->reg.broken = true;
        return;
    }
    const char **names = ld_xcalloc(ld, (size_t)t->nregions, sizeof *names);
    if (!names) return;
    for (int j = 0; j < t->nregions; j++) names[j] = t->regions[j].name;
    ld_table_build(ld, &ld->reg, names, t->nregions);
    free(names);
}

static void pre_configs(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    if (!ld_is_map(m)) return;
    int n = ld_scan_names(ld, m, "config", MAX_CONFIGS, &ld->cfg_skip);
    if (!ld->cfg_skip) return;
    t->configs = ld_xcalloc(ld, (size_t)n, sizeof *t->configs);
    const char **names = ld_xcalloc(ld, (size_t)n, sizeof *names);
    if (!t->configs || !names) {
        free(names);
        return;
    }
    size_t i = 0;
    EACH_PAIR(pr, m) {
        if (ld->cfg_skip[i++] || t->nconfigs == n) continue;
        Node *kn = ld_get(ld, pr->key);
        if (!kn) break;
        TopoConfig *c = &t->configs[t->nconfigs++];
        c->name = ld_xstrdup(ld, ld_scalar_str(kn));
        c->loc = ld_node_loc(ld, kn);
        c->store = -1;
        c->timeout = FD_SEC;
        names[t->nconfigs - 1] = c->name;
    }
    ld_table_build(ld, &ld->cfg, names, t->nconfigs);
    free(names);
}

/* What the sources ask the simulation to carry, estimated before any run:
 * every simulated request is a few kernel events and some bytes of queue.
 * Past MAX_SIM_RATE a run cannot finish or fit in memory, so it is refused;
 * past WARN_SIM_RATE it is slow, so it is said. With a budget, firedrill
 * picks the sampling itself. Shapes and surges scale the rate further at
 * run time; this is the floor. */
#define MIN_INTERVAL FD_SEC
#define WARN_SIM_RATE 2e5
#define MAX_SIM_RATE 5e6
#define EVENTS_PER_REQUEST 4

static void check_load(Ld *ld)
{
    const Topo *t = ld->t;
    if (t->budget > 0 || ld->errors || !ld->top_rate_loc.file) return;
    double total = 0;
    for (int i = 0; i < t->nsources; i++) total += t->sources[i].rate;
    double sampling = topo_sampling(t);
    double sim = total / sampling;
    if (sim <= WARN_SIM_RATE) return;
    double events_h = sim * 3600 * EVENTS_PER_REQUEST;
    char est[200];
    snprintf(est, sizeof est,
             "at sampling %g the sources simulate %.3g requests per second, about %.2g kernel "
             "events per simulated hour",
             sampling, sim, events_h);
    double need = ceil(total / WARN_SIM_RATE);
    if (sim > MAX_SIM_RATE) {
        ld_err(ld, ld->top_rate_loc, "rate: too much traffic to simulate: %s", est);
        ld_note(ld, ld->top_rate_loc,
                "set settings.sampling to %g or more, or settings.budget (like budget: 20000/s)",
                need);
    } else {
        ld_warn(ld, ld->top_rate_loc, "rate: a slow run: %s", est);
        ld_note(ld, ld->top_rate_loc,
                "settings.sampling of %g or settings.budget (like budget: 20000/s) keeps it quick",
                need);
    }
}

static void walk_settings(Ld *ld, const Node *m)
{
    Topo *t = ld->t;
    Node *k[ST_N], *v[ST_N];
    if (!ld_collect(ld, m, "settings", &settings_schema, "settings", k, v)) return;
    if (ld_duration(ld, v[ST_INTERVAL], "interval", true, &t->interval) &&
        t->interval < MIN_INTERVAL) {
        char b[64];
        ld_err(ld, ld_node_loc(ld, v[ST_INTERVAL]),
               "interval: '%s' is shorter than 1s: every interval writes a metrics row per "
               "service and region, and an hour at 1ns would be terabytes of metrics.csv",
               ld_show(ld_scalar_str(v[ST_INTERVAL]), b, sizeof b));
    }
    ld_number(ld, v[ST_SAMPLING], "sampling", 1, 1e9, &t->sampling);
    ld_rate(ld, v[ST_BUDGET], "budget", true, &t->budget);
    if (v[ST_SAMPLING] && v[ST_BUDGET]) {
        ld_err(ld, ld_node_loc(ld, k[ST_BUDGET]), "settings: set either 'sampling' or 'budget', not both");
        ld_note(ld, ld_node_loc(ld, k[ST_SAMPLING]), "'sampling' is set here");
    }
    ld_duration(ld, v[ST_PROPAGATION], "propagation", false, &t->propagation);
    if (v[ST_MONITORING])
        t->monitoring = ld_ref(ld, v[ST_MONITORING], "monitoring", &ld->svc, "service");
    if (v[ST_STATUS_PAGE])
        t->status_page = ld_ref(ld, v[ST_STATUS_PAGE], "status_page", &ld->svc, "service");
}

static void walk_configs(Ld *ld, const Node *m)
{
    if (ld_is_null(m)) return;
    if (!ld_is_map(m)) {
        ld_wrong_type(ld, m, "configs", "a mapping of config names to { store: service }");
        return;
    }
    EACH_DEFINED(ld, m, ld->cfg_skip, ld->t->nconfigs, idx, vn) {
        TopoConfig *c = &ld->t->configs[idx];
        char what[96], b[64];
        snprintf(what, sizeof what, "config '%s'", ld_show(c->name, b, sizeof b));
        Node *k[CF_N], *v[CF_N];
        if (!ld_collect(ld, vn, c->name, &config_schema, what, k, v)) continue;
        if (v[CF_STORE]) c->store = ld_ref(ld, v[CF_STORE], "store", &ld->svc, "service");
        bool ttl_ok = ld_duration(ld, v[CF_TTL], "ttl", true, &c->ttl);
        bool stale_ok = ld_duration(ld, v[CF_MAX_STALE], "max_stale", true, &c->max_stale);
        ld_duration(ld, v[CF_TIMEOUT], "timeout", true, &c->timeout);
        if (v[CF_TTL] && !v[CF_STORE])
            ld_err(ld, ld_node_loc(ld, k[CF_TTL]),
                   "ttl: config '%s' has no store to refresh it from (add store: SERVICE)",
                   ld_show(c->name, b, sizeof b));
        if ((v[CF_MAX_STALE] || v[CF_TIMEOUT]) && !v[CF_TTL]) {
            int key = v[CF_MAX_STALE] ? CF_MAX_STALE : CF_TIMEOUT;
            ld_err(ld, ld_node_loc(ld, k[key]),
                   "%s: config '%s' has no ttl: without a cache nothing is refreshed",
                   config_keys[key], ld_show(c->name, b, sizeof b));
        }
        if (ttl_ok && stale_ok && c->max_stale <= c->ttl)
            ld_err(ld, ld_node_loc(ld, v[CF_MAX_STALE]),
                   "max_stale: must be more than ttl (%gs), or every copy goes stale before "
                   "its refresh", fd_time_sec(c->ttl));
    }
}

void ld_walk_root(Ld *ld, const Node *root)
{
    Topo *t = ld->t;
    if (!ld_is_map(root)) {
        ld_wrong_type(ld, root, "topology", "a mapping with regions, services and sources");
        return;
    }
    Node *k[R_N], *v[R_N];
    if (!ld_collect(ld, root, "topology", &root_schema, "the topology", k, v)) return;
    (void)k;
    if (v[R_REGIONS]) walk_regions(ld, v[R_REGIONS]);
    else ld->reg.broken = true;
    if (v[R_SERVICES]) ld_pre_services(ld, v[R_SERVICES]);
    else ld->svc.broken = true;
    if (v[R_CONFIGS]) pre_configs(ld, v[R_CONFIGS]);
    if (v[R_SOURCES]) ld_pre_sources(ld, v[R_SOURCES]);
    if (v[R_SETTINGS]) walk_settings(ld, v[R_SETTINGS]);
    if (v[R_CONFIGS]) walk_configs(ld, v[R_CONFIGS]);
    if (v[R_SERVICES]) ld_walk_services(ld, v[R_SERVICES]);
    if (v[R_SOURCES]) ld_walk_sources(ld, v[R_SOURCES]);
    if (ld->stop) return;
    ld_call_regions(ld);
    FdLoc top = ld_node_loc(ld, root);
    if (!v[R_REGIONS])
        ld_err(ld, top, "missing 'regions': list the regions, like regions: [eu-west, us-east]");
    if (!v[R_SERVICES])
        ld_err(ld, top, "missing 'services': a topology needs at least one service");
    if (!v[R_SOURCES])
        ld_err(ld, top, "missing 'sources': a topology needs at least one traffic source");
    for (int i = 0; i < t->nsources; i++)
        if (!ld->weights_given[i]) ld_default_weights(ld, &t->sources[i]);
    check_load(ld);
}
