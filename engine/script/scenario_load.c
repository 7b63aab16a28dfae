/*
 * scenario_load.c: opening a scenario, and how a Lua error becomes a
 * located diagnostic.
 *
 * scenario_open() builds the sandboxed state (script_sandbox.c) with the
 * API (script_api.c, script_live.c), loads the library embedded from lua/,
 * freezes the globals, arms the instruction and memory limits, and runs
 * the scenario file's top level, which declares the scenario and schedules
 * everything else. Then it checks what only the whole top level can tell:
 * that the scenario was declared, that every secondary team exists, that
 * every --param names a declared param, and that the played teams are
 * known.
 *
 * Every Lua error, here or later in the run, becomes "file:line: error:
 * message" (with "(at HH:MM:SS)" once the scenario is declared), the
 * frames in the scenario's own files as notes, and stops the run
 * (scenario_record_error).
 */
#include "script/script_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "script/lua_embed.h"

#define DEFAULT_INSTR (500ull * 1000 * 1000)
#define DEFAULT_MEM ((size_t)256 << 20)

void sandbox_freeze(lua_State *L);

/* ---- errors ---- */

/* Records a Lua error (message plus traceback) as a located diagnostic:
 * "file:line: error: message (at 15:23:10)". */
void scenario_record_error(Scenario *s, const char *text)
{
    char first[1024];
    size_t n = strcspn(text, "\n");
    if (n >= sizeof first) n = sizeof first - 1;
    memcpy(first, text, n);
    first[n] = 0;
    FdLoc loc = { 0 };
    const char *msg = first;
    /* "path:line: message" */
    char *colon = strchr(first, ':');
    while (colon) {
        char *end;
        long line = strtol(colon + 1, &end, 10);
        if (end != colon + 1 && *end == ':' && line > 0) {
            *colon = 0;
            loc.file = diag_intern(s->dl, first);
            loc.line = (int)line;
            msg = end + 1;
            while (*msg == ' ') msg++;
            break;
        }
        colon = strchr(colon + 1, ':');
    }
    if (!loc.file) loc.file = diag_intern(s->dl, s->path);
    if (s->sim && s->declared) {
        char at[16];
        result_clock(s->res, sim_now(s->sim), true, at, sizeof at);
        diag_error(s->dl, loc, "%s (at %s)", msg, at);
    } else {
        diag_error(s->dl, loc, "%s", msg);
    }
    /* Frames in the scenario's own files, as notes. */
    const char *p = strstr(text, "stack traceback:");
    int notes = 0;
    while (p && (p = strchr(p, '\n')) && notes < 6) {
        p++;
        while (*p == '\t' || *p == ' ') p++;
        size_t len = strcspn(p, "\n");
        if (len == 0 || strncmp(p, "[C]", 3) == 0 || strncmp(p, "(...", 4) == 0) continue;
        char frame[512];
        if (len >= sizeof frame) len = sizeof frame - 1;
        memcpy(frame, p, len);
        frame[len] = 0;
        char *c = strchr(frame, ':');
        char *end = NULL;
        long line = c ? strtol(c + 1, &end, 10) : 0;
        if (c && end && *end == ':' && line > 0) {
            *c = 0;
            FdLoc fl = { diag_intern(s->dl, frame), (int)line, 0 };
            const char *what = end + 1;
            while (*what == ' ') what++;
            diag_note(s->dl, fl, "called from here (%s)", what);
            notes++;
        }
    }
    s->failed = true;
    if (s->sim) sim_stop(s->sim);
}

void sandbox_error(Scenario *s, lua_State *L, int status)
{
    const char *msg = lua_tostring(L, -1);
    if (status == LUA_ERRMEM)
        msg = s->kill ? "scenario stopped: its memory limit was reached"
                      : "scenario stopped: out of memory";
    scenario_record_error(s, msg ? msg : "(error object is not a string)");
    lua_pop(L, 1);
}

/* ---- opening ---- */

static int load_library(Scenario *s)
{
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.preload");         // [preload]
    for (const FdLuaModule *m = fd_lua_modules; m->name; m++) {
        if (luaL_loadbufferx(L, m->source, m->len, m->chunkname, "t") != LUA_OK) {
            sandbox_error(s, L, LUA_ERRSYNTAX);
            lua_pop(L, 1);
            return -1;
        }
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);
    /* The prelude defines the library's globals (expect, wait_until, ...). */
    lua_getglobal(L, "require");
    lua_pushliteral(L, "firedrill");
    return sandbox_pcall(s, L, 1, 0) == LUA_OK ? 0 : -1;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) { free(buf); buf = NULL; }
            else buf = b;
        }
    }
    fclose(f);
    if (buf) *len = n;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* With the params table on top of the stack: a note naming the declared
 * param closest to the unknown one, or listing them all. */
static void suggest_param(lua_State *L, DiagList *dl, FdLoc loc, const char *name, size_t n)
{
    enum { MAXN = 64 };
    const char *names[MAXN];
    size_t k = 0;
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), name);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING && k < MAXN) names[k++] = lua_tostring(L, -1);
    }
    if (k == 0) {
        diag_note(dl, loc, "this scenario takes no params");
        return;
    }
    const char *best = diag_suggest(word, names, k);
    if (best) {
        diag_note(dl, loc, "did you mean '%s'?", best);
        return;
    }
    qsort(names, k, sizeof *names, cmp_str);
    char list[512];
    size_t used = 0;
    list[0] = 0;
    for (size_t i = 0; i < k && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    diag_note(dl, loc, "its params are: %s", list);
}

int scenario_open(Scenario **out, const ScenarioOptions *o, RunResult *res, DiagList *dl)
{
    *out = NULL;
    Scenario *s = calloc(1, sizeof *s);
    if (!s) return -3;
    *out = s;
    s->opt = *o;
    s->res = res;
    s->dl = dl;
    s->expects_ref = LUA_NOREF;
    s->path = strdup(o->path);
    s->dir = strdup(o->path);
    if (!s->path || !s->dir) return -3;
    char *slash = strrchr(s->dir, '/');
    if (slash) *slash = 0;
    else strcpy(s->dir, ".");
    topo_init(&s->topo);
    comms_init(s);
    /* Customers who report do so after about ten minutes, some much later
     * (an assumption; docs/api.md, "support"). */
    dist_lognormal(&s->support.delay, 10 * 60, 2 * 3600, NULL);
    s->slo = 0.99;
    s->settle = 5 * FD_MIN;
    s->good_since = -1;
    s->mem_cap = o->mem_cap ? o->mem_cap : DEFAULT_MEM;
    s->instr_budget = o->instr_budget ? o->instr_budget : DEFAULT_INSTR;
    rng_init(&s->rng, o->seed, "scenario:math");
    res->seed = o->seed;
    free(res->path);
    res->path = strdup(o->path);
    for (int i = 0; i < o->nparams; i++) {
        char **v = realloc(res->params, sizeof *v * (size_t)(res->nparams + 1));
        if (!v) return -3;
        res->params = v;
        if (!(res->params[res->nparams] = strdup(o->params[i]))) return -3;
        res->nparams++;
    }

    size_t len = 0;
    errno = 0;
    char *text = read_all(o->path, &len);
    if (!text && errno == ENOMEM) return -3;
    if (!text) {
        FdLoc loc = { diag_intern(dl, o->path), 0, 0 };
        diag_error(dl, loc, "cannot read the scenario file");
        return -1;
    }
    res->inputs = fd_digest_add(FD_DIGEST_INIT, text, len);
    s->L = sandbox_new(s);
    if (!s->L) { free(text); return -3; }
    lua_State *L = s->L;
    api_register(s, L);
    live_register(s, L);
    lua_newtable(L);
    s->expects_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (load_library(s) < 0) { free(text); return -1; }
    sandbox_freeze(L);
    sandbox_arm(s);

    lua_pushfstring(L, "@%s", o->path);
    int rc = luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t");
    free(text);
    lua_remove(L, -2);
    if (rc != LUA_OK) {
        sandbox_error(s, L, rc);
        return -1;
    }
    if (sandbox_pcall(s, L, 0, 0) != LUA_OK || s->failed) return s->oom ? -3 : -1;
    if (!s->declared) {
        FdLoc loc = { diag_intern(dl, o->path), 1, 1 };
        diag_error(dl, loc, "the scenario never calls scenario{ name = ..., topology = ... }");
        return -1;
    }
    int bad;
    if (s->resp && resp_resolve(s->resp, &bad) < 0) {
        /* Where the team was declared: "file:line:" from luaL_where. */
        FdLoc loc = { diag_intern(dl, o->path), 0, 0 };
        char file[1024];
        snprintf(file, sizeof file, "%s", s->teams[bad].where ? s->teams[bad].where : "");
        char *c = strrchr(file, ':');
        if (c) *c = 0;
        c = strrchr(file, ':');
        if (c) { *c = 0; loc.file = diag_intern(dl, file); loc.line = atoi(c + 1); }
        diag_error(dl, loc, "team '%s': unknown secondary team (escalation goes nowhere)",
                   s->teams[bad].name);
        return -1;
    }
    /* A --param the scenario does not declare is a typo, not a no-op. */
    lua_getfield(L, LUA_REGISTRYINDEX, "fd.params");          // [params]
    for (int i = 0; i < o->nparams; i++) {
        const char *eq = strchr(o->params[i], '=');
        size_t n = eq ? (size_t)(eq - o->params[i]) : strlen(o->params[i]);
        lua_pushlstring(L, o->params[i], n);
        lua_rawget(L, -2);
        bool known = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (!known) {
            s->bad_param = true;
            FdLoc loc = { diag_intern(dl, o->path), 0, 0 };
            diag_error(dl, loc, "--param %.*s: the scenario declares no param '%.*s'", (int)n,
                       o->params[i], (int)n, o->params[i]);
            suggest_param(L, dl, loc, o->params[i], n);
            lua_pop(L, 1);
            return -1;
        }
    }
    lua_pop(L, 1);
    s->pool_bad = calloc((size_t)s->topo.nservices * (size_t)(s->topo.nregions + 1) + 1, 1);
    if (!s->pool_bad) return -3;
    int lr = live_resolve(s);
    if (lr < 0) return lr;
    return 0;
}
