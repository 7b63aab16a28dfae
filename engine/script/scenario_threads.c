/*
 * scenario_threads.c: the engine's Lua threads, parked and resumed in
 * simulated time.
 *
 * Every timer callback, alert handler, on_page handler, playbook and live
 * command runs in a thread of its own, made here and marked as the
 * engine's (the registry's "fd.threads"), so any of them may wait. A thread
 * that yields ("fd.wait", t) is parked with a kernel event at t; one that
 * yields ("fd.park", token) is parked with no event until the responders
 * answer the token (scenario_resp_done). A thread that yields anything
 * else, or raises an error, becomes a located diagnostic and stops the run;
 * a live command's end, error or not, goes back to the person who typed it.
 *
 * The responders' hooks (model/resp.h) are here too: what they wake are
 * parked threads, and an acknowledgement starts the team's on_page handlers.
 */
#include "script/script_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_resume(Sim *sim, void *obj, uint64_t arg);

/* Parks a thread: until `wake` (an event) or, with a token, until the
 * responders answer it (scenario_resp_done). */
static int park(Scenario *s, int ref, SimTime wake, uint64_t token)
{
    int id = -1;
    for (int i = 0; i < s->ncos; i++)
        if (s->cos[i].ref == LUA_NOREF) { id = i; break; }
    if (id < 0) {
        if (s->ncos == s->capcos) {
            int cap = s->capcos ? s->capcos * 2 : 16;
            Co *v = realloc(s->cos, sizeof *v * (size_t)cap);
            if (!v) return -1;
            s->cos = v;
            s->capcos = cap;
        }
        id = s->ncos++;
        s->cos[id].gen = 0;
    }
    Co *c = &s->cos[id];
    c->ref = ref;
    c->gen++;
    c->wait = token;
    c->ev = 0;
    if (token) return 0;
    if (wake < sim_now(s->sim)) wake = sim_now(s->sim);
    c->ev = sim_at(s->sim, wake, on_resume, s, ((uint64_t)c->gen << 32) | (uint32_t)id);
    return 0;
}

/* A person's command (scenario_live_command) ended: tell the live run
 * what it returned, or why it failed. Returns false when the thread is not
 * a command (its errors are the scenario's). */
static bool command_ended(Scenario *s, int ref, lua_State *co, int st, int nres)
{
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.console");        // [console]
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);                   // [console, co]
    lua_rawget(L, -2);                                        // [console, cookie?]
    if (lua_isnil(L, -1)) { lua_pop(L, 2); return false; }
    uint64_t cookie = (uint64_t)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushnil(L);
    lua_rawset(L, -3);                                        // [console]
    lua_pop(L, 1);
    const ScenarioLive *lv = s->opt.live;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (st == LUA_OK) {
        for (int i = 1; i <= nres; i++) {
            if (lua_type(co, -nres - 1 + i) != LUA_TSTRING) continue;
            if (luaL_bufflen(&b)) luaL_addchar(&b, '\n');
            luaL_addstring(&b, lua_tostring(co, -nres - 1 + i));
        }
    } else {
        const char *msg = lua_tostring(co, -1);
        if (!msg) msg = "(error object is not a string)";
        /* "command:1: " says nothing to the person who typed it. */
        if (strncmp(msg, "command:", 8) == 0 && strchr(msg + 8, ' ')) msg = strchr(msg + 8, ' ') + 1;
        luaL_addstring(&b, msg);
    }
    luaL_pushresult(&b);
    if (lv && lv->reply) lv->reply(lv->ud, cookie, st == LUA_OK, lua_tostring(L, -1));
    lua_pop(L, 1);
    return true;
}

/* Resumes the thread held by `ref` with nargs arguments already on it. */
static void resume(Scenario *s, int ref, int nargs)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);                   // [co]
    lua_State *co = lua_tothread(L, -1);
    lua_pop(L, 1);
    int nres = 0;
    int st = lua_resume(co, L, nargs, &nres);
    if ((st == LUA_OK || (st != LUA_YIELD && st != LUA_ERRMEM && !s->kill)) &&
        command_ended(s, ref, co, st, nres)) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return;
    }
    if (st == LUA_YIELD) {
        if (nres == 2 && lua_type(co, -2) == LUA_TSTRING &&
            strcmp(lua_tostring(co, -2), "fd.wait") == 0 && lua_isinteger(co, -1)) {
            SimTime wake = (SimTime)lua_tointeger(co, -1);
            lua_pop(co, 2);
            if (park(s, ref, wake, 0) < 0) { s->oom = true; sim_stop(s->sim); }
            return;
        }
        if (nres == 2 && lua_type(co, -2) == LUA_TSTRING &&
            strcmp(lua_tostring(co, -2), "fd.park") == 0 && lua_isinteger(co, -1)) {
            uint64_t token = (uint64_t)lua_tointeger(co, -1);
            lua_pop(co, 2);
            if (park(s, ref, 0, token) < 0) { s->oom = true; sim_stop(s->sim); }
            return;
        }
        lua_pop(co, nres);
        luaL_traceback(L, co,
                       "a scenario function yielded to firedrill: use wait() or wait_until() "
                       "to pause, not coroutine.yield()", 0);
        scenario_record_error(s, lua_tostring(L, -1));
        lua_pop(L, 1);
    } else if (st != LUA_OK) {
        const char *msg = lua_tostring(co, -1);
        if (st == LUA_ERRMEM)
            msg = s->kill ? "scenario stopped: its memory limit was reached"
                          : "scenario stopped: out of memory";
        luaL_traceback(L, co, msg ? msg : "(error object is not a string)", 0);
        scenario_record_error(s, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
}

static void on_resume(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Scenario *s = obj;
    int id = (int)(uint32_t)arg;
    Co *c = &s->cos[id];
    if (c->gen != (uint32_t)(arg >> 32) || c->ref == LUA_NOREF || s->failed) return;
    int ref = c->ref;
    c->ref = LUA_NOREF;
    resume(s, ref, 0);
}

/* Marks the thread on top of L's stack as the engine's own. */
static void own_thread(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.threads");        // [.., co, threads]
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);                                            // [.., co]
}

bool scenario_engine_thread(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.threads");        // [.., threads]
    lua_pushthread(L);
    lua_rawget(L, -2);
    bool own = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return own;
}

void scenario_resp_note(void *ud, int team, const char *text)
{
    Scenario *s = ud;
    api_note(s, RE_INCIDENT, s->teams[team].name, NULL, "%s", text);
}

void scenario_resp_start(void *ud, int team, const RespWork *w, SimTime takes)
{
    Scenario *s = ud;
    if (w->kind == RESP_RESTART) {
        int svc = (int)w->arg[0], r = (int)w->arg[1], count = (int)w->arg[2];
        if (model_restart(s->model, svc, r, count, true, takes) < 0) {
            api_note(s, RE_NOTE, s->teams[team].name, NULL, "manual restart not possible: %s",
                     model_last_error(s->model));
            return;
        }
        api_note_restart(s, svc, r, count, true);
    } else if (w->kind == RESP_ACT && w->what) {
        api_note(s, RE_ACTION, s->teams[team].name, NULL, "%s: %s (%.0f min)", s->teams[team].name,
                 w->what, fd_time_sec(takes) / 60);
    }
}

/* The page or work a parked thread waited for is done: it resumes with
 * (ok, team name or nil), the results of its page(), act() or diagnose(). */
void scenario_resp_done(void *ud, uint64_t token, bool ok, int team)
{
    Scenario *s = ud;
    if (s->failed) return;
    for (int i = 0; i < s->ncos; i++) {
        Co *c = &s->cos[i];
        if (c->ref == LUA_NOREF || c->wait != token) continue;
        int ref = c->ref;
        c->ref = LUA_NOREF;
        c->wait = 0;
        lua_rawgeti(s->L, LUA_REGISTRYINDEX, ref);           // [co]
        lua_State *co = lua_tothread(s->L, -1);
        lua_pop(s->L, 1);
        lua_pushboolean(co, ok);
        if (team >= 0) lua_pushstring(co, s->teams[team].name);
        else lua_pushnil(co);
        resume(s, ref, 2);
        return;
    }
}

/* on_page handlers of a team run when it acknowledges, each in a thread. */
void scenario_resp_page(void *ud, int team, int state, int from, const char *why)
{
    Scenario *s = ud;
    const ScenarioLive *lv = s->opt.live;
    if (lv && lv->page)
        lv->page(lv->ud, s->teams[team].name, state, from >= 0 ? s->teams[from].name : NULL, why);
}

void scenario_resp_engaged(void *ud, int team)
{
    Scenario *s = ud;
    const ScenarioLive *lv = s->opt.live;
    if (lv && lv->engaged) lv->engaged(lv->ud, s->teams[team].name);
    if (live_skip_team(s, team)) return;    /* people play it: their response, not the script's */
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.pagehandlers");   // [handlers]
    lua_rawgeti(L, -1, team + 1);                             // [handlers, list?]
    int n = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : 0;
    for (int i = 1; i <= n && !s->failed; i++) {
        lua_rawgeti(L, -1, i);                                // [handlers, list, fn]
        lua_createtable(L, 0, 1);                             // [handlers, list, fn, page]
        lua_pushstring(L, s->teams[team].name);
        lua_setfield(L, -2, "team");
        scenario_spawn_top(s, 1);                             // [handlers, list]
    }
    lua_pop(L, 2);
}

void scenario_spawn_top(Scenario *s, int nargs)
{
    lua_State *L = s->L;
    int top = lua_gettop(L);                                  // [.., fn, args]
    lua_State *co = lua_newthread(L);                         // [.., fn, args, co]
    own_thread(L);
    lua_insert(L, top - nargs);                               // [.., co, fn, args]
    lua_xmove(L, co, nargs + 1);                              // [.., co]
    resume(s, luaL_ref(L, LUA_REGISTRYINDEX), nargs);         // [..]
}

int scenario_live_command(Scenario *s, const char *lua, const char *who, uint64_t cookie,
                          char *err, size_t errsize)
{
    lua_State *L = s->L;
    if (s->failed) { snprintf(err, errsize, "the run has stopped"); return -1; }
    if (luaL_loadbufferx(L, lua, strlen(lua), "=command", "t") != LUA_OK) {
        snprintf(err, errsize, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }                                                         // [.., fn]
    if (who) api_note(s, RE_NOTE, NULL, NULL, "%s", who);
    /* The thread is a command: when it ends, the person hears how. */
    int top = lua_gettop(L);
    lua_State *co = lua_newthread(L);                         // [.., fn, co]
    own_thread(L);
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.console");
    lua_pushvalue(L, -2);
    lua_pushinteger(L, (lua_Integer)cookie);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_insert(L, top);                                       // [.., co, fn]
    lua_xmove(L, co, 1);                                      // [.., co]
    resume(s, luaL_ref(L, LUA_REGISTRYINDEX), 0);
    return 0;
}
