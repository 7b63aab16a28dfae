/*
 * api_scenario.c: scenario{}, param() and simulated time.
 *
 * scenario{} is called once, first: it loads the topology beside the
 * scenario and makes the Sim, the responders and the model, which every
 * other binding relies on (need_model). Timers (at, after, every) run their
 * function in an engine thread of its own when their time comes; wait()
 * parks such a thread until a later time.
 */
#include "script/api_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/fspath.h"
#include "base/units.h"
#include "load/topo_load.h"

/* ---- scenario{} and param() ---- */

/* "2024-04-08 15:00 +08:00" (seconds and offset optional) into Unix
 * seconds and an offset in minutes. */
static int parse_start(const char *str, int64_t *unix_s, int *tz)
{
    int y, mo, d, h, mi, sec = 0, n = 0;
    if (sscanf(str, "%d-%d-%d %d:%d%n", &y, &mo, &d, &h, &mi, &n) < 5) return -1;
    const char *p = str + n;
    if (*p == ':') {
        int k = 0;
        if (sscanf(p, ":%d%n", &sec, &k) < 1) return -1;
        p += k;
    }
    while (*p == ' ') p++;
    int off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om = 0;
        if (sscanf(p + 1, "%d:%d", &oh, &om) < 1) return -1;
        /* In range before any arithmetic: "+99999999:00" is no offset. */
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    } else if (*p == 'Z' || (p[0] == 'U' && p[1] == 'T' && p[2] == 'C')) {
        off = 0;
    } else if (*p) {
        return -1;
    }
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || sec < 0 || sec > 59)
        return -1;
    /* Days from the civil date (Howard Hinnant's algorithm), in UTC. */
    int yy = y - (mo <= 2);
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *unix_s = days * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
    *tz = off;
    return 0;
}

static void on_deadlock(void *ud, const ModelDeadlock *d)
{
    Scenario *s = ud;
    char cycle[512] = "";
    for (int k = 0; k < d->ncycle; k++) {
        strncat(cycle, s->topo.services[d->cycle[k]].name, sizeof cycle - strlen(cycle) - 1);
        strncat(cycle, " -> ", sizeof cycle - strlen(cycle) - 1);
    }
    strncat(cycle, s->topo.services[d->cycle[0]].name, sizeof cycle - strlen(cycle) - 1);
    const char *region = d->region >= 0 ? s->topo.regions[d->region].name : "-";
    api_note(s, RE_DEADLOCK, s->topo.services[d->cycle[0]].name, region,
             "recovery deadlock in %s: %s (%s)", region, cycle,
             d->startup ? "instances cannot start: what they call at start-up needs them"
                        : "instances wait for a scheduler that needs them");
    RunResult *r = s->res;
    DeadlockResult *v = realloc(r->deadlocks, sizeof *v * (size_t)(r->ndeadlocks + 1));
    if (!v) { s->oom = true; return; }
    r->deadlocks = v;
    DeadlockResult x = { d->at, strdup(region), strdup(cycle) };
    if (!x.region || !x.cycle) {
        free(x.region);
        free(x.cycle);
        s->oom = true;
        return;
    }
    v[r->ndeadlocks++] = x;
}

/* What sampling costs in accuracy: one warning for the pools it cannot
 * keep exact (model.c says why), at the line deploying the first of them,
 * naming a few. */
static void sampling_warning(Scenario *s)
{
    double f = model_sampling(s->model);
    int npools = 0, n = 0, fewer = 0;
    char list[512] = "";
    size_t len = 0;
    FdLoc loc = { 0 };
    for (int i = 0; i < s->topo.nservices; i++)
        if (s->topo.services[i].kind != SVC_EXTERNAL) npools += s->topo.services[i].ndeploy;
    for (int i = 0; i < model_nwarnings(s->model); i++) {
        int svc, region, real = 0;
        model_warning(s->model, i, &svc, &region);
        const TopoService *ts = &s->topo.services[svc];
        FdLoc at = ts->loc;
        for (int d = 0; d < ts->ndeploy; d++)
            if (ts->deploy[d].region == region) {
                real = ts->deploy[d].instances;
                at = ts->deploy[d].loc;
            }
        /* Up to the default factor, resized instances are what the error
         * table measured; one instance standing for several is not. */
        if (real >= f && f <= FD_SAMPLING_DEFAULT) continue;
        if (real < f) fewer++;
        if (n == 0) loc = at;
        if (n < 3 && len < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s in %s (%d instance%s)",
                                    n ? ", " : "", ts->name, s->topo.regions[region].name, real,
                                    real == 1 ? "" : "s");
        n++;
    }
    if (n == 0) return;
    char msg[1024];
    len = (size_t)snprintf(msg, sizeof msg, "sampling %g keeps %d of %d pools exact; not: %s%s. ",
                           f, npools - n, npools, list, n > 3 ? ", ..." : "");
    if (fewer && len < sizeof msg)
        len += (size_t)snprintf(msg + len, sizeof msg - len,
                                "%d with fewer than %g instances %s simulated as one smaller "
                                "instance, which queues less than the real pool. ",
                                fewer, f, fewer == 1 ? "is" : "are");
    if (n > fewer && len < sizeof msg)
        len += (size_t)snprintf(msg + len, sizeof msg - len,
                                "%d whose count is not a multiple of %g %s simulated with resized "
                                "instances. ", n - fewer, f, n - fewer == 1 ? "is" : "are");
    if (len < sizeof msg)
        snprintf(msg + len, sizeof msg - len,
                 "Their waits and overload points are approximate; sampling 1 is exact "
                 "(docs/topology.md, settings)");
    diag_add(s->dl, DIAG_WARNING, loc, "%s", msg);
}

static int l_scenario(lua_State *L)
{
    Scenario *s = api_scenario(L);
    api_check_keys(L, 1, "scenario");
    if (s->declared) return luaL_error(L, "scenario{} may be called only once");
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    if (!name) return luaL_error(L, "scenario: name is required");
    free(s->res->scenario);
    s->res->scenario = strdup(name);
    if (!s->res->scenario) return api_oom_error(L, s);
    lua_pop(L, 1);

    lua_getfield(L, 1, "start");
    if (!lua_isnil(L, -1)) {
        const char *st = lua_tostring(L, -1);
        if (!st || parse_start(st, &s->res->wall_start, &s->res->tz_minutes) < 0)
            return luaL_error(L, "start: expected a time like '2024-04-08 15:00 +08:00'");
    }
    lua_pop(L, 1);
    s->duration = api_opt_duration(L, 1, "duration", FD_HOUR);
    if (s->duration <= 0) return luaL_error(L, "duration: must be more than 0");
    s->settle = api_opt_duration(L, 1, "settle", 5 * FD_MIN);
    s->slo = api_opt_fraction(L, 1, "slo", 0.99);
    s->report_rate = api_opt_fraction(L, 1, "report_rate", 0.0);

    lua_getfield(L, 1, "topology");
    const char *topo = lua_tostring(L, -1);
    if (!topo) return luaL_error(L, "scenario: topology is required (a YAML file beside the scenario)");
    char *real = NULL;
    int e = fd_path_inside(s->dir, topo, &real);
    if (e == FD_PATH_OUTSIDE)
        return luaL_error(L, "topology: '%s' is outside the scenario's folder", topo);
    free(real);      /* checked; loaded under its own name, for its messages */
    if (e == ENOMEM) return api_oom_error(L, s);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->dir, topo);
    lua_pop(L, 1);
    size_t before = s->dl->n;
    int rc = topo_load_file(&s->topo, path, s->dl);
    s->have_topo = true;
    s->res->inputs = fd_digest_fold(s->res->inputs, s->topo.inputs);
    /* The topology's diagnostics point at its own file name, which goes
     * when the scenario closes; the list keeps copies. */
    for (size_t i = before; i < s->dl->n; i++)
        if (s->dl->v[i].loc.file) s->dl->v[i].loc.file = diag_intern(s->dl, s->dl->v[i].loc.file);
    if (rc != 0) {
        s->failed = true;
        if (rc == -3) s->oom = true;     /* out of memory, not a bad topology */
        return luaL_error(L, "topology '%s' has errors (listed above)", topo);
    }
    /* sampling = N overrides the topology's: a sweep over many seeds may
     * trade fidelity for speed without a second topology file. */
    double sampling = api_opt_number(L, 1, "sampling", 0, 0, 1e6);
    if (sampling > 0) {
        if (sampling < 1) return luaL_error(L, "sampling: must be at least 1");
        s->topo.sampling = sampling;
        s->topo.budget = 0;
    }
    s->declared = true;
    s->sim = sim_new(s->opt.seed);
    if (!s->sim) return api_oom_error(L, s);
    RespHooks rh = { .ud = s, .note = scenario_resp_note, .start = scenario_resp_start,
                     .done = scenario_resp_done, .engaged = scenario_resp_engaged,
                     .page = scenario_resp_page };
    s->resp = resp_new(s->sim, &rh);
    if (!s->resp) return api_oom_error(L, s);
    rng_init(&s->leads, s->opt.seed, "scenario:leads");
    rng_init(&s->support.rng, s->opt.seed, "scenario:support");
    s->support.pages = -1;
    ModelOptions mo = { .on_interval = scenario_on_interval, .ud = s, .on_deadlock = on_deadlock };
    s->model = model_new(&s->topo, s->sim, &mo);
    if (!s->model) return api_oom_error(L, s);
    s->res->sampling = model_sampling(s->model);
    sampling_warning(s);
    s->res->duration = s->duration;
    s->clock = calloc((size_t)s->topo.nsources + 1, sizeof *s->clock);
    if (!s->clock) return api_oom_error(L, s);
    s->comms.host = s->topo.status_page;
    if (s->comms.host >= 0) s->comms.used = true;
    return 0;
}

static int l_param(lua_State *L)
{
    Scenario *s = api_scenario(L);
    const char *name = luaL_checkstring(L, 1);
    luaL_checkany(L, 2);
    size_t len = strlen(name);
    const char *given = NULL;
    for (int i = 0; i < s->opt.nparams; i++)
        if (strncmp(s->opt.params[i], name, len) == 0 && s->opt.params[i][len] == '=')
            given = s->opt.params[i] + len + 1;
    /* Remember what the run used, for the summary and for replaying it. */
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.params");          // [name, dflt, params]
    lua_getfield(L, -1, name);
    if (!lua_isnil(L, -1)) return luaL_error(L, "param '%s' is declared twice", name);
    lua_pop(L, 1);
    if (!given) {
        /* A response_for{} file's params stand in for --param. */
        lua_getfield(L, LUA_REGISTRYINDEX, "fd.preset");      // [name, dflt, params, preset]
        lua_getfield(L, -1, name);                            // [.., preset, v]
        if (!lua_isnil(L, -1)) {
            luaL_tolstring(L, -1, NULL);                      // [.., preset, v, text]
            lua_replace(L, -3);                               // [.., text, v]
            lua_pop(L, 1);
            lua_insert(L, 3);                                 // [name, dflt, text, params]
            given = lua_tostring(L, 3);
        } else {
            lua_pop(L, 2);                                    // [name, dflt, params]
        }
    }
    if (!given) {
        lua_pushvalue(L, 2);
    } else {
        switch (lua_type(L, 2)) {
        case LUA_TNUMBER: {
            double v;
            const char *why;
            if (units_parse_number(given, &v, &why) < 0)
                return luaL_error(L, "--param %s=%s: %s", name, given, "expected a number");
            if (lua_isinteger(L, 2) && v == floor(v) && fabs(v) < 9e15)
                lua_pushinteger(L, (lua_Integer)v);
            else
                lua_pushnumber(L, v);
            break;
        }
        case LUA_TBOOLEAN:
            if (strcmp(given, "true") == 0) lua_pushboolean(L, 1);
            else if (strcmp(given, "false") == 0) lua_pushboolean(L, 0);
            else return luaL_error(L, "--param %s=%s: expected true or false", name, given);
            break;
        default:
            lua_pushstring(L, given);
        }
    }                                                         // [name, dflt, params, v]
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* ---- time ---- */

static void on_timer(Sim *sim, void *obj, uint64_t arg);

/* "15:20" or "15:20:30" in the scenario's local time, as simulated time;
 * the first such moment at or after the start. A duration ("+10m" or
 * "10m") counts from the start. */
static SimTime parse_when(lua_State *L, Scenario *s, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER) return api_check_duration(L, idx, "at");
    const char *str = luaL_checkstring(L, idx);
    int h, m, sec = 0, n = 0;
    if (strchr(str, ':') && sscanf(str, "%d:%d%n", &h, &m, &n) >= 2) {
        if (str[n] == ':' && sscanf(str + n, ":%d", &sec) != 1)
            luaL_error(L, "at: '%s' is not a time like 15:20", str);
        if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
            luaL_error(L, "at: '%s' is not a time like 15:20", str);
        int64_t local0 = s->res->wall_start + (int64_t)s->res->tz_minutes * 60;
        int64_t day0 = ((local0 % 86400) + 86400) % 86400;
        int64_t want = h * 3600 + m * 60 + sec;
        int64_t delta = want - day0;
        if (delta < 0) delta += 86400;
        return (SimTime)delta * FD_SEC;
    }
    /* "+10m" counts from now (from inside a callback, from its time);
     * a bare duration counts from the start of the run. */
    bool rel = str[0] == '+';
    lua_pushstring(L, rel ? str + 1 : str);
    SimTime t = api_check_duration(L, -1, "at");
    lua_pop(L, 1);
    return rel ? sim_now(s->sim) + t : t;
}

static int new_timer(lua_State *L, Scenario *s, SimTime at, SimTime every, int fn_idx)
{
    luaL_checktype(L, fn_idx, LUA_TFUNCTION);
    if (at < sim_now(s->sim)) at = sim_now(s->sim);
    /* The timer, its slot and its kernel event live in C memory. */
    if (!api_charge(s, 2 * sizeof(Timer) + 64))
        return luaL_error(L, "scenario stopped: %s", s->kill);
    if (s->ntimers == s->captimers) {
        int cap = s->captimers ? s->captimers * 2 : 16;
        Timer *v = realloc(s->timers, sizeof *v * (size_t)cap);
        if (!v) return api_oom_error(L, s);
        s->timers = v;
        s->captimers = cap;
    }
    int id = s->ntimers++;
    lua_pushvalue(L, fn_idx);
    s->timers[id] = (Timer){ .fn = luaL_ref(L, LUA_REGISTRYINDEX), .every = every };
    s->timers[id].ev = sim_at(s->sim, at, on_timer, s, (uint64_t)id);
    Timer **ud = lua_newuserdatauv(L, sizeof(int), 0);
    *(int *)ud = id;
    luaL_setmetatable(L, "fd.Timer");
    return 1;
}

static int l_at(lua_State *L)
{
    Scenario *s = api_need_model(L);
    return new_timer(L, s, parse_when(L, s, 1), 0, 2);
}

static int l_after(lua_State *L)
{
    Scenario *s = api_need_model(L);
    return new_timer(L, s, sim_now(s->sim) + api_check_duration(L, 1, "after"), 0, 2);
}

static int l_every(lua_State *L)
{
    Scenario *s = api_need_model(L);
    SimTime d = api_check_duration(L, 1, "every");
    if (d < FD_SEC) return luaL_error(L, "every: the period must be at least 1s");
    return new_timer(L, s, sim_now(s->sim) + d, d, 2);
}

static int l_timer_cancel(lua_State *L)
{
    Scenario *s = api_scenario(L);
    int id = *(int *)luaL_checkudata(L, 1, "fd.Timer");
    Timer *t = &s->timers[id];
    if (!t->cancelled) {
        t->cancelled = true;
        sim_cancel(s->sim, t->ev);
    }
    return 0;
}

static void on_timer(Sim *sim, void *obj, uint64_t arg)
{
    Scenario *s = obj;
    Timer *t = &s->timers[arg];
    if (t->cancelled || s->failed) return;
    if (t->every > 0) t->ev = sim_after(sim, t->every, on_timer, s, arg);
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, t->fn);              // [fn]
    if (t->every == 0) {
        luaL_unref(s->L, LUA_REGISTRYINDEX, t->fn);
        t->cancelled = true;
    }
    scenario_spawn_top(s, 0);
}

static int l_wait(lua_State *L)
{
    Scenario *s = api_need_model(L);
    SimTime d = api_check_duration(L, 1, "wait");
    if (!scenario_engine_thread(L))
        return luaL_error(L, "wait() only works inside at/after/every callbacks, alert handlers and "
                             "playbooks (not in a coroutine the script made)");
    lua_pushliteral(L, "fd.wait");
    lua_pushinteger(L, (lua_Integer)(sim_now(s->sim) + d));
    return lua_yield(L, 2);
}

/* seconds("5m") -> 300: durations for the library's own arithmetic. */
static int l_seconds(lua_State *L)
{
    lua_pushnumber(L, fd_time_sec(api_check_duration(L, 1, "seconds")));
    return 1;
}

static int l_now(lua_State *L)
{
    Scenario *s = api_scenario(L);
    lua_pushnumber(L, s->sim ? fd_time_sec(sim_now(s->sim)) : 0);
    return 1;
}

static int l_clock(lua_State *L)
{
    Scenario *s = api_scenario(L);
    char buf[16];
    result_clock(s->res, s->sim ? sim_now(s->sim) : 0, true, buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

const luaL_Reg api_scenario_fns[] = {
    { "scenario", l_scenario },       { "param", l_param },
    { "at", l_at },                   { "after", l_after },
    { "every", l_every },             { "wait", l_wait },
    { "now", l_now },                 { "clock", l_clock },
    { "seconds", l_seconds },
    { NULL, NULL },
};

const luaL_Reg api_timer_methods[] = {
    { "cancel", l_timer_cancel },
    { NULL, NULL },
};
