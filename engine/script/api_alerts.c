/*
 * api_alerts.c: alerts and the support channel, and the handlers that run
 * when an alert fires or a team acknowledges a page (on_alert, on_page).
 *
 * Declaring only records: scenario.c evaluates the alerts and the support
 * channel every interval and runs the handlers kept in the registry
 * ("fd.handlers", "fd.pagehandlers"), each in an engine thread of its own.
 */
#include "script/api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/units.h"

/* "error_rate > 5%" | "availability < 0.99" | "p99 > 2s" */
static void parse_condition(lua_State *L, Alert *a, const char *cond)
{
    char metric[32], op[3], value[64];
    if (sscanf(cond, " %31[a-z0-9_] %2[<>=] %63s", metric, op, value) != 3)
        luaL_error(L, "when: expected 'metric > value', like 'error_rate > 5%%', got '%s'", cond);
    a->metric = (AlertMetric)api_metric_index(L, metric);
    if (strcmp(op, ">") == 0) a->op = '>';
    else if (strcmp(op, "<") == 0) a->op = '<';
    else if (strcmp(op, ">=") == 0) a->op = 'g';
    else if (strcmp(op, "<=") == 0) a->op = 'l';
    else luaL_error(L, "when: unknown comparison '%s'", op);
    const char *why;
    double v;
    SimTime t;
    bool latency = a->metric == AM_P50 || a->metric == AM_P90 || a->metric == AM_P99;
    if (latency && units_parse_duration(value, &t, &why) == 0) v = fd_time_sec(t);
    else if (strchr(value, '%') && units_parse_fraction(value, &v, &why) == 0) {}
    else if (strchr(value, '/') && units_parse_rate(value, &v, &why) == 0) {}
    else if (units_parse_number(value, &v, &why) < 0)
        luaL_error(L, "when: '%s' is not a number", value);
    a->threshold = v;
}

/* alert{ name, service|entry, [region], when, [hold], [page] }. With
 * when = "absent" it is a dead-man alert: it fires when the monitoring
 * service stops hearing from the service (or, without a service, from
 * anything at all), and it is evaluated outside monitoring, so a blind
 * monitoring service is exactly what it catches. */
static int l_alert(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "alert");
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    if (!name) return luaL_error(L, "alert: name is required");
    /* Names are kept in a registry table: declaring many stays linear. */
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.alertnames");     // [opts, name, names]
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1)) return luaL_error(L, "alert '%s' is declared twice", name);
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);                                            // [opts, name]
    Alert a = { .service = -1, .source = -1, .region = -1, .since = -1 };
    lua_getfield(L, 1, "when");
    const char *cond = lua_tostring(L, -1);
    if (!cond) return luaL_error(L, "alert: when is required, like 'error_rate > 5%%'");
    a.absent = strcmp(cond, "absent") == 0;
    lua_getfield(L, 1, "entry");
    bool entry = !lua_isnil(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 1, "service");
    bool service = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (entry) {
        if (a.absent) return luaL_error(L, "alert: an absent alert watches a service (or, with none, "
                                           "all telemetry); drop entry");
        a.source = api_check_named(L, 1, "entry", "traffic source", n_src, src_name);
        lua_getfield(L, 1, "region");
        bool region = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (region) return luaL_error(L, "alert: an entry point's availability covers every region; drop region");
    } else if (service || !a.absent) {
        a.service = api_check_service(L, s, 1, "service");
        a.region = api_opt_region(L, s, 1, "region");
    }
    if (a.absent && s->topo.monitoring < 0)
        return luaL_error(L, "alert: an absent alert needs a monitoring service (settings.monitoring "
                             "in the topology)");
    if (!a.absent) parse_condition(L, &a, cond);
    if (entry && a.metric != AM_AVAILABILITY)
        return luaL_error(L, "alert on an entry point: only 'availability' can be watched");
    lua_pop(L, 1);
    a.hold = api_opt_duration(L, 1, "hold", 0);
    lua_getfield(L, 1, "page");
    if (!lua_isnil(L, -1)) {
        int idx = lua_gettop(L);
        int n = lua_istable(L, idx) ? (int)lua_rawlen(L, idx) : 1;
        a.pages = calloc((size_t)n + 1, sizeof *a.pages);
        if (!a.pages) return api_oom_error(L, s);
        for (int i = 1; i <= n; i++) {
            if (lua_istable(L, idx)) lua_rawgeti(L, idx, i);
            else lua_pushvalue(L, idx);
            int team = api_find_named(L, "team", luaL_checkstring(L, -1), s->nteams, team_name);
            lua_pop(L, 1);
            a.pages[a.npages++] = team;
        }
    }
    lua_pop(L, 1);
    if (s->nalerts == s->capalerts) {
        int cap = s->capalerts ? s->capalerts * 2 : 8;
        Alert *v = realloc(s->alerts, sizeof *v * (size_t)cap);
        if (!v) { free(a.pages); return api_oom_error(L, s); }
        s->alerts = v;
        s->capalerts = cap;
    }
    luaL_where(L, 1);
    a.name = strdup(name);
    a.what = strdup(cond);
    a.where = strdup(lua_tostring(L, -1));
    if (!a.name || !a.what || !a.where) {
        /* Not listed: an alert without a name would reach `check`'s pass. */
        free(a.name);
        free(a.what);
        free(a.where);
        free(a.pages);
        return api_oom_error(L, s);
    }
    s->alerts[s->nalerts++] = a;
    return 0;
}

/* support{ pages = "sre", threshold = 50, within = "15m" [, rate, delay] }:
 * the support channel. Affected customers report (a share `rate`, the
 * scenario's report_rate by default, each after a drawn `delay`); once
 * `threshold` reports arrive within `within`, it pages the team. */
static int l_support(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "support");
    Support *sp = &s->support;
    if (sp->declared) return luaL_error(L, "support{} may be called only once");
    lua_getfield(L, 1, "pages");
    sp->pages = lua_isnil(L, -1) ? -1 : api_check_named(L, 1, "pages", "team", n_team, team_name);
    lua_pop(L, 1);
    sp->threshold = api_opt_number(L, 1, "threshold", 20, 1, 1e9);
    sp->window = api_opt_duration(L, 1, "within", 15 * FD_MIN);
    if (sp->window <= 0) return luaL_error(L, "within: must be more than 0");
    lua_getfield(L, 1, "rate");
    bool has_rate = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_rate) s->report_rate = api_opt_fraction(L, 1, "rate", 0);
    Dist d;
    lua_getfield(L, 1, "delay");
    if (!lua_isnil(L, -1)) {
        api_check_dist(L, -1, "delay", &d);
        dist_free(&sp->delay);
        sp->delay = d;
    }
    lua_pop(L, 1);
    sp->declared = true;
    return 0;
}

/* Appends the function at stack index 2 to registry[key][slot + 1], a
 * list of handlers (alerts' and teams' alike). */
static void add_handler(lua_State *L, const char *key, int slot)
{
    lua_getfield(L, LUA_REGISTRYINDEX, key);                  // [.., handlers]
    lua_rawgeti(L, -1, slot + 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, slot + 1);
    }                                                         // [.., handlers, list]
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 2);
}

static int l_on_alert(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int a = api_check_named(L, 1, NULL, "alert", n_alert, alert_name);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    add_handler(L, "fd.handlers", a);
    s->alerts[a].handlers++;
    return 0;
}

/* on_page(team, fn): runs fn{ team = name } in a thread of its own each
 * time the team acknowledges a page: the team's part of the response. */
static int l_on_page(lua_State *L)
{
    api_need_model(L);
    int team = api_check_named(L, 1, NULL, "team", n_team, team_name);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    add_handler(L, "fd.pagehandlers", team);
    return 0;
}

const luaL_Reg api_alert_fns[] = {
    { "alert", l_alert },             { "on_alert", l_on_alert },
    { "support", l_support },         { "on_page", l_on_page },
    { NULL, NULL },
};
