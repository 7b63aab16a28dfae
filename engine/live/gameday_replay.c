/*
 * gameday_replay.c: a game day's journal run again without people, and
 * exported as a playbook (gameday.h).
 *
 * The replay opens the scenario as the session did (seed, params, played
 * teams), then for each journalled command or inject runs the scenario to
 * the nanosecond it took effect and does it, as the live run did between
 * two slices. The kernel runs the same events in the same order, so the
 * outputs are the session's, byte for byte.
 *
 * The playbook is a scenario file: response_for{} names the scenario and
 * the teams it replaces, and each command is an at() at its exact time.
 */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "live/gameday_internal.h"
#include "report/outputs.h"

typedef struct Entry {
    char type[16];
    SimTime ns;
    int line;
    const char *player, *team, *text, *lua, *value;
    bool ok;
} Entry;

typedef struct Journal {
    json_t *head;
    json_t *lines;          /* the parsed lines, kept for their strings */
    Entry *v;
    int n;
    char path[4096];
} Journal;

static void journal_free(Journal *j)
{
    json_decref(j->head);
    json_decref(j->lines);
    free(j->v);
}

static int bad_line(DiagList *dl, const char *path, int line, const char *why)
{
    FdLoc loc = { diag_intern(dl, path), line, 0 };
    diag_error(dl, loc, "%s", why);
    return -1;
}

static const char *str_of(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int journal_read(Journal *j, const char *dir, DiagList *dl)
{
    memset(j, 0, sizeof *j);
    snprintf(j->path, sizeof j->path, "%s/session.jsonl", dir);
    FILE *f = fopen(j->path, "r");
    if (!f) {
        FdLoc loc = { diag_intern(dl, j->path), 0, 0 };
        diag_error(dl, loc, "cannot read the session journal: %s", strerror(errno));
        return -1;
    }
    j->lines = json_array();
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int line = 0, rc = 0;
    while (rc == 0 && (len = getline(&buf, &cap, f)) >= 0) {
        line++;
        json_error_t je;
        json_t *o = json_loadb(buf, (size_t)len, 0, &je);
        if (!o || !json_is_object(o)) {
            json_decref(o);
            rc = bad_line(dl, j->path, line, "not a JSON object");
            break;
        }
        const char *t = str_of(o, "t");
        if (line == 1) {
            if (!t || strcmp(t, "session") != 0 || !str_of(o, "scenario") ||
                !json_is_integer(json_object_get(o, "seed"))) {
                json_decref(o);
                rc = bad_line(dl, j->path, line, "expected the session's head: t = \"session\", scenario, seed");
                break;
            }
            j->head = o;
            continue;
        }
        json_array_append_new(j->lines, o);
        if (!t) { rc = bad_line(dl, j->path, line, "a line without \"t\""); break; }
        Entry e = { .line = line };
        snprintf(e.type, sizeof e.type, "%s", t);
        json_t *ns = json_object_get(o, "ns");
        bool needs_ns = strcmp(t, "cmd") == 0 || strcmp(t, "control") == 0 || strcmp(t, "end") == 0;
        if (needs_ns && (!json_is_integer(ns) || json_integer_value(ns) < 0)) {
            rc = bad_line(dl, j->path, line, "expected \"ns\", the simulated time in nanoseconds");
            break;
        }
        e.ns = json_is_integer(ns) ? (SimTime)json_integer_value(ns) : 0;
        e.player = str_of(o, "player");
        e.team = str_of(o, "team");
        e.text = str_of(o, "line");
        e.lua = str_of(o, "lua");
        e.value = str_of(o, "value");
        if (!e.value) e.value = str_of(o, "why");
        e.ok = json_is_true(json_object_get(o, "ok"));
        if (strcmp(t, "control") == 0) e.text = str_of(o, "op");
        if (strcmp(t, "cmd") == 0 && e.ok && (!e.player || !e.team || !e.text || !e.lua)) {
            rc = bad_line(dl, j->path, line, "a command needs player, team, line and lua");
            break;
        }
        if (j->n > 0 && e.ns < j->v[j->n - 1].ns) {
            rc = bad_line(dl, j->path, line, "simulated time goes backwards");
            break;
        }
        Entry *v = realloc(j->v, sizeof *v * (size_t)(j->n + 1));
        if (!v) { rc = -3; break; }
        j->v = v;
        j->v[j->n++] = e;
    }
    free(buf);
    fclose(f);
    if (rc == 0 && !j->head) rc = bad_line(dl, j->path, 1, "the journal is empty");
    return rc;
}

/* The head's params and played teams, as string arrays (borrowed). */
static int head_list(json_t *head, const char *key, const char ***out)
{
    json_t *a = json_object_get(head, key);
    int n = json_is_array(a) ? (int)json_array_size(a) : 0;
    *out = calloc((size_t)n + 1, sizeof **out);
    if (!*out) return -1;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(a, (size_t)i));
        if (s) (*out)[k++] = s;
    }
    return k;
}

static int replay_run(const Journal *j, const char *out, DiagList *dl)
{
    const char **params = NULL, **play = NULL;
    int np = head_list(j->head, "params", &params);
    int nt = head_list(j->head, "play", &play);
    if (np < 0 || nt < 0) { free(params); free(play); return -3; }
    int e = fd_mkdir_p(out);
    MetricsCsv mc = { 0 };
    char mp[4096];
    snprintf(mp, sizeof mp, "%s/metrics.csv", out);
    if (e == 0) e = metrics_csv_open(&mc, mp);
    if (e < 0) {
        FdLoc loc = { diag_intern(dl, out), 0, 0 };
        diag_error(dl, loc, "cannot write here: %s", strerror(-e));
        free(params);
        free(play);
        return -2;
    }
    static const ScenarioLive quiet = { 0 };
    ScenarioOptions so = { .path = str_of(j->head, "scenario"),
                           .seed = (uint64_t)json_integer_value(json_object_get(j->head, "seed")),
                           .params = params, .nparams = np, .play = play, .nplay = nt,
                           .on_interval = metrics_csv_interval, .ud = &mc, .live = &quiet };
    RunResult res;
    result_init(&res);
    Scenario *sc = NULL;
    int rc = scenario_open(&sc, &so, &res, dl);
    SimTime end = -1;
    for (int i = 0; rc == 0 && i < j->n; i++) {
        const Entry *en = &j->v[i];
        bool cmd = strcmp(en->type, "cmd") == 0 && en->ok;
        bool inject = strcmp(en->type, "control") == 0 && en->text && strcmp(en->text, "inject") == 0;
        if (strcmp(en->type, "end") == 0) {
            if (!en->value || strcmp(en->value, "time") != 0) end = en->ns;
            break;
        }
        if (!cmd && !inject) continue;
        int a = scenario_advance(sc, en->ns);
        if (a == 1) {
            rc = bad_line(dl, j->path, en->line, "this line comes after the scenario's end");
            break;
        }
        if (a < 0) { rc = a; break; }
        char err[512];
        if (cmd) {
            if (gameday_run_command(sc, en->player, en->team, en->text, en->lua, 0, err, sizeof err) < 0) {
                char why[700];
                snprintf(why, sizeof why, "the command does not compile: %s", err);
                rc = bad_line(dl, j->path, en->line, why);
            }
        } else if (!en->value || scenario_fire_inject(sc, en->value) < 0) {
            rc = bad_line(dl, j->path, en->line, "the scenario declares no such inject");
        }
    }
    if (rc == 0) {
        if (end >= 0) {
            rc = scenario_advance(sc, end);
            if (rc == 1) rc = 0;
        } else {
            while ((rc = scenario_advance(sc, scenario_duration(sc))) == 0) {}
            if (rc == 1) rc = 0;
        }
    }
    if (rc == 0) rc = scenario_finish(sc);
    if (rc == 0) {
        e = outputs_write(&res, scenario_topo(sc), out, &mc);
        if (e < 0) {
            FdLoc loc = { diag_intern(dl, out), 0, 0 };
            diag_error(dl, loc, "cannot write here: %s", strerror(-e));
            rc = -2;
        }
    } else {
        metrics_csv_abort(&mc);
    }
    scenario_close(sc);
    result_free(&res);
    free(params);
    free(play);
    return rc;
}

/* ---- the playbook ---- */

/* `to` relative to the folder `from` (both absolute, no trailing slash). */
static void relative(const char *from, const char *to, char *out, size_t n)
{
    size_t common = 0, i = 0;
    for (; from[i] && to[i] && from[i] == to[i]; i++)
        if (from[i] == '/') common = i;
    if (!from[i] && to[i] == '/') common = i;
    out[0] = 0;
    for (const char *p = from + common; *p; p++)
        if (*p == '/') strncat(out, "../", n - strlen(out) - 1);
    strncat(out, to + common + 1, n - strlen(out) - 1);
}

static void lua_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\%03d", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

static int export_lua(const Journal *j, const char *lua, DiagList *dl)
{
    char dir[PATH_MAX], scen[PATH_MAX], rel[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", lua);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    char *rdir = realpath(dir, NULL);
    if (!rdir || !realpath(str_of(j->head, "scenario"), scen)) {
        free(rdir);
        FdLoc loc = { diag_intern(dl, lua), 0, 0 };
        diag_error(dl, loc, "cannot place the playbook: %s", strerror(errno));
        return -2;
    }
    relative(rdir, scen, rel, sizeof rel);
    free(rdir);
    AtomicFile af;
    FILE *f = afile_open(&af, lua);
    if (!f) {
        FdLoc loc = { diag_intern(dl, lua), 0, 0 };
        diag_error(dl, loc, "cannot write the playbook: %s", strerror(errno));
        return -2;
    }
    json_t *play = json_object_get(j->head, "play");
    fprintf(f, "-- The response of ");
    for (size_t i = 0; i < json_array_size(play); i++)
        fprintf(f, "%s%s", i ? ", " : "", json_string_value(json_array_get(play, i)));
    fprintf(f, " as people played it at a game day\n-- (session started %s, seed %lld).\n",
            str_of(j->head, "started") ? str_of(j->head, "started") : "?",
            (long long)json_integer_value(json_object_get(j->head, "seed")));
    fprintf(f, "--\n-- Every command runs at the simulated time it took effect in the session.\n"
               "--   firedrill run THIS-FILE --seed %lld     the session's incident clock\n"
               "--   firedrill batch THIS-FILE --seeds 1..100   the same response over 100 seeds\n\n",
            (long long)json_integer_value(json_object_get(j->head, "seed")));
    fprintf(f, "response_for {\n  scenario = ");
    lua_str(f, rel);
    fprintf(f, ",\n  teams = { ");
    for (size_t i = 0; i < json_array_size(play); i++) {
        lua_str(f, json_string_value(json_array_get(play, i)));
        fprintf(f, "%s", i + 1 < json_array_size(play) ? ", " : " ");
    }
    fprintf(f, "},\n");
    json_t *params = json_object_get(j->head, "params");
    if (json_array_size(params)) {
        fprintf(f, "  params = {\n");
        for (size_t i = 0; i < json_array_size(params); i++) {
            const char *p = json_string_value(json_array_get(params, i));
            const char *eq = p ? strchr(p, '=') : NULL;
            if (!eq) continue;
            fprintf(f, "    [");
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(eq - p), p);
            lua_str(f, name);
            fprintf(f, "] = ");
            lua_str(f, eq + 1);
            fprintf(f, ",\n");
        }
        fprintf(f, "  },\n");
    }
    fprintf(f, "}\n\n"
               "-- A command as it was typed: its line in the timeline, then what it did.\n"
               "-- One that fails in another seed (a page that never came) is noted\n"
               "-- and the drill goes on, as it did for the person who typed it.\n"
               "local function command(line, fn)\n"
               "  note(line)\n"
               "  local ok, err = pcall(fn)\n"
               "  if not ok then\n"
               "    if tostring(err):find(\"scenario stopped\", 1, true) then error(err, 0) end\n"
               "    note(line .. \" failed: \" .. tostring(err))\n"
               "  end\n"
               "end\n");
    for (int i = 0; i < j->n; i++) {
        const Entry *en = &j->v[i];
        bool cmd = strcmp(en->type, "cmd") == 0 && en->ok;
        bool inject = strcmp(en->type, "control") == 0 && en->text && strcmp(en->text, "inject") == 0;
        if (!cmd && !inject) continue;
        double sec = (double)en->ns / 1e9;
        if (inject) {
            fprintf(f, "\n-- the facilitator fires an inject\nat(%.6f, function() inject(", sec);
            lua_str(f, en->value ? en->value : "");
            fprintf(f, ") end)\n");
            continue;
        }
        char who[600];
        snprintf(who, sizeof who, "%s (%s): %s", en->player, en->team, en->text);
        fprintf(f, "\n-- %s\nat(%.6f, function() command(", who, sec);
        lua_str(f, who);
        fprintf(f, ", function()\n");
        /* The command's Lua, indented. */
        const char *p = en->lua;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n) fprintf(f, "  %.*s\n", (int)n, p);
            p += n + (nl ? 1 : 0);
        }
        fprintf(f, "end) end)\n");
    }
    if (ferror(f)) {
        afile_abort(&af);
        return -2;
    }
    return afile_commit(&af) < 0 ? -2 : 0;
}

int gameday_replay(const char *dir, const char *out, const char *lua, DiagList *dl)
{
    Journal j;
    int rc = journal_read(&j, dir, dl);
    if (rc == 0) rc = replay_run(&j, out, dl);
    if (rc == 0 && lua) rc = export_lua(&j, lua, dl);
    journal_free(&j);
    return rc;
}
