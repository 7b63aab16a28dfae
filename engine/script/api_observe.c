/*
 * api_observe.c: what a script can look at. Health, metrics and
 * availability over the last metrics interval, and the names the topology
 * and the scenario declare; nothing here changes the run.
 *
 * api_pool_healthy and api_pool_metric are the same readings the alerts
 * (scenario.c) and the status page (script_comms.c) use.
 */
#include "script/api_internal.h"

#include <string.h>

/* Whether a service (in a region, or everywhere) answered well over the
 * last interval: availability >= 99% and something serving. */
bool api_pool_healthy(Scenario *s, int svc, int r)
{
    for (int k = 0; k < s->topo.nregions; k++) {
        if (r >= 0 && k != r) continue;
        if (s->topo.services[svc].kind != SVC_EXTERNAL && topo_instances(&s->topo.services[svc], k) == 0 &&
            !model_last_pool(s->model, svc, k))
            continue;
        if (model_availability(s->model, svc, k) < 0.99) return false;
        if (s->topo.services[svc].kind != SVC_EXTERNAL && model_last_pool(s->model, svc, k) &&
            model_instances(s->model, svc, k, INST_UP) == 0)
            return false;
    }
    return true;
}

static int l_healthy(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int r = lua_isnoneornil(L, 2) ? -1 : api_check_named(L, 2, NULL, "region", n_region, region_name);
    lua_pushboolean(L, api_pool_healthy(s, svc, r));
    return 1;
}

static int l_stalled(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int r = lua_isnoneornil(L, 2) ? -1 : api_check_named(L, 2, NULL, "region", n_region, region_name);
    bool any = false;
    for (int k = 0; k < s->topo.nregions; k++)
        if ((r < 0 || k == r) && model_stalled(s->model, svc, k)) any = true;
    lua_pushboolean(L, any);
    return 1;
}

/* waiting_on(service [, region]) -> service or nil: what most of the
 * service's busy workers are waiting on (a call they made), as an
 * engineer sees it from the service's own threads. */
static int l_waiting_on(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int r = lua_isnoneornil(L, 2) ? -1 : api_check_named(L, 2, NULL, "region", n_region, region_name);
    int on = model_waiting_on(s->model, svc, r);
    if (on < 0) lua_pushnil(L);
    else lua_pushstring(L, svc_name(s, on));
    return 1;
}

static int l_deadlocked(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int r = lua_isnoneornil(L, 2) ? -1 : api_check_named(L, 2, NULL, "region", n_region, region_name);
    bool any = false;
    for (int k = 0; k < s->topo.nregions; k++)
        if ((r < 0 || k == r) && model_deadlocked(s->model, svc, k)) any = true;
    lua_pushboolean(L, any);
    return 1;
}

static const char *const metric_names[] = {
    "error_rate", "availability", "p50", "p90", "p99", "utilisation", "queue",
    "offered", "ok_rate", "degraded_rate", "instances_up", NULL,
};

int api_metric_index(lua_State *L, const char *name)
{
    for (int i = 0; metric_names[i]; i++)
        if (strcmp(metric_names[i], name) == 0) return i;
    const char *near = diag_suggest(name, metric_names, AM_NMETRICS);
    if (near) return luaL_error(L, "unknown metric '%s' (did you mean '%s'?)", name, near);
    return luaL_error(L, "unknown metric '%s'", name);
}

/* A metric of a service over the last interval, summed over the regions
 * asked for. */
double api_pool_metric(Scenario *s, int svc, int r, int metric)
{
    double offered = 0, ok = 0, deg = 0, failed = 0, util = 0, queue = 0, dt = 0;
    int up = 0, n = 0;
    Hist h;
    hist_clear(&h);
    for (int k = 0; k < s->topo.nregions; k++) {
        if (r >= 0 && k != r) continue;
        const PoolStats *p = model_last_pool(s->model, svc, k);
        if (!p) continue;
        offered += p->offered;
        ok += p->ok;
        deg += p->degraded;
        for (int c = 0; c < FAIL_NCAUSES; c++) failed += p->failed[c];
        util += p->utilisation;
        queue += p->queue;
        up += p->instances[INST_UP];
        hist_merge(&h, &p->latency);
        n++;
        if (s->topo.services[svc].kind == SVC_EXTERNAL) break;
    }
    dt = fd_time_sec(s->topo.interval);
    double answered = ok + deg + failed;
    switch ((AlertMetric)metric) {
    case AM_ERROR_RATE: return answered > 0 ? failed / answered : 0;
    case AM_AVAILABILITY: return answered > 0 ? (ok + deg) / answered : 1;
    case AM_P50: return fd_time_sec(hist_quantile(&h, 0.5));
    case AM_P90: return fd_time_sec(hist_quantile(&h, 0.9));
    case AM_P99: return fd_time_sec(hist_quantile(&h, 0.99));
    case AM_UTILISATION: return n ? util / n : 0;
    case AM_QUEUE: return queue;
    case AM_OFFERED: return dt > 0 ? offered / dt : 0;
    case AM_OK_RATE: return dt > 0 ? ok / dt : 0;
    case AM_DEGRADED_RATE: return dt > 0 ? deg / dt : 0;
    case AM_INSTANCES_UP: return up;
    case AM_NMETRICS: break;
    }
    return 0;
}

/* A metric of the requests answered by the instances on one version, over
 * the last interval: what a canary analysis compares. Only the metrics of
 * answers have a per-version value. */
static double version_metric(lua_State *L, Scenario *s, int svc, int r, int metric, int version)
{
    VersionStats v;
    model_version_stats(s->model, svc, r, version, &v);
    double answered = v.ok + v.degraded + v.failed;
    double dt = fd_time_sec(s->topo.interval);
    switch ((AlertMetric)metric) {
    case AM_ERROR_RATE: return answered > 0 ? v.failed / answered : 0;
    case AM_AVAILABILITY: return answered > 0 ? (v.ok + v.degraded) / answered : 1;
    case AM_P50: return fd_time_sec(hist_quantile(&v.latency, 0.5));
    case AM_P90: return fd_time_sec(hist_quantile(&v.latency, 0.9));
    case AM_P99: return fd_time_sec(hist_quantile(&v.latency, 0.99));
    case AM_OK_RATE: return dt > 0 ? v.ok / dt : 0;
    case AM_DEGRADED_RATE: return dt > 0 ? v.degraded / dt : 0;
    case AM_OFFERED: return dt > 0 ? answered / dt : 0;
    default: break;
    }
    return luaL_error(L, "metric: %s has no value per version (error_rate, availability, p50, "
                         "p90, p99, offered, ok_rate and degraded_rate do)", metric_names[metric]);
}

/* metric(service, name [, region [, version]]) */
static int l_metric(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int m = api_metric_index(L, luaL_checkstring(L, 2));
    int r = lua_isnoneornil(L, 3) ? -1 : api_check_named(L, 3, NULL, "region", n_region, region_name);
    if (!lua_isnoneornil(L, 4)) {
        int v = (int)luaL_checkinteger(L, 4);
        lua_pushnumber(L, version_metric(L, s, svc, r, m, v));
        return 1;
    }
    lua_pushnumber(L, api_pool_metric(s, svc, r, m));
    return 1;
}

/* availability(source): intents answered well over the last interval. */
static int l_availability(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int src = api_check_named(L, 1, NULL, "traffic source", n_src, src_name);
    lua_pushnumber(L, model_source_availability(s->model, src));
    return 1;
}

static int l_alert_firing(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int a = api_check_named(L, 1, NULL, "alert", n_alert, alert_name);
    lua_pushboolean(L, s->alerts[a].firing);
    return 1;
}

static int l_names(lua_State *L)
{
    Scenario *s = api_need_model(L);
    const char *kind = luaL_checkstring(L, 1);
    lua_newtable(L);
    int n = 0;
    const char *(*name_of)(Scenario *, int) = NULL;
    if (strcmp(kind, "services") == 0) { n = n_svc(s); name_of = svc_name; }
    else if (strcmp(kind, "regions") == 0) { n = n_region(s); name_of = region_name; }
    else if (strcmp(kind, "configs") == 0) { n = n_cfg(s); name_of = cfg_name; }
    else if (strcmp(kind, "sources") == 0) { n = n_src(s); name_of = src_name; }
    else if (strcmp(kind, "teams") == 0) { n = n_team(s); name_of = team_name; }
    else if (strcmp(kind, "alerts") == 0) { n = n_alert(s); name_of = alert_name; }
    else if (strcmp(kind, "globals") == 0) {
        /* The built-in globals, sorted: the names a scenario can rely on. */
        lua_getfield(L, LUA_REGISTRYINDEX, "fd.builtins");    // [kind, list, builtins]
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushvalue(L, -1);
                lua_rawseti(L, -4, ++n);
            }
        }
        lua_pop(L, 1);                                        // [kind, list]
        lua_getglobal(L, "table");
        lua_getfield(L, -1, "sort");
        lua_pushvalue(L, -3);
        lua_call(L, 1, 0);
        lua_pop(L, 1);
        return 1;
    }
    else return luaL_error(L, "names: expected services, regions, configs, sources, teams, "
                              "alerts or globals");
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, name_of(s, i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* deployed(service): the regions a service runs in. */
static int l_deployed(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    const TopoService *ts = &s->topo.services[svc];
    lua_newtable(L);
    for (int i = 0; i < ts->ndeploy; i++) {
        lua_pushstring(L, s->topo.regions[ts->deploy[i].region].name);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* instances(service, region [, state]) */
static int l_instances(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int r = api_check_named(L, 2, NULL, "region", n_region, region_name);
    static const char *const states[] = { "up", "starting", "waiting", "stopped", NULL };
    int st = luaL_checkoption(L, 3, "up", states);
    lua_pushinteger(L, model_instances(s->model, svc, r, (InstState)st));
    return 1;
}

/* readers(item): the services that read a configuration item. */
static int l_readers(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int cfg = api_check_named(L, 1, NULL, "configuration item", n_cfg, cfg_name);
    lua_newtable(L);
    int n = 0;
    for (int v = 0; v < s->topo.nservices; v++)
        for (int k = 0; k < s->topo.services[v].nconfigs; k++)
            if (s->topo.services[v].configs[k] == cfg) {
                lua_pushstring(L, s->topo.services[v].name);
                lua_rawseti(L, -2, ++n);
            }
    return 1;
}

const luaL_Reg api_observe_fns[] = {
    { "healthy", l_healthy },         { "stalled", l_stalled },
    { "deadlocked", l_deadlocked },   { "metric", l_metric },
    { "availability", l_availability },
    { "alert_firing", l_alert_firing },
    { "names", l_names },             { "deployed", l_deployed },
    { "instances", l_instances },     { "readers", l_readers },
    { "waiting_on", l_waiting_on },
    { NULL, NULL },
};
