/*
 * test_api_schema.c: docs/api.md and the editor stubs in lua/meta/ say
 * what engine/script/api_schema.c says.
 *
 * The schema is the one description of every function's options (the run
 * time and `firedrill check` use it directly); this test holds the two
 * descriptions written for people to it:
 *   - lua/meta: for every function with options, the stub's options class
 *     (`---@param o fd.X` above `function name(o)`, with the fields of the
 *     classes it extends) has exactly the schema's keys, nested tables too;
 *   - docs/api.md: every key appears in the function's section (its
 *     `### name` heading, or its row in the expectations, patterns and
 *     playbooks tables), and every option a section's table lists
 *     (`| \`key\` |`) is in the schema.
 * Run from the repository root (ctest does).
 */
#include "fdtest.h"

#include <stdlib.h>
#include <string.h>
#include "script/api_schema.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t n = 0, cap = 1 << 16;
    char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 4096) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) { free(b); b = NULL; }
            else b = nb;
        }
    }
    fclose(f);
    if (b) b[n] = 0;
    return b;
}

/* ---- the stubs ---- */

#define MAXC 256
#define MAXF 32

typedef struct Class {
    char name[80], parent[80];
    char fields[MAXF][40];
    char types[MAXF][80];
    int nfields;
} Class;

typedef struct Stubs {
    Class c[MAXC];
    int n;
    char fn[MAXC][80];          /* function name -> its options class */
    char fn_class[MAXC][80];
    int nfn;
} Stubs;

static Stubs stubs;

static void read_stubs(const char *path)
{
    char *text = slurp(path);
    CHECK(text != NULL);
    if (!text) return;
    Class *cur = NULL;
    char param_class[80] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char a[80], b[80];
        if (sscanf(line, "---@class (exact) %79s", a) == 1 || sscanf(line, "---@class %79s", a) == 1) {
            if (stubs.n == MAXC) continue;
            cur = &stubs.c[stubs.n++];
            memset(cur, 0, sizeof *cur);
            /* "fd.X:" or "fd.X: fd.Parent" */
            char *colon = strchr(a, ':');
            if (colon) *colon = 0;
            snprintf(cur->name, sizeof cur->name, "%s", a);
            const char *p = strstr(line, ": ");
            if (p && sscanf(p + 2, "%79s", b) == 1) snprintf(cur->parent, sizeof cur->parent, "%s", b);
        } else if (cur && sscanf(line, "---@field %39s %79s", a, b) == 2) {
            if (cur->nfields == MAXF) continue;
            size_t n = strlen(a);
            if (n && a[n - 1] == '?') a[n - 1] = 0;
            snprintf(cur->fields[cur->nfields], 40, "%.39s", a);   /* read with %39s */
            snprintf(cur->types[cur->nfields], 80, "%s", b);
            cur->nfields++;
        } else if (sscanf(line, "---@param o? %79s", a) == 1 || sscanf(line, "---@param o %79s", a) == 1) {
            /* "fd.Service|fd.RollbackOptions": the class is the last part. */
            const char *bar = strrchr(a, '|');
            snprintf(param_class, sizeof param_class, "%s", bar ? bar + 1 : a);
        } else if (strncmp(line, "function ", 9) == 0) {
            if (sscanf(line + 9, "%79[A-Za-z_.](", a) == 1 && param_class[0] && stubs.nfn < MAXC) {
                snprintf(stubs.fn[stubs.nfn], 80, "%s", a);
                snprintf(stubs.fn_class[stubs.nfn], 80, "%s", param_class);
                stubs.nfn++;
            }
            param_class[0] = 0;
            cur = NULL;
        } else if (strncmp(line, "---", 3) != 0) {
            cur = NULL;
        }
    }
    free(text);
}

static const Class *find_class(const char *name)
{
    for (int i = 0; i < stubs.n; i++)
        if (strcmp(stubs.c[i].name, name) == 0) return &stubs.c[i];
    return NULL;
}

/* The class's field `key` (its own or inherited): its type, or NULL. */
static const char *class_field(const Class *c, const char *key)
{
    for (int depth = 0; c && depth < 8; depth++) {
        for (int i = 0; i < c->nfields; i++)
            if (strcmp(c->fields[i], key) == 0) return c->types[i];
        c = c->parent[0] ? find_class(c->parent) : NULL;
    }
    return NULL;
}

static void check_class(const ApiFn *fn, const Class *c)
{
    for (const ApiKey *k = fn->keys; k->name; k++) {
        const char *type = class_field(c, k->name);
        if (!type) {
            fprintf(stderr, "  lua/meta: %s (%s) lacks the option '%s'\n", fn->name, c->name, k->name);
            CHECK(type != NULL);
            continue;
        }
        if (k->sub) {
            const Class *sub = find_class(type);
            const ApiFn *sf = api_schema_find(k->sub);
            CHECK(sf != NULL);
            if (sub && sf) check_class(sf, sub);
        }
    }
    for (const Class *x = c; x; x = x->parent[0] ? find_class(x->parent) : NULL)
        for (int i = 0; i < x->nfields; i++)
            if (!api_schema_key(fn, x->fields[i])) {
                fprintf(stderr, "  lua/meta: %s (%s) documents '%s', which api_schema.c does not have\n",
                        fn->name, c->name, x->fields[i]);
                CHECK(0);
            }
}

static void test_stubs(void)
{
    read_stubs("lua/meta/firedrill.lua");
    read_stubs("lua/meta/firedrill/patterns.lua");
    read_stubs("lua/meta/firedrill/playbooks.lua");
    size_t n;
    const ApiFn *fns = api_schema(&n);
    int checked = 0;
    for (size_t i = 0; i < n; i++) {
        const ApiFn *fn = &fns[i];
        if (!fn->keys || fn->opts_arg == 0) continue;
        const char *cls = NULL;
        for (int j = 0; j < stubs.nfn; j++)
            if (strcmp(stubs.fn[j], fn->name) == 0) cls = stubs.fn_class[j];
        if (!cls) {
            fprintf(stderr, "  lua/meta: no stub with an options class for %s\n", fn->name);
            CHECK(cls != NULL);
            continue;
        }
        const Class *c = find_class(cls);
        if (!c) fprintf(stderr, "  lua/meta: %s's class %s is not defined\n", fn->name, cls);
        CHECK(c != NULL);
        if (c) check_class(fn, c);
        checked++;
    }
    CHECK(checked > 40);
}

/* ---- docs/api.md ---- */

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Whether `word` occurs in [a, b) as a whole word. */
static bool has_word(const char *a, const char *b, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = a; p + n <= b; p++) {
        p = strstr(p, word);
        if (!p || p + n > b) return false;
        if ((p == a || !is_word(p[-1])) && !is_word(p[n])) return true;
    }
    return false;
}

/* The section of fn in the docs: [*a, *b). */
static bool section(const char *doc, const ApiFn *fn, const char **a, const char **b)
{
    const char *dot = strchr(fn->name, '.');
    char pat[160];
    if (dot && strncmp(fn->name, "expect.", 7) == 0) {
        snprintf(pat, sizeof pat, "\n| `%s", fn->name);
    } else if (dot && (strncmp(fn->name, "patterns.", 9) == 0 || strncmp(fn->name, "playbooks.", 10) == 0)) {
        snprintf(pat, sizeof pat, "\n| `%s`", dot + 1);
    } else {
        /* "### name", "### name, other", "### name (low level)" */
        for (const char *p = doc; (p = strstr(p, "\n### ")) != NULL; p++) {
            const char *eol = strchr(p + 1, '\n');
            if (!eol) break;
            if (has_word(p + 5, eol, fn->name)) {
                *a = p;
                const char *next = strstr(eol, "\n## ");
                const char *next3 = strstr(eol, "\n### ");
                *b = next3 && (!next || next3 < next) ? next3 : next ? next : doc + strlen(doc);
                return true;
            }
        }
        return false;
    }
    *a = strstr(doc, pat);
    if (!*a) return false;
    *b = strchr(*a + 1, '\n');
    if (!*b) *b = doc + strlen(doc);
    return true;
}

static void test_docs(void)
{
    char *doc = slurp("docs/api.md");
    CHECK(doc != NULL);
    if (!doc) return;
    size_t n;
    const ApiFn *fns = api_schema(&n);
    for (size_t i = 0; i < n; i++) {
        const ApiFn *fn = &fns[i];
        if (!fn->keys || fn->opts_arg == 0) continue;
        const char *a, *b;
        if (!section(doc, fn, &a, &b)) {
            fprintf(stderr, "  docs/api.md: no section for %s\n", fn->name);
            CHECK(0);
            continue;
        }
        for (const ApiKey *k = fn->keys; k->name; k++) {
            if (!has_word(a, b, k->name)) {
                fprintf(stderr, "  docs/api.md: %s's section does not mention '%s'\n", fn->name, k->name);
                CHECK(0);
            }
            /* A human time's distribution keys are described once, under
             * "Human times", not under every function that takes one. */
            if (k->sub && k->type != AT_HUMANTIME) {
                const ApiFn *sf = api_schema_find(k->sub);
                for (const ApiKey *sk = sf ? sf->keys : NULL; sk && sk->name; sk++) {
                    char full[96];
                    snprintf(full, sizeof full, "`%s.%s`", k->name, sk->name);
                    if (!strstr(a, full) || strstr(a, full) > b) {
                        fprintf(stderr, "  docs/api.md: %s's section lacks %s\n", fn->name, full);
                        CHECK(0);
                    }
                }
            }
        }
        /* Every row of an options table names a key the schema has. */
        if (strncmp(a, "\n###", 4) != 0) continue;
        for (const char *p = a; (p = strstr(p, "\n| `")) != NULL && p < b; p++) {
            char key[64];
            if (sscanf(p, "\n| `%63[A-Za-z_.]` |", key) != 1) continue;
            char *dot = strchr(key, '.');
            if (dot) *dot = 0;
            if (!api_schema_key(fn, key)) {
                fprintf(stderr, "  docs/api.md: %s's table lists '%s', which api_schema.c does not have\n",
                        fn->name, key);
                CHECK(0);
            }
        }
    }
    free(doc);
}

static void test_table(void)
{
    size_t n;
    const ApiFn *fns = api_schema(&n);
    for (size_t i = 0; i < n; i++) {
        CHECK(api_schema_find(fns[i].name) == &fns[i]);     /* names are unique */
        for (const ApiKey *k = fns[i].keys; k && k->name; k++) {
            CHECK(k->doc && *k->doc);
            CHECK(api_schema_key(&fns[i], k->name) == k);  /* keys are unique */
            if (k->sub) CHECK(api_schema_find(k->sub) != NULL);
        }
    }
    CHECK(api_schema_find("crash") && api_schema_key(api_schema_find("crash"), "service"));
    CHECK(api_schema_find("crsh") == NULL);
}

int main(void)
{
    test_table();
    test_stubs();
    test_docs();
    return fdt_finish();
}
