/*
 * api_responders.c: the responders (team, page, diagnose, act) and the
 * incident (declare, note, the status page).
 *
 * The responders themselves live in model/resp.c: teams, people on call,
 * pages and a work queue. A binding that waits for people (page, diagnose,
 * act; a manual restart too) queues there and parks its engine thread with
 * a token (api_park); resp.c's hooks wake it with the answer. Only the
 * engine's own threads may wait, and work goes only to a team that was
 * paged (api_team_ready).
 */
#include "script/api_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parks the calling engine thread until the responders answer `token`;
 * what the call returns is what the wake pushes. */
int api_park(lua_State *L, Scenario *s, uint64_t token, lua_KFunction k, lua_KContext ctx)
{
    (void)s;
    if (!k) lua_settop(L, 0);
    lua_pushliteral(L, "fd.park");
    lua_pushinteger(L, (lua_Integer)token);
    return lua_yieldk(L, 2, ctx, k);
}

int api_work(lua_State *L, Scenario *s, int team, RespWork *w, Dist *takes, lua_KFunction k,
             lua_KContext ctx)
{
    w->takes = takes;
    uint64_t token = ++s->next_wait;
    int rc = resp_work(s->resp, team, w, token);
    dist_free(takes);
    if (rc < 0) return api_oom_error(L, s);
    return api_park(L, s, token, k, ctx);
}

/* Only the engine's own threads may wait for people: a thread the script
 * made with coroutine.create would yield to the script, not to firedrill. */
static void need_engine_thread(lua_State *L, const char *fn)
{
    if (!scenario_engine_thread(L))
        luaL_error(L, "%s: responders act only inside alert handlers, timers and playbooks "
                      "(not in a coroutine the script made)", fn);
}

/* The team named by t[field] (or the value at idx when field is NULL),
 * checked: it has been paged, someone is on call, and the caller may wait. */
int api_team_ready(lua_State *L, Scenario *s, int idx, const char *field, const char *fn)
{
    int team = api_check_named(L, idx, field, "team", n_team, team_name);
    need_engine_thread(L, fn);
    if (resp_oncall(s->resp, team) <= 0)
        luaL_error(L, "team '%s' has nobody on call", s->teams[team].name);
    if (!resp_paged(s->resp, team))
        luaL_error(L, "%s: team '%s' was never paged: page it first (page(\"%s\"), an alert's "
                      "page = \"%s\", declare's page, or the support channel)",
                   fn, s->teams[team].name, s->teams[team].name, s->teams[team].name);
    return team;
}

/* Defaults for human times, in seconds: see docs/api.md ("Human times")
 * for where each comes from. */
static void default_dists(Dist *ack, Dist *diag, Dist *unowned, Dist *handoff)
{
    dist_lognormal(ack, 3 * 60, 20 * 60, NULL);
    dist_lognormal(diag, 15 * 60, 90 * 60, NULL);
    dist_lognormal(unowned, 60 * 60, 6 * 3600, NULL);
    dist_lognormal(handoff, 5 * 60, 20 * 60, NULL);
}

static int l_team(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "team");
    lua_getfield(L, 1, "name");
    const char *name = lua_tostring(L, -1);
    if (!name) return luaL_error(L, "team: name is required");
    if (resp_find(s->resp, name) >= 0) return luaL_error(L, "team '%s' is declared twice", name);
    if (s->nteams == s->capteams) {
        int cap = s->capteams ? s->capteams * 2 : 8;
        Team *v = realloc(s->teams, sizeof *v * (size_t)cap);
        if (!v) return api_oom_error(L, s);
        s->teams = v;
        s->capteams = cap;
    }
    RespTeamSpec sp = { .name = name };
    sp.oncall = (int)api_opt_number(L, 1, "oncall", 1, 0, 1000);
    sp.misdiagnose = api_opt_fraction(L, 1, "misdiagnose", 0);
    lua_getfield(L, 1, "secondary");
    if (!lua_isnil(L, -1) && !lua_isstring(L, -1)) return luaL_error(L, "secondary: expected a team name");
    sp.secondary = lua_tostring(L, -1);                       // [opts, name, secondary]
    sp.escalate = api_opt_duration(L, 1, "escalate", sp.secondary ? 15 * FD_MIN : 0);
    if (sp.escalate > 0 && !sp.secondary)
        return luaL_error(L, "escalate: name the secondary the page escalates to (secondary = ...)");
    /* The defaults, the options as given and the unowned default, held so
     * that a mistake in a later option frees those made before it. */
    Dist *d = api_dists(L, 9);
    Dist *dack = &d[0], *ddiag = &d[1], *down = &d[2], *dhand = &d[3], *four = &d[4];
    default_dists(dack, ddiag, down, dhand);
    api_opt_dist(L, 1, "ack", &d[5], dack);
    api_opt_dist(L, 1, "diagnose", &d[6], ddiag);
    /* Unowned: four times the team's own diagnosis unless given. */
    bool copied = true;
    if (d[6].kind == DIST_CONST) dist_const(four, d[6].a * 4, NULL);
    else if (d[6].kind == DIST_LOGNORMAL)
        dist_lognormal(four, 4 * dist_quantile(&d[6], 0.5), 4 * dist_quantile(&d[6], 0.99), NULL);
    else if (dist_copy(four, down) < 0) copied = false;
    lua_getfield(L, 1, "diagnose");
    bool own_diag = !lua_isnil(L, -1);
    lua_pop(L, 1);
    /* A copy that ran out of memory adds no team. */
    int idx = -1;
    if (copied) {
        api_opt_dist(L, 1, "unowned", &d[7], own_diag ? four : down);
        api_opt_dist(L, 1, "handoff", &d[8], dhand);
        sp.ack = d[5];
        sp.diagnose = d[6];
        sp.unowned = d[7];
        sp.handoff = d[8];
        idx = resp_add_team(s->resp, &sp);   /* copies the distributions */
    }
    for (int i = 0; i < 9; i++) dist_free(&d[i]);
    lua_pop(L, 1);
    if (idx < 0) return api_oom_error(L, s);
    /* In the list at once, so that whatever is made here is freed with the
     * scenario even when a mistake below stops the run. */
    assert(idx == s->nteams);
    Team *t = &s->teams[s->nteams++];
    *t = (Team){ 0 };
    t->name = strdup(name);
    luaL_where(L, 1);
    t->where = strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    if (!t->name || !t->where) return api_oom_error(L, s);
    lua_getfield(L, 1, "skills");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) return luaL_error(L, "skills: expected a list of names");
        int n = (int)lua_rawlen(L, -1);
        t->skills = calloc((size_t)n + 1, sizeof *t->skills);
        if (!t->skills) return api_oom_error(L, s);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, -1, i + 1);
            const char *sk = lua_tostring(L, -1);
            if (!sk) return luaL_error(L, "skills: expected a list of names");
            if (!(t->skills[t->nskills] = strdup(sk))) return api_oom_error(L, s);
            t->nskills++;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 0;
}

/* Whether a team with someone on call owns the component: its skills name
 * the component, or the component's owner (from the topology). */
static bool owned(Scenario *s, int team, const char *component)
{
    const Team *t = &s->teams[team];
    if (resp_oncall(s->resp, team) <= 0) return false;
    int svc = topo_find_service(&s->topo, component);
    const char *owner = svc >= 0 ? s->topo.services[svc].owner : NULL;
    if (owner && strcmp(owner, t->name) == 0) return true;
    for (int i = 0; i < t->nskills; i++)
        if (strcmp(t->skills[i], component) == 0 || (owner && strcmp(t->skills[i], owner) == 0))
            return true;
    return false;
}

/* A wrong lead for a diagnosis of `comp`: a service next to it in the
 * graph (a caller or a callee; for a configuration item, a reader), drawn
 * from the scenario's leads stream. NULL when it has no neighbour. */
static const char *wrong_lead(Scenario *s, const char *comp)
{
    const Topo *t = &s->topo;
    int svc = topo_find_service(t, comp), cfg = topo_find_config(t, comp);
    int cand[256], n = 0;
    for (int v = 0; v < t->nservices && n < 256; v++) {
        bool near = false;
        const TopoService *ts = &t->services[v];
        for (int c = 0; c < ts->ncalls; c++) near = near || (svc >= 0 && ts->calls[c].target == svc);
        for (int c = 0; c < ts->nconfigs; c++) near = near || (cfg >= 0 && ts->configs[c] == cfg);
        if (svc >= 0)
            for (int c = 0; c < t->services[svc].ncalls; c++) near = near || t->services[svc].calls[c].target == v;
        if (near && v != svc) cand[n++] = v;
    }
    if (n == 0) return NULL;
    return t->services[cand[rng_below(&s->leads, (uint64_t)n)]].name;
}

/* After the work: (ok, team) from the responders, and what was found. */
static int diagnose_k(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    Scenario *s = api_scenario(L);
    lua_getfield(L, 1, "component");                          // [opts, .., ok, team, comp]
    const char *comp = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    live_finding(s, comp, &b);
    luaL_pushresult(&b);                                      // [.., ok, team, comp, found]
    lua_remove(L, -2);
    return 3;
}

/* diagnose{component = "storage", team = "sre" [, takes, misdiagnose]}: a
 * responder of the team works out what is wrong with the component: the
 * team's diagnosis time when an on-call team owns it, its much longer
 * `unowned` time when nobody does. It may first follow a wrong lead. */
static int l_diagnose(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "diagnose");
    lua_getfield(L, 1, "component");
    const char *comp = lua_tostring(L, -1);
    if (!comp) return luaL_error(L, "diagnose: component is required");
    if (topo_find_service(&s->topo, comp) < 0 && topo_find_config(&s->topo, comp) < 0) {
        const char *cands[512];
        size_t n = 0;
        for (int i = 0; i < s->topo.nservices && n < 512; i++) cands[n++] = s->topo.services[i].name;
        for (int i = 0; i < s->topo.nconfigs && n < 512; i++) cands[n++] = s->topo.configs[i].name;
        const char *near = diag_suggest(comp, cands, n);
        if (near) return luaL_error(L, "unknown component '%s' (did you mean '%s'?)", comp, near);
        return luaL_error(L, "unknown component '%s'", comp);
    }
    int team = api_team_ready(L, s, 1, "team", "diagnose");
    bool by_owner = false;
    for (int i = 0; i < s->nteams; i++)
        if (owned(s, i, comp)) by_owner = true;
    /* Configuration items are owned by whoever owns a service that reads them. */
    int cfg = topo_find_config(&s->topo, comp);
    if (cfg >= 0)
        for (int v = 0; v < s->topo.nservices && !by_owner; v++)
            for (int k = 0; k < s->topo.services[v].nconfigs; k++)
                if (s->topo.services[v].configs[k] == cfg)
                    for (int i = 0; i < s->nteams; i++)
                        if (owned(s, i, s->topo.services[v].name)) by_owner = true;
    double mis = -1;
    lua_getfield(L, 1, "misdiagnose");
    bool has_mis = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_mis) mis = api_opt_fraction(L, 1, "misdiagnose", 0);
    Dist takes;
    lua_getfield(L, 1, "takes");
    bool has_takes = !lua_isnil(L, -1);
    if (has_takes) api_check_dist(L, -1, "takes", &takes);
    lua_pop(L, 1);
    RespWork w = { .kind = RESP_DIAGNOSE, .takes = has_takes ? &takes : NULL, .owned = by_owner,
                   .misdiagnose = mis, .what = comp, .wrong = wrong_lead(s, comp) };
    lua_pushstring(L, comp);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.diagnosing");
    uint64_t token = ++s->next_wait;
    int rc = resp_work(s->resp, team, &w, token);
    if (has_takes) dist_free(&takes);
    if (rc < 0) return api_oom_error(L, s);
    lua_settop(L, 1);
    return api_park(L, s, token, diagnose_k, 0);
}

/* act{team = "sre", takes = "5m" [, what = "..."]}: a responder is busy for
 * that long (a duration or a distribution). */
static int l_act(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "act");
    int team = api_team_ready(L, s, 1, "team", "act");
    Dist takes, minute;
    dist_const(&minute, 60, NULL);
    api_opt_dist(L, 1, "takes", &takes, &minute);
    lua_getfield(L, 1, "what");
    if (!lua_isnil(L, -1) && !lua_isstring(L, -1)) {
        dist_free(&takes);
        return luaL_error(L, "what: expected a text");
    }
    RespWork w = { .kind = RESP_ACT, .misdiagnose = -1, .what = lua_tostring(L, -1) };
    return api_work(L, s, team, &w, &takes, NULL, 0);
}

/* page(team [, { from = "api", why = "..." }]) -> acknowledged, who: waits
 * until someone acknowledges (the team, or the secondary it escalates to).
 * Returns false when nobody ever can. */
static int l_page(lua_State *L)
{
    Scenario *s = api_need_model(L);
    int team = api_check_named(L, 1, NULL, "team", n_team, team_name);
    int from = -1;
    const char *why = NULL;
    if (!lua_isnoneornil(L, 2)) {
        api_check_keys(L, 2, "page");
        lua_getfield(L, 2, "from");
        bool has = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (has) from = api_check_named(L, 2, "from", "team", n_team, team_name);
        if (from == team) return luaL_error(L, "page: a team cannot hand off to itself");
        lua_getfield(L, 2, "why");
        why = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    need_engine_thread(L, "page");
    uint64_t token = ++s->next_wait;
    if (resp_page(s->resp, team, from, why, token) < 0) return api_oom_error(L, s);
    return api_park(L, s, token, NULL, 0);
}

/* Pages each team named by the string or list at idx (no waiting). */
static void page_all(lua_State *L, Scenario *s, int idx, const char *why)
{
    idx = lua_absindex(L, idx);
    int n = lua_istable(L, idx) ? (int)lua_rawlen(L, idx) : 1;
    for (int i = 1; i <= n; i++) {
        if (lua_istable(L, idx)) lua_rawgeti(L, idx, i);
        else lua_pushvalue(L, idx);
        int team = api_check_named(L, lua_gettop(L), NULL, "team", n_team, team_name);
        lua_pop(L, 1);
        if (resp_page(s->resp, team, -1, why, 0) < 0) api_oom_error(L, s);
    }
}

/* ---- the incident and the timeline ---- */

/* declare(severity?, why?, { page = {...} }?): the incident is declared;
 * the first declaration (or alert, or the support channel) detects it. */
static int l_declare(lua_State *L)
{
    Scenario *s = api_need_model(L);
    const char *sev = luaL_optstring(L, 1, "incident");
    const char *why = luaL_optstring(L, 2, NULL);
    if (why) api_note(s, RE_INCIDENT, NULL, NULL, "%s declared: %s", sev, why);
    else api_note(s, RE_INCIDENT, NULL, NULL, "%s declared", sev);
    scenario_detected(s, "%s declared", sev);
    if (!lua_isnoneornil(L, 3)) {
        api_check_keys(L, 3, "declare");
        lua_getfield(L, 3, "page");
        char what[128];
        snprintf(what, sizeof what, "%s declared", sev);
        if (!lua_isnil(L, -1)) page_all(L, s, -1, what);
        lua_pop(L, 1);
    }
    return 0;
}

static int l_note(lua_State *L)
{
    Scenario *s = api_scenario(L);
    api_note(s, RE_NOTE, NULL, NULL, "%s", luaL_checkstring(L, 1));
    if (s->kill) return luaL_error(L, "scenario stopped: %s", s->kill);
    return 0;
}

/* status_page{ text = "...", state = "investigating", host = "console" }:
 * a notice on the status page (script_comms.c). A page whose host (or a
 * service it calls critically) is down cannot post. */
static int l_status_page(lua_State *L)
{
    Scenario *s = api_need_model(L);
    api_check_keys(L, 1, "status_page");
    lua_getfield(L, 1, "text");                               // [text]
    const char *text = lua_tostring(L, -1);
    if (!text) return luaL_error(L, "status_page: text is required");
    lua_getfield(L, 1, "state");                              // [text, state]
    int k = 0;                                               /* investigating */
    if (!lua_isnil(L, -1)) {
        const char *st = lua_tostring(L, -1);
        const char *const *states = scenario_page_states;
        while (st && states[k] && strcmp(states[k], st) != 0) k++;
        if (!st || !states[k]) {
            const char *best = st ? diag_suggest(st, states, 5) : NULL;
            if (best)
                return luaL_error(L, "status_page: unknown state '%s' (did you mean '%s'?)", st, best);
            return luaL_error(L, "status_page: state must be one of investigating, identified, "
                                 "monitoring, resolved, operational");
        }
    }
    lua_getfield(L, 1, "host");                               // [text, state, host]
    int host = lua_isnil(L, -1) ? -1 : api_check_service(L, s, 1, "host");
    bool ok = comms_post(s, text, k, host);
    if (s->oom) return api_oom_error(L, s);
    lua_pushboolean(L, ok);
    return 1;
}

/* status_effects{ accurate_reports = 0.6, accurate_reattempt = 0.5,
 * wrong_reports = 1.5, stale_after = "1h" }: what reading the status page
 * does to customers (script_comms.c; defaults in docs/api.md). */
static int l_status_effects(lua_State *L)
{
    Scenario *s = api_scenario(L);
    api_check_keys(L, 1, "status_effects");
    Comms *c = &s->comms;
    c->accurate_reports = api_opt_number(L, 1, "accurate_reports", c->accurate_reports, 0, 1);
    c->accurate_reattempt = api_opt_number(L, 1, "accurate_reattempt", c->accurate_reattempt, 0, 1);
    c->wrong_reports = api_opt_number(L, 1, "wrong_reports", c->wrong_reports, 1, 100);
    c->stale_after = api_opt_duration(L, 1, "stale_after", c->stale_after);
    if (c->stale_after <= 0) return luaL_error(L, "stale_after: must be more than 0");
    return 0;
}

const luaL_Reg api_responder_fns[] = {
    { "team", l_team },               { "diagnose", l_diagnose },
    { "act", l_act },                 { "page", l_page },
    { "declare", l_declare },         { "note", l_note },
    { "status_page", l_status_page }, { "status_effects", l_status_effects },
    { NULL, NULL },
};
