/*
 * api_args.c: the argument helpers every binding uses.
 *
 * Every name a script passes (a service, region, configuration item,
 * source, alert, team) is checked when the call is made, and an unknown one
 * is an error at the caller's line with a "did you mean" when one is close:
 * a typo must never turn into an action silently applied to nothing.
 *
 * Functions that take options take one table (`crash{service = "db"}`),
 * and unknown keys in it are errors too. Durations and rates are strings
 * with units ("5m", "250ms", "8000/s") or numbers of seconds.
 *
 * A helper returns only when the argument is good; otherwise it raises a
 * Lua error (luaL_error), so a binding needs no error path of its own.
 */
#include "script/api_internal.h"

#include <stdio.h>
#include <string.h>
#include "base/units.h"
#include "script/api_schema.h"

Scenario *api_scenario(lua_State *L)
{
    return *(Scenario **)lua_getextraspace(L);
}

/* C memory ran out in a binding: a system error (the run exits 3), raised
 * at the caller's line. */
int api_oom_error(lua_State *L, Scenario *s)
{
    s->oom = true;
    return luaL_error(L, "out of memory");
}

Scenario *api_need_model(lua_State *L)
{
    Scenario *s = api_scenario(L);
    if (!s->model) luaL_error(L, "call scenario{...} first: it names the topology");
    return s;
}

/* Checks that the options table at idx only has the keys api_schema.c
 * lists for fn. `where` is the level whose line an error names (1: the
 * caller of the C function). */
static void check_keys_at(lua_State *L, int idx, const char *fn, int where)
{
    const ApiFn *f = api_schema_find(fn);
    if (!f || !f->keys) luaL_error(L, "%s: no options are described for it (api_schema.c)", fn);
    const char *allowed[64];
    size_t n = api_schema_key_names(f, allowed, 64);
    if (lua_type(L, idx) != LUA_TTABLE) {
        luaL_where(L, where);
        lua_pushfstring(L, "%s: expected a table of options, like %s{ ... }", fn, fn);
        lua_concat(L, 2);
        lua_error(L);
    }
    /* The first unknown key in sorted order, so that which mistake is
     * reported does not depend on the table's iteration order. */
    const char *bad = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            luaL_where(L, where);
            lua_pushfstring(L, "%s: option names must be strings", fn);
            lua_concat(L, 2);
            lua_error(L);
        }
        const char *k = lua_tostring(L, -1);
        if (!api_schema_key(f, k) && (!bad || strcmp(k, bad) < 0)) bad = k;
    }
    if (bad) {
        const char *near = diag_suggest(bad, allowed, n);
        luaL_where(L, where);
        if (near)
            lua_pushfstring(L, "%s: unknown option '%s' (did you mean '%s'?)", fn, bad, near);
        else
            lua_pushfstring(L, "%s: unknown option '%s'", fn, bad);
        lua_concat(L, 2);
        lua_error(L);
    }
}

void api_check_keys(lua_State *L, int idx, const char *fn)
{
    check_keys_at(L, idx, fn, 1);
}

/* Keys, required keys and nested tables of the options at idx; errors
 * name the line of level `where`. */
void api_check_options_deep(lua_State *L, int idx, const char *fn, int where)
{
    idx = lua_absindex(L, idx);
    check_keys_at(L, idx, fn, where);
    const ApiFn *f = api_schema_find(fn);
    for (const ApiKey *k = f->keys; k->name; k++) {
        int t = lua_getfield(L, idx, k->name);                     // [v]
        if (t == LUA_TNIL && k->required) {
            luaL_where(L, where);
            lua_pushfstring(L, "%s: '%s' is required", fn, k->name);
            lua_concat(L, 2);
            lua_error(L);
        }
        if (t == LUA_TTABLE && k->sub) api_check_options_deep(L, -1, k->sub, where);
        lua_pop(L, 1);
    }
}

int api_find_named(lua_State *L, const char *kind, const char *name, int n,
                   const char *(*name_of)(Scenario *, int))
{
    Scenario *s = api_scenario(L);
    for (int i = 0; i < n; i++)
        if (strcmp(name_of(s, i), name) == 0) return i;
    const char *cands[256];
    int m = n < 256 ? n : 256;
    for (int i = 0; i < m; i++) cands[i] = name_of(s, i);
    const char *near = diag_suggest(name, cands, (size_t)m);
    if (near) return luaL_error(L, "unknown %s '%s' (did you mean '%s'?)", kind, name, near);
    return luaL_error(L, "unknown %s '%s'", kind, name);
}

int api_check_named(lua_State *L, int idx, const char *field, const char *kind,
                    int (*count)(Scenario *), const char *(*name_of)(Scenario *, int))
{
    Scenario *s = api_scenario(L);
    if (field) lua_getfield(L, idx, field);
    else lua_pushvalue(L, idx);
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s%sexpected a %s name", field ? field : "", field ? ": " : "", kind);
    int i = api_find_named(L, kind, lua_tostring(L, -1), count(s), name_of);
    lua_pop(L, 1);
    return i;
}


int api_check_config(lua_State *L, Scenario *s, int idx, const char *field)
{
    (void)s;
    return api_check_named(L, idx, field, "configuration item", n_cfg, cfg_name);
}

int api_check_service(lua_State *L, Scenario *s, int idx, const char *field)
{
    (void)s;
    return api_check_named(L, idx, field, "service", n_svc, svc_name);
}

/* An optional region: -1 when absent (meaning every region). */
int api_opt_region(lua_State *L, Scenario *s, int idx, const char *field)
{
    (void)s;
    if (field) lua_getfield(L, idx, field);
    else lua_pushvalue(L, idx);
    bool absent = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (absent) return -1;
    return api_check_named(L, idx, field, "region", n_region, region_name);
}

SimTime api_check_duration(lua_State *L, int idx, const char *what)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        double v = lua_tonumber(L, idx);
        if (!(v >= 0) || v > 3.15e7) luaL_error(L, "%s: %f is not a duration", what, v);
        return fd_time_from_sec(v);
    }
    const char *str = lua_tostring(L, idx);
    if (!str) luaL_error(L, "%s: expected a duration like '5m'", what);
    SimTime t;
    const char *why;
    if (units_parse_duration(str, &t, &why) < 0) luaL_error(L, "%s: '%s' %s", what, str, why);
    return t;
}

SimTime api_opt_duration(lua_State *L, int idx, const char *field, SimTime dflt)
{
    lua_getfield(L, idx, field);
    SimTime v = lua_isnil(L, -1) ? dflt : api_check_duration(L, -1, field);
    lua_pop(L, 1);
    return v;
}

double api_opt_fraction(lua_State *L, int idx, const char *field, double dflt)
{
    lua_getfield(L, idx, field);
    double v = dflt;
    if (lua_type(L, -1) == LUA_TNUMBER) {
        v = lua_tonumber(L, -1);
        if (!(v >= 0 && v <= 1)) luaL_error(L, "%s: %f is not a fraction between 0 and 1", field, v);
    } else if (!lua_isnil(L, -1)) {
        const char *why;
        const char *str = lua_tostring(L, -1);
        if (!str || units_parse_fraction(str, &v, &why) < 0)
            luaL_error(L, "%s: expected a fraction like '5%%' or 0.05", field);
    }
    lua_pop(L, 1);
    return v;
}

double api_opt_number(lua_State *L, int idx, const char *field, double dflt, double lo,
                      double hi)
{
    lua_getfield(L, idx, field);
    double v = dflt;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "%s: expected a number", field);
        v = lua_tonumber(L, -1);
        if (!(v >= lo && v <= hi)) {
            /* lua_pushfstring has no %g */
            char b[96];
            snprintf(b, sizeof b, "%g is out of range (%g to %g)", v, lo, hi);
            luaL_error(L, "%s: %s", field, b);
        }
    }
    lua_pop(L, 1);
    return v;
}

bool api_opt_bool(lua_State *L, int idx, const char *field, bool dflt)
{
    lua_getfield(L, idx, field);
    bool v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* The prologue of the bindings that act on a service (in a region, or in
 * every region when none is named): checks the option keys and names. */
Scenario *api_svc_region_args(lua_State *L, const char *fn, int *svc, int *r)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, fn);
    *svc = api_check_service(L, s, 1, "service");
    *r = api_opt_region(L, s, 1, "region");
    return s;
}

const char *api_region_label(Scenario *s, int r)
{
    return r < 0 ? "all regions" : s->topo.regions[r].name;
}

const char *api_region_or_null(Scenario *s, int r)
{
    return r < 0 ? NULL : s->topo.regions[r].name;
}

void api_model_result(lua_State *L, Scenario *s, int rc)
{
    if (rc < 0) luaL_error(L, "%s", model_last_error(s->model));
}

/* The callee names of a service's calls, "a, b", for an error message. */
void api_call_list(Scenario *s, int svc, char *buf, size_t size)
{
    const TopoService *ts = &s->topo.services[svc];
    buf[0] = 0;
    for (int c = 0; c < ts->ncalls; c++) {
        bool seen = false;          /* a callee called twice is named once */
        for (int k = 0; k < c; k++) seen |= ts->calls[k].target == ts->calls[c].target;
        if (seen) continue;
        if (*buf) strncat(buf, ", ", size - strlen(buf) - 1);
        strncat(buf, svc_name(s, ts->calls[c].target), size - strlen(buf) - 1);
    }
}

/* A distribution of a duration: a plain duration (constant) or a table in
 * the topology's syntax, { dist = "lognormal", median = "10m", p99 = "1h" };
 * `dist` may be left out when the keys say which. Values in seconds. */
void api_check_dist(lua_State *L, int idx, const char *what, Dist *out)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) {
        dist_const(out, fd_time_sec(api_check_duration(L, idx, what)), NULL);
        return;
    }
    static const char *const keys[] = { "dist", "value", "mean", "median", "p99", "min", "max",
                                        "table", NULL };
    api_check_keys(L, idx, "distribution");
    static const char *const kinds[] = { "constant", "uniform", "exp", "exponential",
                                         "lognormal", "empirical", NULL };
    lua_getfield(L, idx, "dist");
    const char *kind = lua_tostring(L, -1);
    lua_pop(L, 1);
    bool has[8];
    for (int i = 1; keys[i]; i++) {
        lua_getfield(L, idx, keys[i]);
        has[i] = !lua_isnil(L, -1);
        lua_pop(L, 1);
    }
    if (!kind) {
        kind = has[1] ? "constant" : has[2] ? "exp" : (has[3] || has[4]) ? "lognormal"
             : (has[5] || has[6]) ? "uniform" : has[7] ? "empirical" : NULL;
        if (!kind)
            luaL_error(L, "%s: say which distribution, like { dist = \"lognormal\", median = \"10m\", "
                          "p99 = \"1h\" }", what);
    }
    int k = -1;
    for (int i = 0; kinds[i]; i++)
        if (strcmp(kinds[i], kind) == 0) k = i;
    if (k < 0) {
        const char *near = diag_suggest(kind, kinds, 6);
        if (near) luaL_error(L, "%s: unknown distribution '%s' (did you mean '%s'?)", what, kind, near);
        luaL_error(L, "%s: unknown distribution '%s'", what, kind);
    }
    /* The keys each kind takes, as indexes into keys[]. */
    static const int takes[6][3] = { { 1, 0 }, { 5, 6, 0 }, { 2, 0 }, { 2, 0 }, { 3, 4, 0 }, { 7, 0 } };
    for (int i = 1; keys[i]; i++) {
        bool wanted = false;
        for (int j = 0; takes[k][j]; j++) wanted = wanted || takes[k][j] == i;
        if (has[i] && !wanted)
            luaL_error(L, "%s: '%s' does not apply to a %s distribution", what, keys[i], kind);
        if (!has[i] && wanted) luaL_error(L, "%s: a %s distribution needs '%s'", what, kind, keys[i]);
    }
    const char *why = NULL;
    int rc = 0;
    double a, b;
    switch (k) {
    case 0:
        rc = dist_const(out, fd_time_sec(api_opt_duration(L, idx, "value", 0)), &why);
        break;
    case 1:
        a = fd_time_sec(api_opt_duration(L, idx, "min", 0));
        b = fd_time_sec(api_opt_duration(L, idx, "max", 0));
        rc = dist_uniform(out, a, b, &why);
        break;
    case 2:
    case 3:
        rc = dist_exp(out, fd_time_sec(api_opt_duration(L, idx, "mean", 0)), &why);
        break;
    case 4:
        a = fd_time_sec(api_opt_duration(L, idx, "median", 0));
        b = fd_time_sec(api_opt_duration(L, idx, "p99", 0));
        rc = dist_lognormal(out, a, b, &why);
        break;
    default: {
        lua_getfield(L, idx, "table");                        // [.., table]
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: table: expected a list of { duration, cumulative fraction } pairs", what);
        size_t n = lua_rawlen(L, -1);
        if (n == 0 || n > 10000) luaL_error(L, "%s: table: give 1 to 10000 points", what);
        double *xs = lua_newuserdatauv(L, sizeof *xs * n * 2, 0);   // [.., table, buf]
        double *ps = xs + n;
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -2, (lua_Integer)i + 1);           // [.., table, buf, row]
            if (!lua_istable(L, -1) || lua_rawlen(L, -1) != 2)
                luaL_error(L, "%s: table: each point is a pair like { \"20m\", 0.9 }", what);
            lua_rawgeti(L, -1, 1);
            xs[i] = fd_time_sec(api_check_duration(L, -1, "table"));
            lua_pop(L, 1);
            lua_rawgeti(L, -1, 2);
            if (lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L, "%s: table: a cumulative fraction is a number from 0 to 1", what);
            ps[i] = lua_tonumber(L, -1);
            lua_pop(L, 2);
        }
        rc = dist_empirical(out, xs, ps, n, &why);
        lua_pop(L, 2);
    }
    }
    if (rc < 0) luaL_error(L, "%s: %s", what, why ? why : "impossible parameters");
}

static int dists_gc(lua_State *L)
{
    Dist *d = lua_touserdata(L, 1);
    size_t n = lua_rawlen(L, 1) / sizeof *d;
    for (size_t i = 0; i < n; i++) dist_free(&d[i]);
    return 0;
}

Dist *api_dists(lua_State *L, int n)
{
    Dist *d = lua_newuserdatauv(L, sizeof *d * (size_t)n, 0);
    memset(d, 0, sizeof *d * (size_t)n);
    if (luaL_newmetatable(L, "fd.dists")) {
        lua_pushcfunction(L, dists_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return d;
}

void api_opt_dist(lua_State *L, int idx, const char *field, Dist *out, const Dist *dflt)
{
    lua_getfield(L, idx, field);
    if (lua_isnil(L, -1)) {
        if (dist_copy(out, dflt) < 0) api_oom_error(L, api_scenario(L));
    } else {
        api_check_dist(L, -1, field, out);
    }
    lua_pop(L, 1);
}
