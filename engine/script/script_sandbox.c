/*
 * script_sandbox.c: the Lua state a scenario runs in.
 *
 * Scenarios are code from anyone, run in CI on shared machines, so the
 * state is built from an allow-list:
 *
 *   - base, string, table, math, utf8 and coroutine only: no os, io, debug
 *     or package library; no string.dump, so no bytecode out, and every
 *     load is text-only, so no bytecode in;
 *   - require, dofile, loadfile and read_file reach only the embedded
 *     standard library and files inside the scenario's folder;
 *   - math.random draws from the run's seeded generator;
 *   - reading an undefined global is an error naming it, instead of a
 *     silent nil that fails somewhere else;
 *   - a memory cap (the allocator refuses past it) and an instruction
 *     budget (a count hook). Once either trips, the hook re-arms itself to
 *     fire on every instruction, so a script's own pcall cannot swallow the
 *     stop: the very next instruction raises it again;
 *   - C functions that loop without the hook seeing it are charged to the
 *     budget before they start (string.rep, table.move count a step per
 *     repetition or element), and finalizers, which Lua runs with hooks
 *     off, cannot be set: setmetatable refuses a metatable with __gc;
 *   - a wall-clock limit (scenario_time_up(), from the command's alarm)
 *     stops the script at its next hook; the pattern functions
 *     (string.find, match, gmatch, gsub), whose backtracking no hook
 *     interrupts, note where they were called so that the command's last
 *     resort, when a match outlives the limit, can name the line;
 *   - the built-ins cannot be redefined, not even with rawset(_G, ...),
 *     and the string library and the strings' metatable are read-only: a
 *     scenario cannot change string.format under the embedded library.
 */
#include "script/script_internal.h"

#include "base/fspath.h"

#include <errno.h>
#include <lualib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOOK_EVERY 1000

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    Scenario *s = ud;
    if (!ptr) osize = 0;
    if (nsize == 0) {
        s->mem -= osize;
        free(ptr);
        return NULL;
    }
    if (nsize > osize && s->mem + (nsize - osize) > s->mem_cap) {
        if (!s->kill) s->kill = "its memory limit was reached";
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) {
        /* The machine's memory, not the cap: a system error (exit 3),
         * even when Lua's emergency collection lets the script go on. */
        s->oom = true;
        return NULL;
    }
    s->mem = s->mem - osize + nsize;
    return p;
}

/* Set from a signal handler (the command's wall-clock alarm). */
static volatile sig_atomic_t time_up;

void scenario_set_time_up(int up)
{
    time_up = up;
}

/* Where the last pattern function was called from ("file:line"), for a
 * message written by a signal handler: plain bytes, always terminated. */
static char where_buf[256];

const char *scenario_where(void)
{
    return where_buf;
}

static void l_hook(lua_State *L, lua_Debug *ar)
{
    Scenario *s = api_scenario(L);
    s->instr += HOOK_EVERY;
    if (!s->kill && s->instr > s->instr_budget) s->kill = "its instruction budget ran out";
    if (!s->kill && time_up) s->kill = "its wall-clock time limit ran out (see --time-limit)";
    if (s->kill) {
        /* Every instruction from now on raises again. */
        lua_sethook(L, l_hook, LUA_MASKCOUNT, 1);
        /* Named at the line running now (luaL_error would name its caller). */
        if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
            lua_pushfstring(L, "%s:%d: scenario stopped: %s", ar->short_src, ar->currentline,
                            s->kill);
        else
            lua_pushfstring(L, "scenario stopped: %s", s->kill);
        lua_error(L);
    }
}

void sandbox_arm(Scenario *s)
{
    lua_sethook(s->L, l_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/* Charges n steps of work done inside a C function to the instruction
 * budget, before the work: past the budget, the script stops here. */
static void charge(lua_State *L, lua_Unsigned n)
{
    Scenario *s = api_scenario(L);
    uint64_t left = s->instr < s->instr_budget ? s->instr_budget - s->instr : 0;
    if (n > left && !s->kill) s->kill = "its instruction budget ran out";
    if (s->kill) {
        lua_sethook(L, l_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "scenario stopped: %s", s->kill);
    }
    s->instr += n;
}

/* Calls the wrapped library function (upvalue 1) with the same arguments. */
static int call_wrapped(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);                                         // [orig, args...]
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* string.rep(s, n [, sep]): a step per repetition, so that
 * string.rep("", 1e15) stops on the budget instead of looping. */
static int l_rep(lua_State *L)
{
    luaL_checkstring(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    if (n > 0) charge(L, (lua_Unsigned)n);
    return call_wrapped(L);
}

/* table.move(a1, f, e, t [, a2]): a step per element moved. */
static int l_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    if (e >= f) charge(L, (lua_Unsigned)e - (lua_Unsigned)f + 1);
    return call_wrapped(L);
}

/* Notes the calling line for scenario_where(). */
static void note_where(lua_State *L, const char *fn)
{
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(where_buf, sizeof where_buf, "%s:%d: error: scenario stopped in %s",
                 ar.short_src, ar.currentline, fn);
    else
        snprintf(where_buf, sizeof where_buf, "error: scenario stopped in %s", fn);
}

/* string.find, match, gsub: wrapped to note where they were called
 * (upvalue 2 is the function's name). */
static int l_pattern(lua_State *L)
{
    note_where(L, lua_tostring(L, lua_upvalueindex(2)));
    return call_wrapped(L);
}

/* string.gmatch: its iterator does the matching, so it is wrapped too. */
static int l_gmatch(lua_State *L)
{
    int n = call_wrapped(L);                                  // [.., iter]
    luaL_checktype(L, -1, LUA_TFUNCTION);
    (void)n;
    lua_pushliteral(L, "string.gmatch");
    lua_pushcclosure(L, l_pattern, 2);                        // [.., wrapped iter]
    return 1;
}

/* setmetatable(t, mt): Lua runs finalizers with hooks off, so a __gc that
 * loops would escape every limit; scenarios have no use for them. */
static int l_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: finalizers (__gc) are not allowed in scenarios");
        lua_pop(L, 1);
    }
    return call_wrapped(L);
}

/* rawset(t, k, v): on the globals, a built-in is not replaceable either. */
static int l_rawset(lua_State *L)
{
    lua_pushglobaltable(L);
    bool globals = lua_rawequal(L, 1, -1);
    lua_pop(L, 1);
    if (globals) {
        lua_getfield(L, LUA_REGISTRYINDEX, "fd.builtins");   // [t, k, v, builtins]
        lua_pushvalue(L, 2);
        bool builtin = lua_istable(L, -2) && lua_rawget(L, -2) != LUA_TNIL;
        lua_settop(L, 3);
        if (builtin) {
            const char *name = lua_tostring(L, 2);
            return luaL_error(L, "'%s' is built in and cannot be redefined; use a local",
                              name ? name : "?");
        }
    }
    return call_wrapped(L);
}

/* ---- coroutines the script makes, told from the engine's ---- */

/* coroutine.create(f): the original, and the thread noted as the
 * script's own (a weak-keyed registry table), so that coroutine.yield can
 * tell a yield to the script's resume from one to the engine. */
static int l_co_create(lua_State *L)
{
    call_wrapped(L);                                          // [co]
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.userco");          // [co, userco]
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    return 1;
}

/* coroutine.yield(...): inside a coroutine the script made, as usual; in
 * a timer callback, alert handler or playbook, whose thread the engine
 * resumes, an error at the caller's line: only wait() pauses those. */
static int l_co_yield(lua_State *L)
{
    bool mine = false;
    if (!lua_pushthread(L)) {                                 // [.., self]
        lua_getfield(L, LUA_REGISTRYINDEX, "fd.userco");
        lua_pushvalue(L, -2);
        mine = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    if (!mine && lua_isyieldable(L))
        return luaL_error(L, "coroutine.yield: a scenario function cannot yield to firedrill; "
                             "use wait() or wait_until() to pause");
    return lua_yield(L, lua_gettop(L));
}

/* coroutine.wrap(f), over the wrapped create and resume so that its
 * thread is the script's own too; errors carry the caller's position, as
 * the original's do. */
static const char wrap_src[] =
    "local create, resume, pack, unpack = ...\n"
    "return function(f)\n"
    "  local co = create(f)\n"
    "  return function(...)\n"
    "    local r = pack(resume(co, ...))\n"
    "    if r[1] then return unpack(r, 2, r.n) end\n"
    "    if type(r[2]) == 'string' then error(r[2], 2) end\n"
    "    error(r[2], 0)\n"
    "  end\n"
    "end\n";

static void wrap_coroutines(lua_State *L, int co, int tab)
{
    co = lua_absindex(L, co);
    tab = lua_absindex(L, tab);
    lua_newtable(L);                                          // [.., userco]
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.userco");
    lua_getfield(L, co, "create");
    lua_pushcclosure(L, l_co_create, 1);                      // [.., create]
    lua_pushvalue(L, -1);
    lua_setfield(L, co, "create");
    lua_pushcfunction(L, l_co_yield);
    lua_setfield(L, co, "yield");
    int rc = luaL_loadbufferx(L, wrap_src, sizeof wrap_src - 1, "=[C]", "t");
    if (rc != LUA_OK) lua_error(L);                           // [.., create, chunk]
    lua_insert(L, -2);                                        // [.., chunk, create]
    lua_getfield(L, co, "resume");
    lua_getfield(L, tab, "pack");
    lua_getfield(L, tab, "unpack");                           // [.., chunk, create, resume, pack, unpack]
    lua_call(L, 4, 1);                                        // [.., wrap]
    lua_setfield(L, co, "wrap");
}

/* Replaces table[name] with a C closure over the original (and extra). */
static void wrap(lua_State *L, int table, const char *name, lua_CFunction fn, const char *extra)
{
    table = lua_absindex(L, table);
    lua_getfield(L, table, name);                             // [.., orig]
    if (extra) lua_pushstring(L, extra);
    lua_pushcclosure(L, fn, extra ? 2 : 1);                   // [.., wrapper]
    lua_setfield(L, table, name);
}

/* ---- files inside the scenario's folder ---- */

/* Pushes the whole text of a file inside the scenario's folder, then its
 * path below it: [.., path, text]. Absolute names, ".." and links whose
 * target lies outside the folder are refused (base/fspath.h). */
static const char *read_inside(lua_State *L, Scenario *s, const char *name, size_t *len)
{
    char *real = NULL;
    int e = fd_path_inside(s->dir, name, &real);
    if (e == FD_PATH_OUTSIDE) luaL_error(L, "'%s' is outside the scenario's folder", name);
    if (e == ENOMEM) luaL_error(L, "out of memory");
    if (e) luaL_error(L, "cannot read '%s'", name);
    lua_pushfstring(L, "%s/%s", s->dir, name);               // [.., path]
    FILE *f = fopen(real, "rb");
    free(real);
    if (!f) luaL_error(L, "cannot read '%s'", name);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) luaL_addlstring(&b, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad) luaL_error(L, "cannot read '%s'", name);
    luaL_pushresult(&b);                                      // [.., path, text]
    const char *text = lua_tolstring(L, -1, len);
    s->res->inputs = fd_digest_add(s->res->inputs, text, *len);
    return text;
}

static int load_inside(lua_State *L, Scenario *s, const char *name)
{
    size_t len;
    const char *text = read_inside(L, s, name, &len);         // [.., path, text]
    lua_pushfstring(L, "@%s", lua_tostring(L, -2));           // [.., path, text, chunkname]
    int rc = luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t");
    if (rc != LUA_OK) return lua_error(L);
    return 1;                                                 // [.., fn]
}

static int l_read_file(lua_State *L)
{
    Scenario *s = api_scenario(L);
    size_t len;
    read_inside(L, s, luaL_checkstring(L, 1), &len);          // [name, path, text]
    return 1;
}

static int l_dofile(lua_State *L)
{
    Scenario *s = api_scenario(L);
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    load_inside(L, s, name);                                  // [name, path, text, cn, fn]
    lua_call(L, 0, LUA_MULTRET);
    return lua_gettop(L) - 4;
}

static int l_loadfile(lua_State *L)
{
    Scenario *s = api_scenario(L);
    load_inside(L, s, luaL_checkstring(L, 1));
    return 1;
}

/* load(text [, chunkname [, mode [, env]]]): text only, whatever mode
 * asks for; with env, the chunk sees that table as its globals. */
static int l_load(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    const char *mode = luaL_optstring(L, 3, "t");
    if (strchr(mode, 'b') && !strchr(mode, 't'))
        return luaL_error(L, "load: scenarios may load text only, not bytecode");
    if (luaL_loadbufferx(L, text, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;                                             // [.., nil, msg]
    }
    if (!lua_isnoneornil(L, 4)) {
        lua_pushvalue(L, 4);                                  // [.., fn, env]
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

/* require(name): the embedded standard library, then name.lua inside the
 * scenario's folder (dots become slashes). Results are cached. */
static int l_require(lua_State *L)
{
    Scenario *s = api_scenario(L);
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.loaded");          // [name, loaded]
    lua_getfield(L, 2, name);                                 // [name, loaded, mod?]
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.preload");         // [name, loaded, preload]
    lua_getfield(L, 3, name);                                 // [name, loaded, preload, fn?]
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (const char *p = name; *p; p++) luaL_addchar(&b, *p == '.' ? '/' : *p);
        luaL_addstring(&b, ".lua");
        luaL_pushresult(&b);                                  // [name, loaded, preload, file]
        load_inside(L, s, lua_tostring(L, -1));               // [.., file, path, text, cn, fn]
    }
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);                                        // [.., mod]
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);                                 // loaded[name] = mod
    return 1;
}

/* ---- random numbers from the run's generator ---- */

static int l_random(lua_State *L)
{
    Scenario *s = api_scenario(L);
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, rng_uniform(&s->rng));
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'random'");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    uint64_t v = span == UINT64_MAX ? rng_next(&s->rng) : rng_below(&s->rng, span + 1);
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + v));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    (void)L;
    /* The run's seed decides; a script cannot reseed it. */
    return 0;
}

static int l_print(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        if (i > 1) fputc('\t', stderr);
        fputs(luaL_tolstring(L, i, NULL), stderr);
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

/* _G's __index: built-ins live in a table behind the globals (upvalue 1);
 * a name found in neither is a mistake worth naming. */
static int l_global_index(lua_State *L)
{
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));                       // [G, k, v]
    if (!lua_isnil(L, -1)) return 1;
    const char *name = lua_tostring(L, 2);
    return luaL_error(L, "undefined global '%s'", name ? name : "?");
}

/* _G's __newindex: a scenario may define globals of its own, but not
 * replace the built-ins (`wait = nil` would break every playbook). */
static int l_global_newindex(lua_State *L)
{
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));                       // [G, k, v, old]
    if (!lua_isnil(L, -1)) {
        const char *name = lua_tostring(L, 2);
        return luaL_error(L, "'%s' is built in and cannot be redefined; use a local",
                          name ? name : "?");
    }
    lua_pop(L, 1);
    lua_rawset(L, 1);
    return 0;
}

static void open_lib(lua_State *L, const char *name, lua_CFunction fn)
{
    luaL_requiref(L, name, fn, 1);
    lua_pop(L, 1);
}

lua_State *sandbox_new(Scenario *s)
{
    lua_State *L = lua_newstate(l_alloc, s);
    if (!L) return NULL;
    *(Scenario **)lua_getextraspace(L) = s;
    open_lib(L, LUA_GNAME, luaopen_base);
    open_lib(L, LUA_TABLIBNAME, luaopen_table);
    open_lib(L, LUA_STRLIBNAME, luaopen_string);
    open_lib(L, LUA_MATHLIBNAME, luaopen_math);
    open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
    open_lib(L, LUA_COLIBNAME, luaopen_coroutine);

    lua_pushglobaltable(L);                                   // [G]
    static const char *const drop[] = { "dofile", "loadfile", "load", "collectgarbage", NULL };
    for (int i = 0; drop[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, drop[i]);
    }
    static const luaL_Reg safe[] = {
        { "dofile", l_dofile },     { "loadfile", l_loadfile }, { "load", l_load },
        { "require", l_require },   { "read_file", l_read_file }, { "print", l_print },
        { NULL, NULL },
    };
    luaL_setfuncs(L, safe, 0);
    lua_getfield(L, -1, "string");                            // [G, string]
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    wrap(L, -1, "rep", l_rep, NULL);
    wrap(L, -1, "find", l_pattern, "string.find");
    wrap(L, -1, "match", l_pattern, "string.match");
    wrap(L, -1, "gsub", l_pattern, "string.gsub");
    wrap(L, -1, "gmatch", l_gmatch, NULL);
    lua_pop(L, 1);
    lua_getfield(L, -1, "table");                             // [G, table]
    wrap(L, -1, "move", l_move, NULL);
    lua_pop(L, 1);
    lua_getfield(L, -1, "coroutine");                         // [G, coroutine]
    lua_getfield(L, -2, "table");                             // [G, coroutine, table]
    wrap_coroutines(L, -2, -1);
    lua_pop(L, 2);                                            // [G]
    wrap(L, -1, "setmetatable", l_setmetatable, NULL);
    wrap(L, -1, "rawset", l_rawset, NULL);
    lua_getfield(L, -1, "math");                              // [G, math]
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 2);                                            // []

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.loaded");
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.preload");
    return L;
}

static int l_readonly(lua_State *L)
{
    return luaL_error(L, "the string library is read-only");
}

/* The string library behind a read-only view, and the strings' metatable
 * out of reach: both are shared with the embedded library, so a scenario
 * changing string.format or getmetatable("").__index would change it. */
static void freeze_string(lua_State *L, int base)
{
    base = lua_absindex(L, base);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);                                  // [.., "", smt]
    lua_pushliteral(L, "string");
    lua_setfield(L, -2, "__metatable");                       /* getmetatable("") == "string" */
    lua_pop(L, 2);
    lua_getfield(L, base, "string");                          // [.., string]
    lua_newtable(L);                                          // [.., string, view]
    lua_newtable(L);                                          // [.., string, view, mt]
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, l_readonly);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "string");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);                                  // [.., string, view]
    lua_setfield(L, base, "string");                          // [.., string]
    lua_pop(L, 1);
}

/* Freezes the globals once the library and the API are in place: every
 * built-in moves to a table behind _G, so reading an undefined global and
 * redefining a built-in are both errors naming the global. */
void sandbox_freeze(lua_State *L);
void sandbox_freeze(lua_State *L)
{
    lua_pushglobaltable(L);                                   // [G]
    lua_newtable(L);                                          // [G, base]
    lua_pushnil(L);
    while (lua_next(L, -3)) {                                 // [G, base, k, v]
        lua_pushvalue(L, -2);
        lua_insert(L, -2);                                    // [G, base, k, k, v]
        lua_rawset(L, -4);                                    // [G, base, k]
    }
    /* Empty _G now that base holds everything. */
    lua_pushnil(L);
    while (lua_next(L, -3)) {                                 // [G, base, k, v]
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, -5);                                    // G[k] = nil
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "fd.builtins");        /* for names("globals") */
    lua_newtable(L);                                          // [G, base, mt]
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, l_global_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, l_global_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "globals");
    lua_setfield(L, -2, "__metatable");                       /* not replaceable */
    lua_setmetatable(L, -3);                                  // [G, base]
    freeze_string(L, -1);
    lua_pop(L, 2);
}

static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = luaL_tolstring(L, 1, NULL);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* The one road into Lua: a protected call with a traceback handler. On
 * error the traceback string is left on the stack and recorded. */
int sandbox_pcall(Scenario *s, lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    int rc = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (rc != LUA_OK) sandbox_error(s, L, rc);
    return rc;
}
