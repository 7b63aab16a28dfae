/*
 * script_api.c: the functions a scenario calls, made globals.
 *
 * api_register() sets each family's table of functions into the global
 * table:
 *   api_scenario.c    scenario{}, param() and simulated time
 *   api_faults.c      faults, versions and configuration data
 *   api_responses.c   what-ifs and responses (restart, scale, shift_traffic, ...)
 *   api_observe.c     what a script can look at (healthy, metric, names, ...)
 *   api_alerts.c      alerts, the support channel and their handlers
 *   api_responders.c  teams and their work, and the incident
 * Their argument checks live once, in api_args.c (api_internal.h).
 *
 * This file keeps what belongs to no family: the timeline writer
 * (api_note) and the C memory it charges, the library's hooks (_expect,
 * _event, _check_options) and coroutine.resume/close, which refuse the
 * engine's own threads.
 */
#include "script/api_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Counts C memory a script causes (timeline events, timers) against its
 * memory cap, with the Lua heap. Past the cap, false: the caller drops
 * what it was adding, and the script stops at its next hook with "its
 * memory limit was reached", at the line running then. */
bool api_charge(Scenario *s, size_t bytes)
{
    if (s->mem + bytes > s->mem_cap || s->mem + bytes < s->mem) {
        if (!s->kill) s->kill = "its memory limit was reached";
        return false;
    }
    s->mem += bytes;
    return true;
}

/* What an event costs in C memory: its slot (the array doubles) and three
 * strings, each with the allocator's overhead. */
static size_t event_cost(const char *text, const char *subject, const char *region)
{
    size_t n = 2 * sizeof(RunEvent) + 32 + strlen(text);
    if (subject) n += 32 + strlen(subject);
    if (region) n += 32 + strlen(region);
    return n;
}

void api_note(Scenario *s, RunEventKind kind, const char *subject, const char *region,
              const char *fmt, ...)
{
    char buf[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (!api_charge(s, event_cost(buf, subject, region))) return;
    SimTime t = s->sim ? sim_now(s->sim) : 0;
    if (result_add_event(s->res, t, kind, subject, region, "%s", buf) < 0) {
        s->oom = true;
        return;
    }
    const ScenarioLive *lv = s->opt.live;
    if (lv && lv->event) lv->event(lv->ud, &s->res->events[s->res->nevents - 1]);
}

/* _check_options(fn, options, level): the library's key check (deploy,
 * expect, ...) against the same table, with its required keys and nested
 * tables. Like error(msg, level): level 2 names the line that called the
 * Lua function which calls _check_options. */
static int l_check_options(lua_State *L)
{
    const char *fn = luaL_checkstring(L, 1);
    int level = (int)luaL_optinteger(L, 3, 2);
    if (level < 1 || level > 20) level = 2;
    api_check_options_deep(L, 2, fn, level);
    return 0;
}

/* _expect(name, check_fn [, pass_rate]): used by lua/firedrill/expect.lua. */
static int l_expect_register(lua_State *L)
{
    Scenario *s = api_scenario(L);
    luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    double rate = luaL_optnumber(L, 3, 1.0);
    luaL_argcheck(L, rate > 0 && rate <= 1, 3, "pass_rate must be in (0, 1]");
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->expects_ref);        // [name, fn, rate?, list]
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "name");
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "check");
    lua_pushnumber(L, rate);
    lua_setfield(L, -2, "pass_rate");
    luaL_where(L, 2);
    lua_setfield(L, -2, "where");
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

/* _event(kind, text [, subject [, region]]): a timeline line from the library. */
static int l_event(lua_State *L)
{
    Scenario *s = api_scenario(L);
    static const char *const kinds[] = { "note", "fault", "change", "action", "alert", "resolved",
                                         "incident", "status", "health", "deadlock", "clock", NULL };
    int k = luaL_checkoption(L, 1, NULL, kinds);
    api_note(s, (RunEventKind)k, luaL_optstring(L, 3, NULL), luaL_optstring(L, 4, NULL), "%s",
             luaL_checkstring(L, 2));
    return 0;
}

/* coroutine.resume and coroutine.close, refusing the engine's own
 * threads: a parked timer or handler is resumed by the kernel with what it
 * waited for, never by script code with values of its choosing. */
static void refuse_engine_thread(lua_State *L, const char *fn)
{
    lua_State *co = lua_tothread(L, 1);
    if (!co) return;
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.threads");        // [.., threads]
    lua_pushvalue(L, 1);
    lua_rawget(L, -2);
    bool engine = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (engine)
        luaL_error(L, "coroutine.%s: this coroutine belongs to firedrill (a timer, alert handler "
                      "or playbook): it resumes by itself", fn);
}

static int l_co_resume(lua_State *L)
{
    refuse_engine_thread(L, "resume");
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.co_resume");       // [args.., resume]
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int l_co_close(lua_State *L)
{
    refuse_engine_thread(L, "close");
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.co_close");
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

void api_register(Scenario *s, lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "_expect", l_expect_register }, { "_event", l_event },
        { "_check_options", l_check_options },
        { NULL, NULL },
    };
    /* Each family's table (api_internal.h), then this file's own. */
    const luaL_Reg *const tables[] = { api_scenario_fns, api_fault_fns, api_response_fns,
                                       api_observe_fns, api_alert_fns, api_responder_fns, fns };
    (void)s;
    lua_pushglobaltable(L);
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
        luaL_setfuncs(L, tables[i], 0);
    lua_pop(L, 1);
    luaL_newmetatable(L, "fd.Timer");                          // [mt]
    lua_newtable(L);
    luaL_setfuncs(L, api_timer_methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.params");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.handlers");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.alertnames");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.pagehandlers");
    /* The engine's own threads, weakly: only the engine resumes them. */
    lua_newtable(L);                                          // [threads]
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.threads");         // []
    static const luaL_Reg co_fns[] = { { "resume", l_co_resume }, { "close", l_co_close },
                                       { NULL, NULL } };
    lua_getglobal(L, "coroutine");                            // [co]
    lua_getfield(L, -1, "resume");
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.co_resume");
    lua_getfield(L, -1, "close");
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.co_close");
    luaL_setfuncs(L, co_fns, 0);
    lua_pop(L, 1);
}
