/*
 * api_responses.c: what-ifs and responses, the changes to the running
 * system that are not faults.
 *
 * What-ifs change the system or its users mid-run (remove_dependency,
 * client, set_call, set_autoscale); responses are what people do in an
 * incident (restart, scale, shift_traffic, the breakers, shed, fallback).
 * Each writes its timeline line once the model has taken it. A manual
 * restart is work for a team (model/resp.c): the calling thread parks
 * until a person has done it.
 */
#include "script/api_internal.h"

#include <stdio.h>
#include <string.h>

/* remove_dependency{ from = "tke", to = "cloud-api" }: a what-if. The
 * caller no longer makes those calls (restore with restore = true). */
static int l_remove_dependency(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "remove_dependency");
    int from = api_check_service(L, s, 1, "from");
    int to = api_check_service(L, s, 1, "to");
    bool restore = api_opt_bool(L, 1, "restore", false);
    api_model_result(L, s, model_cut_call(s->model, from, to, !restore));
    api_note(s, RE_CHANGE, svc_name(s, from), NULL,
             restore ? "%s depends on %s again" : "%s no longer depends on %s", svc_name(s, from),
             svc_name(s, to));
    return 0;
}

/* fallback{ from = "portal-web", to = "portal-content" [, off = true] }:
 * answer with the fallback (degraded) when those calls fail. */
static int l_fallback(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "fallback");
    int from = api_check_service(L, s, 1, "from");
    int to = api_check_service(L, s, 1, "to");
    bool off = api_opt_bool(L, 1, "off", false);
    api_model_result(L, s, model_set_fallback(s->model, from, to, !off));
    api_note(s, RE_ACTION, svc_name(s, from), NULL,
             off ? "%s stops using its fallback for %s" : "%s answers with its fallback when %s fails",
             svc_name(s, from), svc_name(s, to));
    return 0;
}

static bool has_field(lua_State *L, int idx, const char *field)
{
    bool has = lua_getfield(L, idx, field) != LUA_TNIL;
    lua_pop(L, 1);
    return has;
}

/* The backoff table at field of idx, into *b; *set gets a MODEL_CALL_BACKOFF_*
 * bit for each key given. Keys were checked against the schema already. */
static void opt_backoff(lua_State *L, int idx, const char *field, TopoBackoff *b, unsigned *set)
{
    int t = lua_getfield(L, idx, field);                        // [bo]
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (t != LUA_TTABLE) luaL_error(L, "%s: expected a table like { base = \"100ms\", max = \"2s\" }", field);
    int bo = lua_gettop(L);
    if (has_field(L, bo, "base")) b->base = api_opt_duration(L, bo, "base", b->base), *set |= MODEL_CALL_BACKOFF_BASE;
    if (has_field(L, bo, "max")) {
        b->max = api_opt_duration(L, bo, "max", b->max);
        if (b->max <= 0) luaL_error(L, "max: must be more than 0");
        *set |= MODEL_CALL_BACKOFF_MAX;
    }
    if (has_field(L, bo, "multiplier"))
        b->multiplier = api_opt_number(L, bo, "multiplier", 2, 1, 1000), *set |= MODEL_CALL_BACKOFF_MULTIPLIER;
    if (has_field(L, bo, "jitter"))
        b->jitter = api_opt_fraction(L, bo, "jitter", 1), *set |= MODEL_CALL_BACKOFF_JITTER;
    lua_pop(L, 1);                                              // []
}

/* client{ source = "console", retries = 0, reattempt = "50%", ... }:
 * changes how a source's clients and users behave from now on. */
static int l_client(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_options_deep(L, 1, "client", 1);
    int src = api_check_named(L, 1, "source", "traffic source", n_src, src_name);
    TopoClient c = *model_client(s->model, src);
    c.timeout = api_opt_duration(L, 1, "timeout", c.timeout);
    if (c.timeout <= 0) return luaL_error(L, "timeout: must be more than 0");
    c.retries = (int)api_opt_number(L, 1, "retries", c.retries, 0, 100);
    c.reattempt = api_opt_fraction(L, 1, "reattempt", c.reattempt);
    c.reattempt_after = api_opt_duration(L, 1, "reattempt_after", c.reattempt_after);
    c.max_reattempts = (int)api_opt_number(L, 1, "max_reattempts", c.max_reattempts, 0, 10000);
    c.patience = api_opt_duration(L, 1, "patience", c.patience);
    c.offline = api_opt_fraction(L, 1, "offline", c.offline);
    c.defer = api_opt_fraction(L, 1, "defer", c.defer);
    c.recheck = api_opt_duration(L, 1, "recheck", c.recheck);
    if (c.recheck <= 0) return luaL_error(L, "recheck: must be more than 0");
    c.catch_up = api_opt_duration(L, 1, "catch_up", c.catch_up);
    unsigned set = 0;
    opt_backoff(L, 1, "backoff", &c.backoff, &set);
    if (c.backoff.max < c.backoff.base)
        return luaL_error(L, "client: backoff max (%fs) would be less than its base (%fs)",
                          fd_time_sec(c.backoff.max), fd_time_sec(c.backoff.base));
    api_model_result(L, s, model_set_client(s->model, src, &c));
    comms_client_changed(s, src);
    if (set) {
        api_note(s, RE_CHANGE, src_name(s, src), NULL,
                 "%s clients now back off %gs to %gs (x%g, jitter %.0f%%)", src_name(s, src),
                 fd_time_sec(c.backoff.base), fd_time_sec(c.backoff.max), c.backoff.multiplier,
                 c.backoff.jitter * 100);
    }
    return 0;
}

/* set_call{ from = "api", to = "db", timeout = "2s", retries = 1,
 * backoff = { ... }, budget = { ratio = "10%", burst = 10 } | false,
 * region = "east" }: the call edge's policy from now on. */
static int l_set_call(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_options_deep(L, 1, "set_call", 1);
    int from = api_check_service(L, s, 1, "from");
    int to = api_check_service(L, s, 1, "to");
    int r = api_opt_region(L, s, 1, "region");
    if (!model_calls(s->model, from, to)) {
        char calls[512];
        api_call_list(s, from, calls, sizeof calls);
        return luaL_error(L, "set_call: %s does not call %s in the topology (it calls %s)",
                          svc_name(s, from), svc_name(s, to), *calls ? calls : "nothing");
    }
    const TopoCall *cur = model_call_policy(s->model, from, to, r);
    if (!cur)
        return luaL_error(L, "set_call: %s is not deployed in %s", svc_name(s, from),
                          api_region_label(s, r));
    TopoCall pol = *cur;
    unsigned set = 0;
    if (has_field(L, 1, "timeout")) {
        pol.timeout = api_opt_duration(L, 1, "timeout", pol.timeout);
        if (pol.timeout <= 0) return luaL_error(L, "timeout: must be more than 0");
        set |= MODEL_CALL_TIMEOUT;
    }
    if (has_field(L, 1, "retries"))
        pol.retries = (int)api_opt_number(L, 1, "retries", 0, 0, 100), set |= MODEL_CALL_RETRIES;
    opt_backoff(L, 1, "backoff", &pol.backoff, &set);
    int bt = lua_getfield(L, 1, "budget");                      // [budget]
    if (bt == LUA_TBOOLEAN) {
        pol.budget.enabled = lua_toboolean(L, -1);
        set |= MODEL_CALL_BUDGET_ENABLED;
    } else if (bt == LUA_TTABLE) {
        int b = lua_gettop(L);
        pol.budget.enabled = true;
        set |= MODEL_CALL_BUDGET_ENABLED;
        if (has_field(L, b, "ratio"))
            pol.budget.ratio = api_opt_fraction(L, b, "ratio", 0), set |= MODEL_CALL_BUDGET_RATIO;
        if (has_field(L, b, "burst"))
            pol.budget.burst = api_opt_number(L, b, "burst", 10, 1, 1e9), set |= MODEL_CALL_BUDGET_BURST;
    } else if (bt != LUA_TNIL) {
        return luaL_error(L, "budget: expected { ratio = ..., burst = ... } or false");
    }
    lua_pop(L, 1);                                              // []
    if (!set) return luaL_error(L, "set_call: give at least one of timeout, retries, backoff, budget");
    api_model_result(L, s, model_set_call(s->model, from, to, r, &pol, set));
    const TopoCall *now = model_call_policy(s->model, from, to, r);
    char budget[64] = "no retry budget";
    if (now->budget.enabled)
        snprintf(budget, sizeof budget, "budget %.0f%% (burst %g)", now->budget.ratio * 100,
                 now->budget.burst);
    api_note(s, RE_CHANGE, svc_name(s, from), api_region_or_null(s, r),
             "calls from %s to %s in %s now: timeout %gs, %d retr%s, backoff %gs to %gs, %s",
             svc_name(s, from), svc_name(s, to), api_region_label(s, r), fd_time_sec(now->timeout),
             now->retries, now->retries == 1 ? "y" : "ies", fd_time_sec(now->backoff.base),
             fd_time_sec(now->backoff.max), budget);
    return 0;
}

static const char *const signal_names[] = { "utilisation", "concurrency", "cpu" };

/* set_autoscale{ service, region, signal = "cpu", target = 0.6, min = 2,
 * max = 50, period = "30s", step = 5 }: the autoscaler from now on. */
static int l_set_autoscale(lua_State *L)
{
    int svc, r;
    Scenario *s = api_need_model(L);
    api_check_options_deep(L, 1, "set_autoscale", 1);
    svc = api_check_service(L, s, 1, "service");
    r = api_opt_region(L, s, 1, "region");
    if (!s->topo.services[svc].autoscale.enabled)
        return luaL_error(L, "set_autoscale: %s does not autoscale (no autoscale: in the topology); "
                             "use scale{ instances = N } instead",
                          svc_name(s, svc));
    TopoAutoscale as;
    if (!model_autoscale(s->model, svc, r, &as))
        return luaL_error(L, "set_autoscale: %s is not deployed in %s", svc_name(s, svc),
                          api_region_label(s, r));
    unsigned set = 0;
    if (lua_getfield(L, 1, "signal") != LUA_TNIL) {
        const char *sig = lua_tostring(L, -1);
        int k = -1;
        for (int i = 0; sig && i < 3; i++)
            if (strcmp(sig, signal_names[i]) == 0) k = i;
        if (k < 0) {
            const char *near = sig ? diag_suggest(sig, signal_names, 3) : NULL;
            if (near)
                return luaL_error(L, "signal: '%s' is not one of utilisation, concurrency, cpu (did you mean '%s'?)",
                                  sig, near);
            return luaL_error(L, "signal: expected one of utilisation, concurrency, cpu");
        }
        as.signal = (ScaleSignal)k;
        set |= MODEL_AS_SIGNAL;
    }
    lua_pop(L, 1);
    if (has_field(L, 1, "target")) {
        as.target = as.signal == SCALE_CONCURRENCY ? api_opt_number(L, 1, "target", 1, 0, 1e9)
                                                   : api_opt_fraction(L, 1, "target", 0.6);
        if (!(as.target > 0)) return luaL_error(L, "target: must be more than 0");
        set |= MODEL_AS_TARGET;
    }
    if (has_field(L, 1, "min")) as.min = (int)api_opt_number(L, 1, "min", 0, 0, 1e5), set |= MODEL_AS_MIN;
    if (has_field(L, 1, "max")) as.max = (int)api_opt_number(L, 1, "max", 1, 1, 1e5), set |= MODEL_AS_MAX;
    if (has_field(L, 1, "period")) {
        as.period = api_opt_duration(L, 1, "period", as.period);
        if (as.period <= 0) return luaL_error(L, "period: must be more than 0");
        set |= MODEL_AS_PERIOD;
    }
    if (has_field(L, 1, "step")) as.step = (int)api_opt_number(L, 1, "step", 1, 1, 1e5), set |= MODEL_AS_STEP;
    if (!set)
        return luaL_error(L, "set_autoscale: give at least one of signal, target, min, max, period, step");
    if (as.min > as.max)
        return luaL_error(L, "set_autoscale: min (%d) is more than max (%d)", as.min, as.max);
    api_model_result(L, s, model_set_autoscale(s->model, svc, r, &as, set));
    char target[32];
    if (as.signal == SCALE_CONCURRENCY) snprintf(target, sizeof target, "%g in flight", as.target);
    else snprintf(target, sizeof target, "%.0f%%", as.target * 100);
    api_note(s, RE_CHANGE, svc_name(s, svc), api_region_or_null(s, r),
             "%s now autoscales on %s to %s, %d to %d instances in %s", svc_name(s, svc),
             signal_names[as.signal], target, as.min, as.max, api_region_label(s, r));
    return 0;
}

/* ---- responses ---- */

void api_note_restart(Scenario *s, int svc, int r, int count, bool manual)
{
    api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r), "%s%s restarted in %s%s",
             count < 0 ? "every " : "", svc_name(s, svc), api_region_label(s, r),
             manual ? " by hand, bypassing its platform" : " through its platform");
}

static int l_restart(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "restart", &svc, &r);
    int count = (int)api_opt_number(L, 1, "count", -1, -1, 1e6);
    bool manual = api_opt_bool(L, 1, "manual", false);
    int batch = (int)api_opt_number(L, 1, "batch", 0, 0, 1e5);
    int only = (int)api_opt_number(L, 1, "version", -1, 0, 1e9);
    if (only >= 0 && batch <= 0)
        return luaL_error(L, "restart: version picks the instances of a rolling redeploy; give batch");
    if (batch > 0) {
        if (manual) return luaL_error(L, "restart: a manual restart cannot be rolling (batch)");
        api_model_result(L, s, model_rolling_restart_on(s->model, svc, r, batch, only));
        api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r),
                 "%s redeployed in %s, %d instance(s) at a time, through its platform",
                 svc_name(s, svc), api_region_label(s, r), batch);
        return 0;
    }
    if (!manual) {
        SimTime takes = api_opt_duration(L, 1, "takes", 10 * FD_MIN);
        api_model_result(L, s, model_restart(s->model, svc, r, count, false, takes));
        api_note_restart(s, svc, r, count, false);
        return 0;
    }
    /* Break glass: a person starts the instances by hand when one of the
     * team is free, and is busy for as long as it takes. */
    lua_getfield(L, 1, "team");
    bool has = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!has) return luaL_error(L, "restart: a manual restart needs a team to do it (team = ...)");
    int team = api_team_ready(L, s, 1, "team", "restart");
    Dist takes, ten_minutes;
    dist_const(&ten_minutes, 600, NULL);
    api_opt_dist(L, 1, "takes", &takes, &ten_minutes);
    RespWork w = { .kind = RESP_RESTART, .misdiagnose = -1, .arg = { svc, r, count } };
    return api_work(L, s, team, &w, &takes, NULL, 0);
}

static int l_scale(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "scale", &svc, &r);
    lua_getfield(L, 1, "instances");
    bool has_n = !lua_isnil(L, -1);
    lua_getfield(L, 1, "max");
    bool has_max = !lua_isnil(L, -1);
    lua_pop(L, 2);
    if (!has_n && !has_max) return luaL_error(L, "scale: give instances or max");
    /* Refused before anything changes: a ceiling for an autoscaler the
     * service does not have would be a response that does nothing. */
    if (has_max && !s->topo.services[svc].autoscale.enabled)
        return luaL_error(L, "scale: %s does not autoscale (no autoscale: in the topology), so max "
                             "would change nothing; give instances instead",
                          svc_name(s, svc));
    if (has_n) {
        int n = (int)api_opt_number(L, 1, "instances", 0, 0, 1e5);
        api_model_result(L, s, model_scale(s->model, svc, r, n));
        api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r), "%s scaled to %d instances in %s",
                 svc_name(s, svc), n, api_region_label(s, r));
    }
    if (has_max) {
        int max = (int)api_opt_number(L, 1, "max", 0, 0, 1e5);
        api_model_result(L, s, model_set_scale_max(s->model, svc, r, max));
        api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r),
                 "%s may now autoscale to %d instances in %s", svc_name(s, svc), max,
                 api_region_label(s, r));
    }
    return 0;
}

/* shift_traffic{source = "console", from = "shanghai", to = {"guangzhou", "beijing"}}
 * moves the `from` region's share to the `to` regions in proportion to
 * their current shares (equally when they have none). Without `source`
 * every source shifts. */
static int l_shift_traffic(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "shift_traffic");
    int from = api_check_named(L, 1, "from", "region", n_region, region_name);
    lua_getfield(L, 1, "to");
    if (!lua_istable(L, -1)) return luaL_error(L, "to: expected a list of regions");
    int nr = s->topo.nregions;
    bool to[256] = { false };
    int nto = 0;
    for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
        lua_rawgeti(L, -1, i);
        int r = api_check_named(L, lua_gettop(L), NULL, "region", n_region, region_name);
        lua_pop(L, 1);
        if (r == from) return luaL_error(L, "to: cannot shift %s to itself", region_name(s, r));
        if (r < 256 && !to[r]) { to[r] = true; nto++; }
    }
    lua_pop(L, 1);
    if (!nto) return luaL_error(L, "to: name at least one region");
    lua_getfield(L, 1, "source");
    int only = lua_isnil(L, -1) ? -1 : api_check_named(L, 1, "source", "traffic source", n_src, src_name);
    lua_pop(L, 1);
    for (int src = 0; src < s->topo.nsources; src++) {
        if (only >= 0 && src != only) continue;
        double w[256], sum_to = 0;
        /* Start from the weights now in force. */
        const double *cur = model_source_weights(s->model, src);
        for (int r = 0; r < nr && r < 256; r++) w[r] = cur[r];
        for (int r = 0; r < nr && r < 256; r++) if (to[r]) sum_to += w[r];
        double moved = w[from];
        w[from] = 0;
        for (int r = 0; r < nr && r < 256; r++)
            if (to[r]) w[r] += sum_to > 0 ? moved * w[r] / sum_to : moved / nto;
        api_model_result(L, s, model_shift_traffic(s->model, src, w));
    }
    char list[512] = "";
    for (int r = 0; r < nr && r < 256; r++)
        if (to[r]) {
            if (*list) strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, region_name(s, r), sizeof list - strlen(list) - 1);
        }
    api_note(s, RE_ACTION, NULL, region_name(s, from), "traffic redirected from %s to %s (takes effect in %.0fs)",
             region_name(s, from), list, fd_time_sec(s->topo.propagation));
    return 0;
}

static int breakers_common(lua_State *L, bool open)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, open ? "open_breakers" : "close_breakers");
    int to = api_check_service(L, s, 1, "to");
    api_model_result(L, s, model_force_breakers(s->model, to, open));
    api_note(s, RE_ACTION, svc_name(s, to), NULL,
             open ? "breakers on calls to %s forced open" : "breakers on calls to %s back to automatic",
             svc_name(s, to));
    return 0;
}

static int l_open_breakers(lua_State *L) { return breakers_common(L, true); }
static int l_close_breakers(lua_State *L) { return breakers_common(L, false); }

static int l_shed(lua_State *L)
{
    int svc, r;
    Scenario *s = api_svc_region_args(L, "shed", &svc, &r);
    double f = api_opt_fraction(L, 1, "fraction", 0);
    api_model_result(L, s, model_shed(s->model, svc, r, f));
    api_note(s, RE_ACTION, svc_name(s, svc), api_region_or_null(s, r), "%s sheds %.0f%% of new requests in %s",
             svc_name(s, svc), f * 100, api_region_label(s, r));
    return 0;
}

const luaL_Reg api_response_fns[] = {
    { "restart", l_restart },         { "scale", l_scale },
    { "shift_traffic", l_shift_traffic },
    { "open_breakers", l_open_breakers },
    { "close_breakers", l_close_breakers },
    { "shed", l_shed },               { "remove_dependency", l_remove_dependency },
    { "client", l_client },           { "set_call", l_set_call },
    { "set_autoscale", l_set_autoscale },
    { "fallback", l_fallback },
    { NULL, NULL },
};
