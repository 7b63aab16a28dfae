/*
 * api_faults.c: the faults a scenario injects (crash, hang, latency,
 * errors, partition, surge) and the code versions and configuration data it
 * writes (set_version, write_config), with what reads them back (version,
 * version_share, config_bad).
 *
 * Names and options are checked before the model is touched; a fault the
 * model refuses is an error at the caller's line (model_result), and a
 * fault it takes writes a timeline line saying what happened.
 */
#include "script/api_internal.h"

#include <string.h>

static int l_crash(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "crash", &svc, &r);
    int count = (int)api_opt_number(L, 1, "count", -1, -1, 1e6);
    api_model_result(L, s, model_crash(s->model, svc, r, count));
    if (count < 0)
        api_note(s, RE_FAULT, svc_name(s, svc), api_region_or_null(s, r), "every %s instance crashes in %s",
                 svc_name(s, svc), api_region_label(s, r));
    else
        api_note(s, RE_FAULT, svc_name(s, svc), api_region_or_null(s, r), "%d %s instance(s) crash in %s",
                 count, svc_name(s, svc), api_region_label(s, r));
    return 0;
}

static int hang_common(lua_State *L, bool on)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, on ? "hang" : "unhang", &svc, &r);
    api_model_result(L, s, model_hang(s->model, svc, r, on));
    api_note(s, on ? RE_FAULT : RE_ACTION, svc_name(s, svc), api_region_or_null(s, r),
             on ? "%s hangs in %s: requests are accepted and never answered"
                : "%s stops hanging in %s",
             svc_name(s, svc), api_region_label(s, r));
    return 0;
}

static int l_hang(lua_State *L) { return hang_common(L, true); }
static int l_unhang(lua_State *L) { return hang_common(L, false); }

static int l_latency(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "latency", &svc, &r);
    SimTime add = api_opt_duration(L, 1, "add", 0);
    /* The same value again is not a new fault: nothing changes, nothing
     * is written. */
    if (model_latency_is(s->model, svc, r, add)) return 0;
    api_model_result(L, s, model_add_latency(s->model, svc, r, add));
    if (add > 0)
        api_note(s, RE_FAULT, svc_name(s, svc), api_region_or_null(s, r),
                 "%s gets %.0fms of extra latency in %s", svc_name(s, svc), fd_time_sec(add) * 1e3,
                 api_region_label(s, r));
    else
        api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r),
                 "%s's extra latency is removed in %s", svc_name(s, svc), api_region_label(s, r));
    return 0;
}

static int l_errors(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "errors", &svc, &r);
    double rate = api_opt_fraction(L, 1, "rate", 1.0);
    api_model_result(L, s, model_inject_errors(s->model, svc, r, rate));
    if (rate > 0)
        api_note(s, RE_FAULT, svc_name(s, svc), api_region_or_null(s, r),
                 "%s fails %.1f%% of requests in %s", svc_name(s, svc), rate * 100,
                 api_region_label(s, r));
    else
        api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r),
                 "%s stops failing requests on its own in %s", svc_name(s, svc), api_region_label(s, r));
    return 0;
}

/* An optional `regions` option (a region or a list of them) where `svc`
 * runs: marks them in `in` and returns how many; 0 when absent (every
 * region). Every name is checked before anything is changed. */
static int opt_regions(lua_State *L, Scenario *s, int idx, const char *field, int svc, bool *in)
{
    const TopoService *ts = &s->topo.services[svc];
    int n = 0;
    lua_getfield(L, idx, field);
    int list = lua_gettop(L);
    if (lua_isnil(L, list)) {
        lua_pop(L, 1);
        return 0;
    }
    bool one = lua_type(L, list) == LUA_TSTRING;
    if (!one && !lua_istable(L, list))
        return luaL_error(L, "%s: expected a region or a list of regions", field);
    lua_Integer len = one ? 1 : (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= len; i++) {
        if (!one) lua_rawgeti(L, list, i);
        else lua_pushvalue(L, list);
        int r = api_check_named(L, lua_gettop(L), NULL, "region", n_region, region_name);
        lua_pop(L, 1);
        bool deployed = ts->kind == SVC_EXTERNAL;
        for (int d = 0; d < ts->ndeploy; d++) deployed |= ts->deploy[d].region == r;
        if (!deployed)
            return luaL_error(L, "%s: %s is not deployed in %s", field, svc_name(s, svc),
                              region_name(s, r));
        if (!in[r]) n++;
        in[r] = true;
    }
    lua_pop(L, 1);
    if (!n) return luaL_error(L, "%s: name at least one region, or leave it out for every region", field);
    return n;
}

/* partition{ from, to, regions? } and heal{...}: the calls `from` makes
 * to `to` are lost (or flow again), from its instances in those regions.
 * A pair with no call between them is an error: dropping calls nobody
 * makes would be a fault that changes nothing, silently. */
static int partition_common(lua_State *L, bool on)
{
    const char *fn = on ? "partition" : "heal";
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, fn);
    int from = api_check_service(L, s, 1, "from");
    int to = api_check_service(L, s, 1, "to");
    if (!model_calls(s->model, from, to)) {
        char calls[512];
        api_call_list(s, from, calls, sizeof calls);
        if (*calls)
            return luaL_error(L, "%s: %s does not call %s in the topology (it calls %s)", fn,
                              svc_name(s, from), svc_name(s, to), calls);
        return luaL_error(L, "%s: %s does not call %s in the topology (it calls nothing)", fn,
                          svc_name(s, from), svc_name(s, to));
    }
    bool in[256] = { false };
    int n = opt_regions(L, s, 1, "regions", from, in);
    char where[512] = "";
    int only = -1;
    for (int r = 0; r < s->topo.nregions && n > 0; r++) {
        if (!in[r]) continue;
        api_model_result(L, s, model_partition(s->model, from, to, r, on));
        if (*where) strncat(where, ", ", sizeof where - strlen(where) - 1);
        strncat(where, region_name(s, r), sizeof where - strlen(where) - 1);
        only = n == 1 ? r : -1;
    }
    if (n == 0) {
        api_model_result(L, s, model_partition(s->model, from, to, -1, on));
        api_note(s, on ? RE_FAULT : RE_ACTION, svc_name(s, to), NULL,
                 on ? "calls from %s to %s are dropped" : "calls from %s to %s flow again",
                 svc_name(s, from), svc_name(s, to));
        return 0;
    }
    api_note(s, on ? RE_FAULT : RE_ACTION, svc_name(s, to), api_region_or_null(s, only),
             on ? "calls from %s to %s are dropped in %s" : "calls from %s to %s flow again in %s",
             svc_name(s, from), svc_name(s, to), where);
    return 0;
}

static int l_partition(lua_State *L) { return partition_common(L, true); }
static int l_heal(lua_State *L) { return partition_common(L, false); }

/* An optional `cost = { cpu = "40ms", latency = "100ms" }`: what a bad
 * version or bad data costs each request. */
static void opt_cost(lua_State *L, int idx, const char *field, SimTime *cpu, SimTime *latency)
{
    *cpu = *latency = 0;
    lua_getfield(L, idx, field);                               // [cost]
    if (!lua_isnil(L, -1)) {
        api_check_keys(L, lua_gettop(L), "cost");
        *cpu = api_opt_duration(L, -1, "cpu", 0);
        *latency = api_opt_duration(L, -1, "latency", 0);
    }
    lua_pop(L, 1);                                             // []
}

/* set_version{ service, region?, version, error_rate?, share? | instances?,
 * from?, cost? }: the whole region at once, or a share or count of its
 * instances (cumulative: until that many run it). */
static int l_set_version(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "set_version", &svc, &r);
    ModelCode c = { 0 };
    c.version = (int)api_opt_number(L, 1, "version", 0, 0, 1e9);
    c.errors = api_opt_fraction(L, 1, "error_rate", -1);
    c.cpu = c.latency = -1;
    lua_getfield(L, 1, "cost");
    bool has_cost = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_cost) opt_cost(L, 1, "cost", &c.cpu, &c.latency);
    lua_getfield(L, 1, "share");
    bool has_share = !lua_isnil(L, -1);
    lua_getfield(L, 1, "instances");
    bool has_count = !lua_isnil(L, -1);
    lua_pop(L, 2);
    if (has_share && has_count)
        return luaL_error(L, "set_version: give share or instances, not both");
    double share = has_share ? api_opt_fraction(L, 1, "share", 1) : -1;
    int count = has_count ? (int)api_opt_number(L, 1, "instances", 0, 0, 1e6) : -1;
    int from = (int)api_opt_number(L, 1, "from", -1, -1, 1e9);
    api_model_result(L, s, model_set_code(s->model, svc, r, &c, share, count, from));
    return 0;
}

/* version(service [, region]): the newest version any instance runs. */
static int l_version(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int r = lua_isnoneornil(L, 2) ? -1 : api_check_named(L, 2, NULL, "region", n_region, region_name);
    if (r < 0) r = s->topo.services[svc].ndeploy ? s->topo.services[svc].deploy[0].region : 0;
    lua_pushinteger(L, model_version(s->model, svc, r));
    return 1;
}

/* version_share(service, version [, region]) -> share, on, live: of the
 * live instances (in the region, or every region), those on the version. */
static int l_version_share(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int svc = api_check_service(L, s, 1, NULL);
    int v = (int)luaL_checkinteger(L, 2);
    int r = lua_isnoneornil(L, 3) ? -1 : api_check_named(L, 3, NULL, "region", n_region, region_name);
    int on, live;
    model_version_count(s->model, svc, r, v, &on, &live);
    lua_pushnumber(L, live > 0 ? (double)on / live : 0);
    lua_pushinteger(L, on);
    lua_pushinteger(L, live);
    return 3;
}

static int l_write_config(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "write_config");
    int cfg = api_check_named(L, 1, "item", "configuration item", n_cfg, cfg_name);
    int r = api_opt_region(L, s, 1, "region");
    lua_getfield(L, 1, "data");
    const char *data = luaL_optstring(L, -1, "good");
    bool bad;
    if (strcmp(data, "bad") == 0 || strcmp(data, "corrupt") == 0) bad = true;
    else if (strcmp(data, "good") == 0) bad = false;
    else return luaL_error(L, "data: expected 'good' or 'bad', got '%s'", data);
    lua_pop(L, 1);
    double errors = api_opt_fraction(L, 1, "error_rate", 1);
    SimTime cpu, latency;
    opt_cost(L, 1, "cost", &cpu, &latency);
    if (!bad && (cpu || latency))
        return luaL_error(L, "write_config: cost is what bad data costs; good data costs nothing");
    api_model_result(L, s, model_config_write_cost(s->model, cfg, r, bad, errors, cpu, latency));
    return 0;
}

static int l_config_bad(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int cfg = api_check_named(L, 1, NULL, "configuration item", n_cfg, cfg_name);
    int r = lua_isnoneornil(L, 2) ? -1 : api_check_named(L, 2, NULL, "region", n_region, region_name);
    bool bad = false;
    for (int k = 0; k < s->topo.nregions; k++)
        if ((r < 0 || k == r) && model_config_bad(s->model, cfg, k)) bad = true;
    lua_pushboolean(L, bad);
    return 1;
}

static int l_surge(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "surge");
    int src = api_check_named(L, 1, "source", "traffic source", n_src, src_name);
    double f = api_opt_number(L, 1, "factor", 1, 0, 1000);
    api_model_result(L, s, model_set_rate_factor(s->model, src, f));
    api_note(s, RE_CHANGE, src_name(s, src), NULL, "%s traffic set to %.2gx its normal rate",
             src_name(s, src), f);
    return 0;
}

const luaL_Reg api_fault_fns[] = {
    { "crash", l_crash },             { "hang", l_hang },
    { "unhang", l_unhang },           { "latency", l_latency },
    { "errors", l_errors },           { "partition", l_partition },
    { "heal", l_heal },               { "set_version", l_set_version },
    { "version", l_version },         { "write_config", l_write_config },
    { "version_share", l_version_share },
    { "config_bad", l_config_bad },   { "surge", l_surge },
    { NULL, NULL },
};
