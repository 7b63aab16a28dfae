/*
 * command.c: game-day commands into the scenario API's Lua (command.h).
 *
 * Each verb has an argument pattern, one letter per argument:
 *   S service   C configuration item   X component (service or item)
 *   T team      R region               r optional region
 *   E regions, zero or more            N whole number
 *   F a fraction ("30%" or 0.3)        w the rest of the line, required
 *   W the rest of the line, optional   k an optional keyword (the verb's)
 * The translation checks every name against the topology and the teams.
 */
#include "live/command.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/diag.h"
#include "script/scenario.h"

typedef struct Verb {
    CmdVerb v;
    const char *args;
    const char *keyword;    /* for 'k' */
} Verb;

static const Verb verbs[] = {
    { { "ack", "ack [PAGE]", "acknowledge your team's page (or join the incident): instant" }, "W", NULL },
    { { "inspect", "inspect SERVICE [REGION]",
        "look at a service's instances, queues and errors by cause: about 2 min" }, "Sr", NULL },
    { { "diagnose", "diagnose COMPONENT",
        "work out what is wrong with a service or configuration item: your team's diagnosis time" },
      "X", NULL },
    { { "rollback", "rollback SERVICE [REGION...]",
        "put the previous version back, 2 instances at a time through the platform: 5 min to start" },
      "SE", NULL },
    { { "repair_config", "repair_config ITEM [REGION]",
        "write good data back into a configuration item: 10 min" }, "Cr", NULL },
    { { "restart", "restart SERVICE [REGION] [manual]",
        "restart through the platform (2 min to start), or by hand, bypassing it: 10 min" }, "Srk",
      "manual" },
    { { "scale", "scale SERVICE INSTANCES [REGION]",
        "set the instance count per region (new ones go through the platform): 3 min" }, "SNr", NULL },
    { { "shift_traffic", "shift_traffic FROM TO [TO...]",
        "move a region's traffic to other regions: 3 min, then the propagation delay" }, "RE", NULL },
    { { "open_breakers", "open_breakers SERVICE", "force the breakers on calls to a service open: 1 min" },
      "S", NULL },
    { { "close_breakers", "close_breakers SERVICE", "give the breakers back to their rule: 1 min" }, "S",
      NULL },
    { { "shed", "shed SERVICE FRACTION [REGION]", "reject a share of new requests (0 stops): 1 min" },
      "SFr", NULL },
    { { "fallback", "fallback FROM TO [off]",
        "answer with a fallback when FROM's calls to TO fail (off: stop): 2 min" }, "SSk", "off" },
    { { "status_page", "status_page TEXT",
        "post on the status page (opening with resolved or operational: an all-clear): 2 min" }, "w", NULL },
    { { "declare", "declare SEVERITY [WHY]", "declare the incident: instant" }, "wW", NULL },
    { { "page", "page TEAM [WHY]", "page another team (it is briefed by yours): instant" }, "TW", NULL },
    { { "note", "note TEXT", "a line in the timeline: instant" }, "w", NULL },
    { { "help", "help", "this list" }, "", NULL },
};

const CmdVerb *cmd_verbs(size_t *n)
{
    static CmdVerb out[sizeof verbs / sizeof verbs[0]];
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) out[i] = verbs[i].v;
    *n = sizeof verbs / sizeof verbs[0];
    return out;
}

/* ---- output ---- */

typedef struct Out {
    char *p;
    size_t n, len;
    bool full;
} Out;

static void put(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->p + o->len, o->n - o->len, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= o->n - o->len) { o->full = true; o->len = o->n - 1; return; }
    o->len += (size_t)k;
}

/* A Lua string literal. */
static void put_str(Out *o, const char *s, size_t len)
{
    put(o, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') put(o, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) put(o, "\\%03d", c);
        else put(o, "%c", c);
    }
    put(o, "\"");
}

static void put_s(Out *o, const char *s) { put_str(o, s, strlen(s)); }

/* ---- words ---- */

#define MAXW 24

typedef struct Words {
    const char *w[MAXW];
    size_t len[MAXW];
    int n;
} Words;

static void split(const char *line, Words *w)
{
    w->n = 0;
    const char *p = line;
    while (*p && w->n < MAXW) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        w->w[w->n] = s;
        w->len[w->n++] = (size_t)(p - s);
    }
}

static bool word_is(const Words *w, int i, const char *s)
{
    return i < w->n && strlen(s) == w->len[i] && memcmp(w->w[i], s, w->len[i]) == 0;
}

/* The rest of the line from word i, trimmed. */
static void rest(const Words *w, int i, const char **s, size_t *len)
{
    if (i >= w->n) { *s = ""; *len = 0; return; }
    *s = w->w[i];
    const char *end = w->w[w->n - 1] + w->len[w->n - 1];
    *len = (size_t)(end - *s);
}

/* ---- names ---- */

typedef enum Kind { K_SERVICE, K_REGION, K_CONFIG, K_COMPONENT, K_TEAM } Kind;

static const char *kind_label(Kind k)
{
    static const char *const l[] = { "service", "region", "configuration item", "component", "team" };
    return l[k];
}

static int list_names(const CmdNames *nm, Kind k, const char **out, int cap)
{
    const Topo *t = nm->topo;
    int n = 0;
    if (k == K_SERVICE || k == K_COMPONENT)
        for (int i = 0; i < t->nservices && n < cap; i++) out[n++] = t->services[i].name;
    if (k == K_CONFIG || k == K_COMPONENT)
        for (int i = 0; i < t->nconfigs && n < cap; i++) out[n++] = t->configs[i].name;
    if (k == K_REGION)
        for (int i = 0; i < t->nregions && n < cap; i++) out[n++] = t->regions[i].name;
    if (k == K_TEAM)
        for (int i = 0; i < nm->nteams && n < cap; i++) out[n++] = nm->teams[i];
    return n;
}

/* Checks word i names a `k`; else says so in err. */
static bool check_name(const CmdNames *nm, Kind k, const Words *w, int i, char *err, size_t errsize)
{
    const char *names[1024];
    int n = list_names(nm, k, names, 1024);
    for (int j = 0; j < n; j++)
        if (word_is(w, i, names[j])) return true;
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)(w->len[i] < 100 ? w->len[i] : 100), w->w[i]);
    const char *near = diag_suggest(word, names, (size_t)n);
    if (near) snprintf(err, errsize, "unknown %s '%s' (did you mean '%s'?)", kind_label(k), word, near);
    else snprintf(err, errsize, "unknown %s '%s'", kind_label(k), word);
    return false;
}

static const Verb *find_verb(const Words *w)
{
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (word_is(w, 0, verbs[i].v.verb)) return &verbs[i];
    return NULL;
}

/* A fraction: "30%", "0.3" or "30" (a percentage when above 1). */
static bool parse_fraction(const char *s, size_t len, double *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf) return false;
    memcpy(buf, s, len);
    buf[len] = 0;
    bool pct = buf[len - 1] == '%';
    if (pct) buf[len - 1] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (*end || end == buf || !(v >= 0)) return false;
    if (pct || v > 1) v /= 100;
    if (v > 1) return false;
    *out = v;
    return true;
}

/* ---- translation ---- */

static int usage_error(const Verb *v, char *err, size_t errsize)
{
    snprintf(err, errsize, "usage: %s", v->v.usage);
    return -1;
}

/* Checks the words against the verb's pattern; on success the positions
 * of each argument letter are in pos (-1: absent). */
static int match(const CmdNames *nm, const Verb *v, const Words *w, int *pos, char *err, size_t errsize)
{
    int i = 1;
    for (int a = 0; v->args[a]; a++) {
        char c = v->args[a];
        pos[a] = -1;
        switch (c) {
        case 'S': case 'C': case 'X': case 'T': case 'R': {
            if (i >= w->n) return usage_error(v, err, errsize);
            Kind k = c == 'S' ? K_SERVICE : c == 'C' ? K_CONFIG : c == 'X' ? K_COMPONENT
                   : c == 'T' ? K_TEAM : K_REGION;
            if (!check_name(nm, k, w, i, err, errsize)) return -1;
            pos[a] = i++;
            break;
        }
        case 'r':
            if (i < w->n && !(v->keyword && word_is(w, i, v->keyword))) {
                if (!check_name(nm, K_REGION, w, i, err, errsize)) return -1;
                pos[a] = i++;
            }
            break;
        case 'E':
            pos[a] = i;
            for (; i < w->n; i++)
                if (!check_name(nm, K_REGION, w, i, err, errsize)) return -1;
            break;
        case 'N': {
            if (i >= w->n) return usage_error(v, err, errsize);
            char buf[16];
            if (w->len[i] >= sizeof buf) return usage_error(v, err, errsize);
            memcpy(buf, w->w[i], w->len[i]);
            buf[w->len[i]] = 0;
            char *end;
            long n = strtol(buf, &end, 10);
            if (*end || n < 0 || n > 100000) {
                snprintf(err, errsize, "%s: expected a whole number of instances, 0 to 100000, got '%s'",
                         v->v.verb, buf);
                return -1;
            }
            pos[a] = i++;
            break;
        }
        case 'F': {
            double f;
            if (i >= w->n) return usage_error(v, err, errsize);
            if (!parse_fraction(w->w[i], w->len[i], &f)) {
                snprintf(err, errsize, "%s: expected a fraction like 30%% or 0.3", v->v.verb);
                return -1;
            }
            pos[a] = i++;
            break;
        }
        case 'k':
            if (i < w->n && word_is(w, i, v->keyword)) pos[a] = i++;
            break;
        case 'w':
            if (i >= w->n) return usage_error(v, err, errsize);
            pos[a] = i;
            if (v->args[a + 1] == 'W') i++;   /* one word, then the rest */
            else i = w->n;
            break;
        case 'W':
            if (i < w->n) pos[a] = i;
            i = w->n;
            break;
        }
    }
    if (i < w->n) {
        snprintf(err, errsize, "%s: too many words (usage: %s)", v->v.verb, v->v.usage);
        return -1;
    }
    return 0;
}

static void put_word(Out *o, const Words *w, int i) { put_str(o, w->w[i], w->len[i]); }

static void put_rest(Out *o, const Words *w, int i)
{
    const char *s;
    size_t len;
    rest(w, i, &s, &len);
    put_str(o, s, len);
}

/* act{} for the time a person takes to do an instant API call. */
static void put_act(Out *o, const char *team, const char *takes, const char *what, const Words *w,
                    int i)
{
    put(o, "act { team = ");
    put_s(o, team);
    put(o, ", takes = \"%s\", what = \"%s ", takes, what);
    put(o, "%.*s\" }\n", (int)w->len[i], w->w[i]);
}

int cmd_translate(const CmdNames *nm, const char *team, const char *line, char *lua, size_t luasize,
                  char *err, size_t errsize)
{
    Words w;
    split(line, &w);
    lua[0] = 0;
    if (w.n == 0) { snprintf(err, errsize, "type a command; help lists them"); return -1; }
    if (w.n == MAXW) { snprintf(err, errsize, "too many words"); return -1; }
    const Verb *v = find_verb(&w);
    if (!v) {
        const char *names[64];
        size_t n = 0;
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) names[n++] = verbs[i].v.verb;
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)(w.len[0] < 60 ? w.len[0] : 60), w.w[0]);
        const char *near = diag_suggest(word, names, n);
        if (near) snprintf(err, errsize, "unknown command '%s' (did you mean '%s'?); help lists them", word, near);
        else snprintf(err, errsize, "unknown command '%s'; help lists them", word);
        return -1;
    }
    int pos[8];
    if (match(nm, v, &w, pos, err, errsize) < 0) return -1;
    Out o = { lua, luasize, 0, false };
    const char *verb = v->v.verb;
    if (strcmp(verb, "help") == 0) {
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
            put(&o, "%-36s %s\n", verbs[i].v.usage, verbs[i].v.help);
        return o.full ? -1 : 1;
    }
    if (strcmp(verb, "ack") == 0) {
        put(&o, "ack(");
        put_s(&o, team);
        put(&o, ")\n");
    } else if (strcmp(verb, "inspect") == 0) {
        put(&o, "return inspect { service = ");
        put_word(&o, &w, pos[0]);
        if (pos[1] >= 0) { put(&o, ", region = "); put_word(&o, &w, pos[1]); }
        put(&o, ", team = ");
        put_s(&o, team);
        put(&o, " }\n");
    } else if (strcmp(verb, "diagnose") == 0) {
        put(&o, "local _, _, found = diagnose { component = ");
        put_word(&o, &w, pos[0]);
        put(&o, ", team = ");
        put_s(&o, team);
        put(&o, ", misdiagnose = 0 }\nreturn found\n");
    } else if (strcmp(verb, "rollback") == 0) {
        put_act(&o, team, "5m", "start the rollback of", &w, pos[0]);
        put(&o, "rollback { service = ");
        put_word(&o, &w, pos[0]);
        if (pos[1] < w.n) {
            put(&o, ", regions = { ");
            for (int i = pos[1]; i < w.n; i++) {
                put_word(&o, &w, i);
                put(&o, i + 1 < w.n ? ", " : " }");
            }
        }
        put(&o, " }\n");
    } else if (strcmp(verb, "repair_config") == 0) {
        put_act(&o, team, "10m", "repair the data of", &w, pos[0]);
        put(&o, "repair_config { item = ");
        put_word(&o, &w, pos[0]);
        if (pos[1] >= 0) { put(&o, ", region = "); put_word(&o, &w, pos[1]); }
        put(&o, " }\n");
    } else if (strcmp(verb, "restart") == 0) {
        bool manual = pos[2] >= 0;
        if (!manual) put_act(&o, team, "2m", "restart", &w, pos[0]);
        put(&o, "restart { service = ");
        put_word(&o, &w, pos[0]);
        if (pos[1] >= 0) { put(&o, ", region = "); put_word(&o, &w, pos[1]); }
        if (manual) { put(&o, ", manual = true, team = "); put_s(&o, team); }
        put(&o, " }\n");
    } else if (strcmp(verb, "scale") == 0) {
        put_act(&o, team, "3m", "scale", &w, pos[0]);
        put(&o, "scale { service = ");
        put_word(&o, &w, pos[0]);
        put(&o, ", instances = %.*s", (int)w.len[pos[1]], w.w[pos[1]]);
        if (pos[2] >= 0) { put(&o, ", region = "); put_word(&o, &w, pos[2]); }
        put(&o, " }\n");
    } else if (strcmp(verb, "shift_traffic") == 0) {
        if (pos[1] >= w.n) return usage_error(v, err, errsize);
        for (int i = pos[1]; i < w.n; i++)
            if (w.len[i] == w.len[pos[0]] && memcmp(w.w[i], w.w[pos[0]], w.len[i]) == 0) {
                snprintf(err, errsize, "shift_traffic: the regions to shift to must not include FROM");
                return -1;
            }
        put_act(&o, team, "3m", "shift traffic away from", &w, pos[0]);
        put(&o, "shift_traffic { from = ");
        put_word(&o, &w, pos[0]);
        put(&o, ", to = { ");
        for (int i = pos[1]; i < w.n; i++) {
            put_word(&o, &w, i);
            put(&o, i + 1 < w.n ? ", " : " }");
        }
        put(&o, " }\n");
    } else if (strcmp(verb, "open_breakers") == 0 || strcmp(verb, "close_breakers") == 0) {
        put_act(&o, team, "1m", verb[0] == 'o' ? "open the breakers to" : "close the breakers to", &w,
                pos[0]);
        put(&o, "%s { to = ", verb);
        put_word(&o, &w, pos[0]);
        put(&o, " }\n");
    } else if (strcmp(verb, "shed") == 0) {
        double f = 0;
        parse_fraction(w.w[pos[1]], w.len[pos[1]], &f);
        put_act(&o, team, "1m", "shed load on", &w, pos[0]);
        put(&o, "shed { service = ");
        put_word(&o, &w, pos[0]);
        put(&o, ", fraction = %.4g", f);
        if (pos[2] >= 0) { put(&o, ", region = "); put_word(&o, &w, pos[2]); }
        put(&o, " }\n");
    } else if (strcmp(verb, "fallback") == 0) {
        put_act(&o, team, "2m", "switch the fallback of", &w, pos[0]);
        put(&o, "fallback { from = ");
        put_word(&o, &w, pos[0]);
        put(&o, ", to = ");
        put_word(&o, &w, pos[1]);
        if (pos[2] >= 0) put(&o, ", off = true");
        put(&o, " }\n");
    } else if (strcmp(verb, "status_page") == 0) {
        put(&o, "act { team = ");
        put_s(&o, team);
        put(&o, ", takes = \"2m\", what = \"post on the status page\" }\nstatus_page { text = ");
        /* A notice that opens with its state ("resolved ...") says so; a
         * state written as a label ("identified: ...") is not part of the
         * text customers read. */
        const char *const *states = scenario_page_states;
        const char *state = NULL;
        int from = pos[0];
        for (size_t k = 0; states[k]; k++) {
            size_t n = strlen(states[k]), len = w.len[pos[0]];
            if (len >= n && strncasecmp(w.w[pos[0]], states[k], n) == 0 &&
                (len == n || !isalpha((unsigned char)w.w[pos[0]][n]))) {
                state = states[k];
                if (len == n + 1 && w.w[pos[0]][n] == ':' && pos[0] + 1 < w.n) from = pos[0] + 1;
                break;
            }
        }
        put_rest(&o, &w, from);
        if (state) put(&o, ", state = \"%s\"", state);
        put(&o, " }\n");
    } else if (strcmp(verb, "declare") == 0) {
        put(&o, "declare(");
        put_word(&o, &w, pos[0]);
        if (pos[1] >= 0) { put(&o, ", "); put_rest(&o, &w, pos[1]); }
        put(&o, ")\n");
    } else if (strcmp(verb, "page") == 0) {
        if (strlen(team) == w.len[pos[0]] && memcmp(team, w.w[pos[0]], w.len[pos[0]]) == 0) {
            snprintf(err, errsize, "page: that is your own team");
            return -1;
        }
        put(&o, "page(");
        put_word(&o, &w, pos[0]);
        put(&o, ", { from = ");
        put_s(&o, team);
        if (pos[1] >= 0) { put(&o, ", why = "); put_rest(&o, &w, pos[1]); }
        put(&o, " })\n");
    } else if (strcmp(verb, "note") == 0) {
        put(&o, "note(");
        put_rest(&o, &w, pos[0]);
        put(&o, ")\n");
    }
    if (o.full) { snprintf(err, errsize, "the command is too long"); return -1; }
    return 0;
}

/* ---- completion ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_complete(const CmdNames *nm, const char *line, char **out, int max)
{
    Words w;
    split(line, &w);
    size_t len = strlen(line);
    bool fresh = len == 0 || isspace((unsigned char)line[len - 1]);   /* starting a new word */
    int widx = fresh ? w.n : w.n - 1;                                   /* the word being completed */
    const char *prefix = fresh ? "" : w.w[w.n - 1];
    size_t plen = fresh ? 0 : w.len[w.n - 1];
    size_t keep = fresh ? len : (size_t)(w.w[w.n - 1] - line);          /* the line before it */
    const char *cands[1100];
    int nc = 0;
    if (widx == 0) {
        for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) cands[nc++] = verbs[i].v.verb;
    } else {
        const Verb *v = find_verb(&w);
        if (!v) return 0;
        /* Which argument letter the word falls on. */
        int a = 0, i = 1;
        char c = 0;
        for (; v->args[a]; a++) {
            c = v->args[a];
            if (c == 'E' || c == 'w' || c == 'W') break;
            if (i == widx) break;
            i++;
            c = 0;
        }
        switch (c) {
        case 'S': nc = list_names(nm, K_SERVICE, cands, 1024); break;
        case 'C': nc = list_names(nm, K_CONFIG, cands, 1024); break;
        case 'X': nc = list_names(nm, K_COMPONENT, cands, 1024); break;
        case 'T': nc = list_names(nm, K_TEAM, cands, 1024); break;
        case 'R': case 'r': case 'E': nc = list_names(nm, K_REGION, cands, 1024); break;
        default: break;
        }
        if (c == 'r' && v->keyword) cands[nc++] = v->keyword;
        if ((c == 'k') && v->keyword) cands[nc++] = v->keyword;
        if (c == 0 && v->args[a] == 0) return 0;
    }
    int n = 0;
    for (int i = 0; i < nc && n < max; i++) {
        if (strncmp(cands[i], prefix, plen) != 0) continue;
        size_t sz = keep + strlen(cands[i]) + 2;
        char *s = malloc(sz);
        if (!s) break;
        snprintf(s, sz, "%.*s%s ", (int)keep, line, cands[i]);
        out[n++] = s;
    }
    qsort(out, (size_t)n, sizeof *out, cmp_str);
    return n;
}
