/*
 * script_lint.c: `firedrill check`'s static pass over a scenario file.
 *
 * Running the top level (scenario_open) checks what runs at time 0; a
 * callback of at() or on_alert() runs only when simulated time reaches it,
 * so a typo inside one would pass `check`. This pass reads the whole file
 * (lua_lex.c) and checks every call of an API function anywhere in it,
 * inside functions and callbacks too, against api_schema.c:
 *   - the function's name (`expect.availabilty`, `crsh`), with did-you-mean;
 *   - literal option keys (`ad = "300ms"`);
 *   - literal names of services, regions, configuration items, sources,
 *     teams and alerts: the first four against the topology, teams and
 *     alerts against the scenario's own declarations, collected from the
 *     literal `team{ name = ... }` and `alert{ name = ... }` calls of the
 *     same file (and from what its top level declared).
 * Only literals are checked: `service = svc` is left to the run.
 * Each finding is an error at file:line:col, in the order of the file.
 */
#include "script/script_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "script/api_schema.h"
#include "script/lua_lex.h"

typedef struct Names {
    const char **v;
    size_t n, cap;
} Names;

typedef struct Lint {
    Scenario *s;
    DiagList *dl;
    const char *file;
    LxToks tk;
    Names teams, alerts, declared;
    bool teams_open, alerts_open;    /* a declaration with a non-literal name */
    const char *alias[16][2];        /* local name -> module ("patterns") */
    int naliases;
    bool oom;
} Lint;

static void names_add(Lint *l, Names *ns, const char *name)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], name) == 0) return;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        const char **v = realloc(ns->v, sizeof *v * cap);
        if (!v) {
            l->oom = true;
            return;
        }
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = name;
}

static bool names_has(const Names *ns, const char *name)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->v[i], name) == 0) return true;
    return false;
}

static const LxTok *tok(const Lint *l, size_t i)
{
    return &l->tk.v[i < l->tk.n ? i : l->tk.n - 1];
}

/* A NAME token's text, copied into buf. */
static const char *name_of(const LxTok *t, char *buf, size_t size)
{
    size_t n = t->len < size - 1 ? t->len : size - 1;
    memcpy(buf, t->p, n);
    buf[n] = 0;
    return buf;
}

static bool is_name(const LxTok *t)
{
    return t->kind == LX_NAME && !t->keyword;
}

static void finding(Lint *l, DiagLevel level, const LxTok *t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void finding(Lint *l, DiagLevel level, const LxTok *t, const char *fmt, ...)
{
    FdLoc loc = { l->file, t->line, t->col };
    va_list ap;
    va_start(ap, fmt);
    diag_addv(l->dl, level, loc, fmt, ap);
    va_end(ap);
}

/* The index of the bracket closing the one at i (the file compiled, so
 * brackets balance; the end of the file otherwise). */
static size_t closing(const Lint *l, size_t i)
{
    int depth = 0;
    for (size_t j = i; j < l->tk.n; j++) {
        const LxTok *t = tok(l, j);
        if (t->kind != LX_OP || t->len != 1) continue;
        char c = t->p[0];
        if (c == '(' || c == '{' || c == '[') depth++;
        else if (c == ')' || c == '}' || c == ']')
            if (--depth == 0) return j;
    }
    return l->tk.n - 1;
}

/* ---- names ---- */

static const char *const metrics[] = {
    "error_rate", "availability", "p50", "p90", "p99", "utilisation", "queue", "offered",
    "ok_rate", "degraded_rate", "instances_up",
};

static void unknown(Lint *l, const LxTok *t, const char *kind, const char *word,
                    const char *const *cands, size_t n)
{
    const char *near = diag_suggest(word, cands, n);
    if (near)
        finding(l, DIAG_ERROR, t, "unknown %s '%s' (did you mean '%s'?)", kind, word, near);
    else
        finding(l, DIAG_ERROR, t, "unknown %s '%s'", kind, word);
}

/* Candidates of one kind from the topology, into a fixed array. */
static size_t topo_names(const Topo *tp, ApiType type, const char **out, size_t cap)
{
    size_t n = 0;
    if (type == AT_SERVICE || type == AT_COMPONENT)
        for (int i = 0; i < tp->nservices && n < cap; i++) out[n++] = tp->services[i].name;
    if (type == AT_CONFIG || type == AT_COMPONENT)
        for (int i = 0; i < tp->nconfigs && n < cap; i++) out[n++] = tp->configs[i].name;
    if (type == AT_REGION || type == AT_REGIONS)
        for (int i = 0; i < tp->nregions && n < cap; i++) out[n++] = tp->regions[i].name;
    if (type == AT_SOURCE)
        for (int i = 0; i < tp->nsources && n < cap; i++) out[n++] = tp->sources[i].name;
    return n;
}

static void check_name(Lint *l, ApiType type, const LxTok *t)
{
    if (t->kind != LX_STRING || !t->str) return;
    const char *w = t->str;
    const char *cands[512];
    size_t n;
    switch (type) {
    case AT_SERVICE: case AT_CONFIG: case AT_REGION: case AT_REGIONS: case AT_SOURCE:
    case AT_COMPONENT: {
        n = topo_names(&l->s->topo, type, cands, 512);
        for (size_t i = 0; i < n; i++)
            if (strcmp(cands[i], w) == 0) return;
        const char *kind = type == AT_SERVICE ? "service" : type == AT_CONFIG ? "configuration item"
                         : type == AT_SOURCE ? "traffic source" : type == AT_COMPONENT ? "component"
                         : "region";
        unknown(l, t, kind, w, cands, n);
        return;
    }
    case AT_TEAM: case AT_ALERT: {
        const Names *ns = type == AT_TEAM ? &l->teams : &l->alerts;
        if (names_has(ns, w) || (type == AT_TEAM ? l->teams_open : l->alerts_open)) return;
        unknown(l, t, type == AT_TEAM ? "team" : "alert", w, ns->v, ns->n);
        return;
    }
    case AT_SKILLS: {
        n = topo_names(&l->s->topo, AT_COMPONENT, cands, 512);
        for (size_t i = 0; i < n; i++)
            if (strcmp(cands[i], w) == 0) return;
        if (names_has(&l->teams, w) || l->teams_open) return;
        for (int i = 0; i < l->s->topo.nservices; i++) {
            const char *owner = l->s->topo.services[i].owner;
            if (owner && strcmp(owner, w) == 0) return;
        }
        const char *near = diag_suggest(w, cands, n);
        if (near)
            finding(l, DIAG_WARNING, t, "skill '%s' names no service, configuration item or team "
                    "(did you mean '%s'?)", w, near);
        else
            finding(l, DIAG_WARNING, t, "skill '%s' names no service, configuration item or team", w);
        return;
    }
    case AT_METRIC: case AT_CONDITION: {
        char word[64];
        size_t k = 0;
        const char *p = w;
        while (*p == ' ') p++;
        while (*p && *p != ' ' && *p != '<' && *p != '>' && *p != '=' && k < sizeof word - 1)
            word[k++] = *p++;
        word[k] = 0;
        for (size_t i = 0; i < sizeof metrics / sizeof metrics[0]; i++)
            if (strcmp(metrics[i], word) == 0) return;
        if (type == AT_CONDITION && k == 0) return;
        /* A dead-man alert's condition. */
        if (type == AT_CONDITION && strcmp(word, "absent") == 0 && !*p) return;
        unknown(l, t, "metric", word, metrics, sizeof metrics / sizeof metrics[0]);
        return;
    }
    default:
        return;
    }
}

/* ---- calls ---- */

static void check_table(Lint *l, const ApiFn *fn, size_t open, size_t close);

/* A value between [a, b] (inclusive) of type `type`. */
static void check_value(Lint *l, const ApiKey *k, size_t a, size_t b)
{
    if (a > b) return;
    const LxTok *t = tok(l, a);
    if (a == b && t->kind == LX_STRING) {
        check_name(l, k->type, t);
        return;
    }
    if (!lx_is(t, "{") || closing(l, a) != b) return;
    if ((k->type == AT_TABLE || k->type == AT_HUMANTIME) && k->sub) {
        const ApiFn *sub = api_schema_find(k->sub);
        if (sub) check_table(l, sub, a, b);
    } else if (k->type == AT_REGIONS || k->type == AT_SKILLS) {
        /* A list: each literal element. */
        size_t i = a + 1;
        while (i < b) {
            const LxTok *e = tok(l, i);
            const LxTok *next = tok(l, i + 1);
            if (e->kind == LX_STRING && (lx_is(next, ",") || lx_is(next, ";") || i + 1 == b))
                check_name(l, k->type, e);
            if (lx_is(e, "{") || lx_is(e, "(") || lx_is(e, "[")) i = closing(l, i);
            i++;
        }
    }
}

/* The fields of the table constructor [open, close] against fn's keys. */
static void check_table(Lint *l, const ApiFn *fn, size_t open, size_t close)
{
    if (!fn->keys) return;
    size_t i = open + 1;
    while (i < close) {
        size_t f = i, e = i;
        while (e < close && !lx_is(tok(l, e), ",") && !lx_is(tok(l, e), ";")) {
            const LxTok *t = tok(l, e);
            if (lx_is(t, "{") || lx_is(t, "(") || lx_is(t, "[")) e = closing(l, e);
            e++;
        }
        const LxTok *kt = NULL;
        char buf[128];
        const char *key = NULL;
        size_t v = 0;
        if (is_name(tok(l, f)) && lx_is(tok(l, f + 1), "=")) {
            kt = tok(l, f);
            key = name_of(kt, buf, sizeof buf);
            v = f + 2;
        } else if (lx_is(tok(l, f), "[") && tok(l, f + 1)->kind == LX_STRING &&
                   lx_is(tok(l, f + 2), "]") && lx_is(tok(l, f + 3), "=") && tok(l, f + 1)->str) {
            kt = tok(l, f + 1);
            key = kt->str;
            v = f + 4;
        }
        if (key) {
            const ApiKey *k = api_schema_key(fn, key);
            if (!k) {
                const char *cands[64];
                size_t n = api_schema_key_names(fn, cands, 64);
                const char *near = diag_suggest(key, cands, n);
                if (near)
                    finding(l, DIAG_ERROR, kt, "%s: unknown option '%s' (did you mean '%s'?)",
                            fn->name, key, near);
                else
                    finding(l, DIAG_ERROR, kt, "%s: unknown option '%s'", fn->name, key);
            } else if (e > v) {
                check_value(l, k, v, e - 1);
            }
        }
        i = e + 1;
    }
}

/* The arguments of a call whose argument list starts at token a: each
 * argument's first and last token. Returns how many (up to cap). */
static int call_args(Lint *l, size_t a, size_t *first, size_t *last, int cap)
{
    const LxTok *t = tok(l, a);
    if (t->kind == LX_STRING) {
        first[0] = last[0] = a;
        return 1;
    }
    if (lx_is(t, "{")) {
        first[0] = a;
        last[0] = closing(l, a);
        return 1;
    }
    size_t close = closing(l, a);
    int n = 0;
    size_t i = a + 1;
    while (i < close && n < cap) {
        size_t f = i;
        while (i < close && !lx_is(tok(l, i), ",")) {
            const LxTok *u = tok(l, i);
            if (lx_is(u, "{") || lx_is(u, "(") || lx_is(u, "[")) i = closing(l, i);
            i++;
        }
        first[n] = f;
        last[n] = i - 1;
        n++;
        i++;
    }
    return n;
}

/* The call's arguments against fn: literal names, the options table. */
static void check_call(Lint *l, const ApiFn *fn, size_t a)
{
    size_t first[8], last[8];
    int n = call_args(l, a, first, last, 8);
    for (int k = 0; k < n; k++) {
        const LxTok *t = tok(l, first[k]);
        if (first[k] == last[k] && t->kind == LX_STRING && k < fn->nargs) check_name(l, fn->args[k], t);
        if (fn->opts_arg == k + 1 && lx_is(t, "{") && closing(l, first[k]) == last[k])
            check_table(l, fn, first[k], last[k]);
    }
}

/* A call's head at token i: the schema name it calls into `out`, and the
 * token after the head (its arguments) into *args. Returns 0 when i
 * starts no call, 1 a bare name, 2 module.name. */
static int call_head(Lint *l, size_t i, char *out, size_t size, size_t *args)
{
    const LxTok *t = tok(l, i);
    if (!is_name(t)) return 0;
    if (i > 0) {
        const LxTok *p = tok(l, i - 1);
        if (lx_is(p, ".") || lx_is(p, ":") || lx_is(p, "function") || lx_is(p, "goto") ||
            lx_is(p, "::"))
            return 0;
    }
    char a[128], b[128];
    name_of(t, a, sizeof a);
    int parts = 1;
    size_t j = i + 1;
    if (lx_is(tok(l, j), ".") && is_name(tok(l, j + 1))) {
        name_of(tok(l, j + 1), b, sizeof b);
        parts = 2;
        j += 2;
        if (lx_is(tok(l, j), ".") || lx_is(tok(l, j), ":")) return 0;
    }
    const LxTok *n = tok(l, j);
    if (!(lx_is(n, "(") || lx_is(n, "{") || n->kind == LX_STRING)) return 0;
    *args = j;
    if (parts == 1) {
        snprintf(out, size, "%s", a);
        return 1;
    }
    for (int k = 0; k < l->naliases; k++)
        if (strcmp(l->alias[k][0], a) == 0) {
            snprintf(out, size, "%s.%s", l->alias[k][1], b);
            return 2;
        }
    return 0;
}

/* ---- the passes ---- */

/* Module aliases (local x = require("firedrill.patterns")) and the names
 * the file declares (locals, functions, parameters, assignments). */
static void collect_declarations(Lint *l)
{
    l->alias[0][0] = "expect";
    l->alias[0][1] = "expect";
    l->naliases = 1;
    bool params = false;
    for (size_t i = 0; i + 1 < l->tk.n; i++) {
        const LxTok *t = tok(l, i);
        const LxTok *p = i > 0 ? tok(l, i - 1) : NULL;
        if (lx_is(t, "function")) params = true;
        if (params && lx_is(t, ")")) params = false;
        if (!is_name(t)) continue;
        bool decl = params && p && (lx_is(p, "(") || lx_is(p, ","));
        if (p && (lx_is(p, "local") || lx_is(p, "function") || lx_is(p, "for") || lx_is(p, ",")))
            decl = true;
        if (lx_is(tok(l, i + 1), "=") && !(p && (lx_is(p, "{") || lx_is(p, ",") || lx_is(p, ";"))))
            decl = true;
        if (!decl) continue;
        char buf[128];
        name_of(t, buf, sizeof buf);
        /* local x = require("firedrill.y") */
        if (lx_is(tok(l, i + 1), "=") && is_name(tok(l, i + 2)) &&
            tok(l, i + 2)->len == 7 && memcmp(tok(l, i + 2)->p, "require", 7) == 0) {
            size_t s = i + 3;
            if (lx_is(tok(l, s), "(")) s++;
            const LxTok *m = tok(l, s);
            if (m->kind == LX_STRING && m->str && strncmp(m->str, "firedrill.", 10) == 0 &&
                l->naliases < 16) {
                const char *mod = m->str + 10;
                if (strcmp(mod, "patterns") == 0 || strcmp(mod, "playbooks") == 0 ||
                    strcmp(mod, "expect") == 0) {
                    char *dup = (char *)diag_intern(l->dl, buf);
                    if (!dup) { l->oom = true; return; }
                    l->alias[l->naliases][0] = dup;
                    l->alias[l->naliases][1] = mod;
                    l->naliases++;
                    continue;
                }
            }
        }
        const char *keep = diag_intern(l->dl, buf);
        if (!keep) { l->oom = true; return; }
        names_add(l, &l->declared, keep);
    }
}

/* The literal names of team{} and alert{} calls anywhere in the file. */
static void collect_teams_alerts(Lint *l)
{
    for (int i = 0; i < l->s->nteams; i++) names_add(l, &l->teams, l->s->teams[i].name);
    for (int i = 0; i < l->s->nalerts; i++) names_add(l, &l->alerts, l->s->alerts[i].name);
    for (size_t i = 0; i < l->tk.n; i++) {
        char head[160];
        size_t a;
        if (call_head(l, i, head, sizeof head, &a) != 1) continue;
        const ApiFn *fn = api_schema_find(head);
        if (!fn || !fn->declares || !lx_is(tok(l, a), "{")) continue;
        bool team = strcmp(fn->declares, "team") == 0;
        size_t close = closing(l, a);
        bool found = false;
        for (size_t j = a + 1; j + 2 <= close; j++) {
            if (!(tok(l, j)->len == 4 && memcmp(tok(l, j)->p, "name", 4) == 0 &&
                  lx_is(tok(l, j + 1), "=") && (lx_is(tok(l, j - 1), "{") || lx_is(tok(l, j - 1), ",") ||
                                                  lx_is(tok(l, j - 1), ";"))))
                continue;
            const LxTok *v = tok(l, j + 2);
            const LxTok *after = tok(l, j + 3);
            if (v->kind == LX_STRING && v->str && (lx_is(after, ",") || lx_is(after, ";") ||
                                                    lx_is(after, "}"))) {
                names_add(l, team ? &l->teams : &l->alerts, v->str);
                found = true;
            }
            break;
        }
        if (!found) *(team ? &l->teams_open : &l->alerts_open) = true;
    }
}

/* Whether `name` is a global of the sandbox after the top level ran. */
static bool is_global(Lint *l, const char *name)
{
    lua_State *L = l->s->L;
    if (!L) return false;
    lua_pushglobaltable(L);
    lua_pushstring(L, name);
    bool g = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (g) return true;
    if (lua_getfield(L, LUA_REGISTRYINDEX, "fd.builtins") == LUA_TTABLE) {
        lua_pushstring(L, name);
        g = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return g;
}

static void check_calls(Lint *l)
{
    size_t nfns;
    const ApiFn *fns = api_schema(&nfns);
    const char *cands[128];
    for (size_t i = 0; i < l->tk.n; i++) {
        char head[160];
        size_t a;
        int kind = call_head(l, i, head, sizeof head, &a);
        if (!kind) continue;
        const LxTok *t = tok(l, i);
        const ApiFn *fn = api_schema_find(head);
        if (fn && fn->opts_arg + fn->nargs > 0) {
            check_call(l, fn, a);
            continue;
        }
        if (fn) continue;
        if (kind == 2) {
            /* module.name: the module's functions only. */
            const char *dot = strchr(head, '.');
            size_t plen = (size_t)(dot - head) + 1;
            size_t n = 0;
            for (size_t k = 0; k < nfns && n < 128; k++)
                if (strncmp(fns[k].name, head, plen) == 0 && !strchr(fns[k].name + plen, '.') &&
                    fns[k].opts_arg + fns[k].nargs > 0)
                    cands[n++] = fns[k].name;
            const char *near = diag_suggest(head, cands, n);
            if (near)
                finding(l, DIAG_ERROR, t, "unknown function '%s' (did you mean '%s'?)", head, near);
            else
                finding(l, DIAG_ERROR, t, "unknown function '%s'", head);
            continue;
        }
        if (names_has(&l->declared, head) || is_global(l, head)) continue;
        size_t n = 0;
        for (size_t k = 0; k < nfns && n < 128; k++)
            if (!strchr(fns[k].name, '.')) cands[n++] = fns[k].name;
        const char *near = diag_suggest(head, cands, n);
        if (near)
            finding(l, DIAG_ERROR, t, "call of undefined function '%s' (did you mean '%s'?)", head,
                    near);
        else
            finding(l, DIAG_WARNING, t, "call of '%s', which is not defined when the scenario "
                    "starts", head);
    }
}

int scenario_lint(Scenario *s, DiagList *dl)
{
    if (!s || !s->path || !s->have_topo) return 0;
    FILE *f = fopen(s->path, "rb");
    if (!f) return 0;                 /* the run already read it: nothing new to say */
    char *src = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *b = realloc(src, cap);
            if (!b) {
                free(src);
                fclose(f);
                return -3;
            }
            src = b;
        }
        size_t got = fread(src + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    Lint l;
    memset(&l, 0, sizeof l);
    l.s = s;
    l.dl = dl;
    l.file = diag_intern(dl, s->path);
    size_t before = dl->errors;
    int rc = lx_lex(src, n, &l.tk);
    if (rc == -1) {
        FdLoc loc = { l.file, l.tk.err_line, l.tk.err_col };
        diag_error(dl, loc, "%s", l.tk.err);
    } else if (rc == 0 && l.file) {
        collect_declarations(&l);
        collect_teams_alerts(&l);
        if (!l.oom) check_calls(&l);
    }
    lx_free(&l.tk);
    free(l.teams.v);
    free(l.alerts.v);
    free(l.declared.v);
    free(src);
    if (rc == -3 || l.oom || !l.file || dl->oom) return -3;
    return (int)(dl->errors - before);
}
