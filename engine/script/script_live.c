/*
 * script_live.c: what a game day adds to a scenario.
 *
 * A scenario keeps the incident (faults, deploys, users) apart from the
 * reference response (teams' handlers). In a game day people play some
 * teams: their on_page handlers, and the on_alert handlers of alerts that
 * page them, do not run, and their pages wait for someone to acknowledge.
 * The rest of the scenario runs as written.
 *
 * The bindings here are the ones people need and playbooks replay:
 *   ack(team)            someone of the team acknowledges (or joins)
 *   inspect{...}         a person looks at a service's instances: text
 *   inject{...}          a surprise the facilitator may fire; inject(name) fires it
 *   hint(text)           a hint the facilitator may give
 *   response_for{...}    this file is a response to another scenario's incident
 *
 * Commands run as threads of their own (scenario_live_command); when one
 * ends, what it returned goes back to the person through the live hooks.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fspath.h"
#include "script/api_schema.h"
#include "script/script_internal.h"

static char *dup_or(Scenario *s, const char *text)
{
    char *d = strdup(text ? text : "");
    if (!d) s->oom = true;
    return d;
}

/* ---- played teams ---- */

static int find_team(const Scenario *s, const char *name)
{
    for (int i = 0; i < s->nteams; i++)
        if (strcmp(s->teams[i].name, name) == 0) return i;
    return -1;
}

static int mark_played(Scenario *s, const char *name, const char *how)
{
    if (strcmp(name, "*") == 0) {
        for (int i = 0; i < s->nteams; i++) s->played[i] = true;
        return 0;
    }
    int t = find_team(s, name);
    if (t < 0) {
        FdLoc loc = { diag_intern(s->dl, s->path), 0, 0 };
        diag_error(s->dl, loc, "%s %s: the scenario declares no team '%s'", how, name, name);
        return -1;
    }
    s->played[t] = true;
    return 0;
}

int live_resolve(Scenario *s)
{
    s->played = calloc((size_t)s->nteams + 1, sizeof *s->played);
    if (!s->played) return -3;
    for (int i = 0; i < s->opt.nplay; i++)
        if (mark_played(s, s->opt.play[i], "--play") < 0) return -1;
    for (int i = 0; i < s->nplay_names; i++)
        if (mark_played(s, s->play_names[i], "response_for: teams:") < 0) return -1;
    for (int i = 0; i < s->nteams; i++)
        if (s->played[i]) resp_set_human(s->resp, i, true);
    return 0;
}

bool live_skip_team(const Scenario *s, int team) { return s->played && s->played[team]; }

bool live_skip_alert(const Scenario *s, int alert)
{
    const Alert *a = &s->alerts[alert];
    for (int i = 0; i < a->npages; i++)
        if (live_skip_team(s, a->pages[i])) return true;
    return false;
}

void live_free(Scenario *s)
{
    free(s->played);
    for (int i = 0; i < s->nplay_names; i++) free(s->play_names[i]);
    free(s->play_names);
    for (int i = 0; i < s->ninjects; i++) {
        free(s->injects[i].name);
        free(s->injects[i].what);
    }
    free(s->injects);
    for (int i = 0; i < s->nhints; i++) free(s->hints[i]);
    free(s->hints);
}

/* ---- what people find ---- */

static const char *const cause_label[FAIL_NCAUSES] = {
    "rejected (queue full, shed or breaker open)", "timed out waiting downstream",
    "a dependency failed", "bad configuration data", "no instance to take it",
    "the service's own error",
};

static void addf(luaL_Buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(luaL_Buffer *b, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    luaL_addstring(b, buf);
}

/* What a diagnosis finds: the hidden truth about one component. */
void live_finding(Scenario *s, const char *component, luaL_Buffer *b)
{
    const Topo *t = &s->topo;
    int cfg = topo_find_config(t, component);
    if (cfg >= 0) {
        char bad[512] = "";
        int nbad = 0;
        for (int r = 0; r < t->nregions; r++)
            if (model_config_bad(s->model, cfg, r)) {
                if (nbad++) strncat(bad, ", ", sizeof bad - strlen(bad) - 1);
                strncat(bad, t->regions[r].name, sizeof bad - strlen(bad) - 1);
            }
        if (nbad) addf(b, "%s holds bad data in %s: the services that read it fail their requests. "
                          "Rolling back code does not repair data (repair_config %s).",
                       component, nbad == t->nregions ? "every region" : bad, component);
        else addf(b, "%s: the data is good.", component);
        return;
    }
    int svc = topo_find_service(t, component);
    if (svc < 0) { addf(b, "%s: nothing known by that name.", component); return; }
    const TopoService *ts = &t->services[svc];
    bool any = false;
    for (int k = 0; k < ts->nconfigs; k++)
        for (int r = 0; r < t->nregions; r++)
            if (model_config_bad(s->model, ts->configs[k], r)) {
                addf(b, "%s reads %s, which holds bad data in %s.\n", component,
                     t->configs[ts->configs[k]].name, t->regions[r].name);
                any = true;
            }
    for (int d = 0; d < ts->ndeploy; d++) {
        int r = ts->deploy[d].region;
        const char *rn = t->regions[r].name;
        if (model_deadlocked(s->model, svc, r)) {
            const char *plat = ts->runs_on >= 0 ? t->services[ts->runs_on].name : "its platform";
            addf(b, "%s in %s cannot start: its instances wait for %s to schedule them, and %s "
                    "needs %s to work (a circular dependency). Only a restart by hand, bypassing "
                    "the platform, breaks it.\n", component, rn, plat, plat, component);
            any = true;
        } else if (model_stalled(s->model, svc, r)) {
            int on = model_waiting_on(s->model, svc, r);
            addf(b, "%s in %s: instances wait for %s to schedule them, and it is not doing so.\n",
                 component, rn, on >= 0 ? t->services[on].name : "their platform");
            any = true;
        }
        int v = model_version(s->model, svc, r);
        if (v > 1) {
            addf(b, "%s in %s runs version v%d.\n", component, rn, v);
            any = true;
        }
        const PoolStats *p = model_last_pool(s->model, svc, r);
        if (p && p->hung > 0) {
            addf(b, "%s in %s: %d instance(s) accept requests and never answer (hung).\n", component,
                 rn, p->hung);
            any = true;
        }
    }
    if (!any) addf(b, "%s: no fault of its own found; look at what it calls.", component);
}

/* inspect's text: instance states, queues and recent errors by cause, per
 * region, from the last metrics interval: what a person sees on the
 * service's own dashboards and logs. */
static void inspect_text(Scenario *s, int svc, int region, luaL_Buffer *b)
{
    const Topo *t = &s->topo;
    const TopoService *ts = &t->services[svc];
    addf(b, "%s%s%s\n", ts->name, region >= 0 ? " in " : "", region >= 0 ? t->regions[region].name : "");
    addf(b, "%-10s %5s %6s %6s %5s %7s %6s %9s  %s\n", "region", "up", "start", "wait", "hung",
         "queue", "util", "req/s", "failing (last interval)");
    for (int d = 0; d < ts->ndeploy; d++) {
        int r = ts->deploy[d].region;
        if (region >= 0 && r != region) continue;
        const PoolStats *p = model_last_pool(s->model, svc, r);
        if (!p) continue;
        double secs = fd_time_sec(s->topo.interval);
        if (!(secs > 0)) secs = 1;
        double failed = 0;
        for (int c = 0; c < FAIL_NCAUSES; c++) failed += p->failed[c];
        char why[256] = "none";
        if (failed > 0) {
            int best = 0;
            for (int c = 1; c < FAIL_NCAUSES; c++)
                if (p->failed[c] > p->failed[best]) best = c;
            double answered = p->ok + p->degraded + failed;
            snprintf(why, sizeof why, "%.0f%%, mostly %s", answered > 0 ? 100 * failed / answered : 0,
                     cause_label[best]);
        }
        addf(b, "%-10s %5d %6d %6d %5d %7.1f %5.0f%% %9.1f  %s\n", t->regions[r].name,
             p->instances[INST_UP], p->instances[INST_STARTING], p->instances[INST_WAITING], p->hung,
             p->queue, 100 * p->utilisation, p->offered / secs, why);
    }
}

/* ---- bindings ---- */

/* ack(team) -> a page was open: someone of the team acknowledges now (or,
 * with no page, joins the incident of their own accord). */
static int l_ack(lua_State *L)
{
    Scenario *s = api_scenario(L);
    if (!s->resp) return luaL_error(L, "ack: declare the scenario first");
    const char *name = luaL_checkstring(L, 1);
    int team = find_team(s, name);
    if (team < 0) return luaL_error(L, "ack: unknown team '%s'", name);
    if (resp_oncall(s->resp, team) <= 0) return luaL_error(L, "team '%s' has nobody on call", name);
    lua_pushboolean(L, resp_ack(s->resp, team));
    return 1;
}

static int inspect_k(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    Scenario *s = api_scenario(L);
    int svc = (int)(ctx >> 16), region = (int)(ctx & 0xffff) - 1;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    inspect_text(s, svc, region, &b);
    luaL_pushresult(&b);
    return 1;
}

/* inspect{ service, region?, team, takes? } -> text: a person of the team
 * looks at the service's instances (a human time: median 2 min, p99 8
 * min by default), then reads out what they saw. */
static int l_inspect(lua_State *L)
{
    Scenario *s = api_scenario(L);
    if (!s->model) return luaL_error(L, "inspect: declare the scenario first");
    luaL_checktype(L, 1, LUA_TTABLE);
    api_check_keys(L, 1, "inspect");
    int svc = api_check_service(L, s, 1, "service");
    int region = api_opt_region(L, s, 1, "region");
    int team = api_team_ready(L, s, 1, "team", "inspect");
    Dist takes, look;   /* a look around: median 2 min, p99 8 min */
    dist_lognormal(&look, 120, 480, NULL);
    api_opt_dist(L, 1, "takes", &takes, &look);
    RespWork w = { .kind = RESP_ACT, .misdiagnose = -1 };
    return api_work(L, s, team, &w, &takes, inspect_k, ((lua_KContext)svc << 16) | (region + 1));
}

static Inject *find_inject(Scenario *s, const char *name)
{
    for (int i = 0; i < s->ninjects; i++)
        if (strcmp(s->injects[i].name, name) == 0) return &s->injects[i];
    return NULL;
}

/* inject{ name, what, run = fn } declares; inject(name) fires it. */
static int l_inject(lua_State *L)
{
    Scenario *s = api_scenario(L);
    if (lua_type(L, 1) == LUA_TSTRING) {
        if (scenario_fire_inject(s, lua_tostring(L, 1)) < 0)
            return luaL_error(L, "inject: the scenario declares no inject '%s'", lua_tostring(L, 1));
        return 0;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    api_check_keys(L, 1, "inject");
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    if (!name) return luaL_error(L, "inject: name is required");
    if (find_inject(s, name)) return luaL_error(L, "inject '%s' is declared twice", name);
    lua_getfield(L, 1, "what");
    const char *what = lua_tostring(L, -1);
    lua_getfield(L, 1, "run");
    if (!lua_isfunction(L, -1)) return luaL_error(L, "inject: run must be a function");
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.injects");         // [.., name, what, fn, injects]
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 2);
    if (s->ninjects == s->capinjects) {
        int cap = s->capinjects ? s->capinjects * 2 : 4;
        Inject *v = realloc(s->injects, sizeof *v * (size_t)cap);
        if (!v) { s->oom = true; return luaL_error(L, "out of memory"); }
        s->injects = v;
        s->capinjects = cap;
    }
    Inject *in = &s->injects[s->ninjects++];
    *in = (Inject){ .name = dup_or(s, name), .what = dup_or(s, what ? what : name) };
    if (s->oom) return luaL_error(L, "out of memory");
    return 0;
}

static int l_hint(lua_State *L)
{
    Scenario *s = api_scenario(L);
    const char *text = luaL_checkstring(L, 1);
    if (s->nhints == s->caphints) {
        int cap = s->caphints ? s->caphints * 2 : 4;
        char **v = realloc(s->hints, sizeof *v * (size_t)cap);
        if (!v) { s->oom = true; return luaL_error(L, "out of memory"); }
        s->hints = v;
        s->caphints = cap;
    }
    s->hints[s->nhints] = dup_or(s, text);
    if (s->oom) return luaL_error(L, "out of memory");
    s->nhints++;
    return 0;
}

/* response_for{ scenario = "../tencent/scenario.lua", teams = {...},
 * params = {...} }: this file is a response to that scenario's incident.
 * The scenario runs as its own top level (its relative paths from its own
 * folder), the named teams' reference response does not, and what follows
 * in this file is their response instead. */
static int l_response_for(lua_State *L)
{
    Scenario *s = api_scenario(L);
    if (s->declared) return luaL_error(L, "response_for: call it first, before scenario{}");
    luaL_checktype(L, 1, LUA_TTABLE);
    api_check_keys(L, 1, "response_for");
    lua_getfield(L, 1, "scenario");
    const char *base = lua_tostring(L, -1);
    if (!base) return luaL_error(L, "response_for: scenario is required");
    size_t n = strlen(base);
    if (n < 5 || strcmp(base + n - 4, ".lua") != 0)
        return luaL_error(L, "response_for: scenario: expected a .lua file, got '%s'", base);
    char path[4096];
    if (base[0] == '/') snprintf(path, sizeof path, "%s", base);
    else snprintf(path, sizeof path, "%s/%s", s->dir, base);
    lua_getfield(L, 1, "teams");
    if (!lua_istable(L, -1)) return luaL_error(L, "response_for: teams: expected a list of team names");
    int nt = (int)lua_rawlen(L, -1);
    char **names = calloc((size_t)nt + 1, sizeof *names);
    if (!names) { s->oom = true; return luaL_error(L, "out of memory"); }
    for (int i = 0; i < s->nplay_names; i++) free(s->play_names[i]);
    free(s->play_names);
    s->play_names = names;
    s->nplay_names = 0;
    for (int i = 1; i <= nt; i++) {
        lua_rawgeti(L, -1, i);
        const char *tn = lua_tostring(L, -1);
        if (!tn) return luaL_error(L, "response_for: teams: expected a list of team names");
        if (!(names[s->nplay_names] = strdup(tn))) { s->oom = true; return luaL_error(L, "out of memory"); }
        s->nplay_names++;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* The params the game day ran with, unless --param says otherwise. */
    lua_getfield(L, 1, "params");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) return luaL_error(L, "response_for: params: expected a table");
        lua_getfield(L, LUA_REGISTRYINDEX, "fd.preset");     // [.., params, preset]
        lua_pushnil(L);
        while (lua_next(L, -3)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "response_for: params: expected name = value");
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_settable(L, -4);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    /* From here on the base scenario's folder is the folder. */
    char *dir = strdup(path);
    if (!dir) { s->oom = true; return luaL_error(L, "out of memory"); }
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    free(s->dir);
    s->dir = dir;
    size_t len = 0;
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return luaL_error(L, "response_for: cannot read '%s': %s", base, strerror(errno));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char chunk[4096];
    while ((len = fread(chunk, 1, sizeof chunk, f)) > 0) luaL_addlstring(&b, chunk, len);
    fclose(f);
    luaL_pushresult(&b);                                      // [.., text]
    size_t tl;
    const char *text = lua_tolstring(L, -1, &tl);
    s->res->inputs = fd_digest_fold(s->res->inputs, fd_digest_add(FD_DIGEST_INIT, text, tl));
    lua_pushfstring(L, "@%s", path);
    if (luaL_loadbufferx(L, text, tl, lua_tostring(L, -1), "t") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 0);
    return 0;
}

void live_register(Scenario *s, lua_State *L)
{
    (void)s;
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.injects");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.preset");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.console");
    static const luaL_Reg fns[] = {
        { "ack", l_ack },     { "inspect", l_inspect },           { "inject", l_inject },
        { "hint", l_hint },   { "response_for", l_response_for }, { NULL, NULL },
    };
    lua_pushglobaltable(L);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}

/* ---- the live run's side ---- */

int scenario_fire_inject(Scenario *s, const char *name)
{
    Inject *in = find_inject(s, name);
    if (!in) return -1;
    in->fired = true;
    api_note(s, RE_FAULT, in->name, NULL, "inject %s: %s", in->name, in->what);
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.injects");        // [.., injects]
    lua_getfield(L, -1, name);                                // [.., injects, fn]
    lua_remove(L, -2);                                        // [.., fn]
    scenario_spawn_top(s, 0);                                 // [..]
    return 0;
}

int scenario_ninjects(const Scenario *s) { return s->ninjects; }
const char *scenario_inject_name(const Scenario *s, int i) { return s->injects[i].name; }
const char *scenario_inject_what(const Scenario *s, int i) { return s->injects[i].what; }
bool scenario_inject_fired(const Scenario *s, int i) { return s->injects[i].fired; }
int scenario_nhints(const Scenario *s) { return s->nhints; }
const char *scenario_hint(const Scenario *s, int i) { return s->hints[i]; }
int scenario_nteams(const Scenario *s) { return s->nteams; }
const char *scenario_team(const Scenario *s, int i) { return s->teams[i].name; }
bool scenario_team_played(const Scenario *s, int i) { return live_skip_team(s, i); }
int scenario_team_oncall(const Scenario *s, int i) { return resp_oncall(s->resp, i); }
int scenario_nalerts(const Scenario *s) { return s->nalerts; }
const char *scenario_alert_name(const Scenario *s, int i) { return s->alerts[i].name; }
const char *scenario_alert_what(const Scenario *s, int i) { return s->alerts[i].what; }
bool scenario_alert_is_firing(const Scenario *s, int i) { return s->alerts[i].firing; }
const char *scenario_name(const Scenario *s) { return s->res->scenario; }
size_t scenario_memory(const Scenario *s) { return s->mem; }
