/*
 * debrief.c: the debrief's computation (see debrief.h): the journal, the
 * reference runs, the comparison and the score. Printing is elsewhere
 * (debrief_json.c, debrief_html.c).
 */
#include "report/debrief.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/sha256.h"
#include "report/run_read.h"
#include "script/scenario.h"

/* ---- measuring a run ---- */

/* Milliseconds, rounded as summary.json rounds times; -1 stays -1. */
static int64_t ms_of(SimTime t)
{
    if (t < 0) return -1;
    return (int64_t)llround(fd_time_sec(t) * 1e3);
}

static bool played(const char *team, const char *const *teams, int nteams)
{
    if (!team) return false;
    if (nteams == 0) return true;
    for (int i = 0; i < nteams; i++)
        if (strcmp(teams[i], team) == 0) return true;
    return false;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

void debrief_measure(const RunResult *r, const char *const *teams, int nteams, int64_t cmd_ms,
                     DebriefFigures *out)
{
    memset(out, 0, sizeof *out);
    int64_t start = ms_of(r->t_start);
    out->incident = start >= 0;
    out->start_ms = start;
    int64_t rec = ms_of(r->t_recovered), det = ms_of(r->t_detected), mit = ms_of(r->t_mitigated);
    out->outage_ms = !out->incident ? 0 : rec >= 0 ? rec - start : -1;
    out->detect_ms = out->incident && det >= 0 ? det - start : -1;
    out->mitigate_ms = out->incident && mit >= 0 ? mit - start : -1;

    /* The first page to a played team, and its first acknowledgement. */
    int64_t paged = -1, acked = -1;
    for (int i = 0; i < r->nevents; i++) {
        const RunEvent *e = &r->events[i];
        if (e->kind != RE_INCIDENT || !played(e->subject, teams, nteams) || !e->text) continue;
        int64_t t = ms_of(e->t);
        size_t n = strlen(e->subject);
        if (strncmp(e->text, e->subject, n) == 0 && starts_with(e->text + n, " paged")) {
            if (paged < 0 || t < paged) paged = t;
        } else if (strstr(e->text, " acknowledges the page")) {
            if (acked < 0 || t < acked) acked = t;
        }
    }
    out->respond_from_ms = paged >= 0 ? paged : det >= 0 ? det : start;
    int64_t end = acked;
    if (cmd_ms >= 0 && (end < 0 || cmd_ms < end)) end = cmd_ms;
    if (out->respond_from_ms < 0 || end < 0) out->respond_ms = -1;
    else out->respond_ms = end > out->respond_from_ms ? end - out->respond_from_ms : 0;

    double c = 0;
    for (int i = 0; i < r->nentries; i++)
        if (isfinite(r->entries[i].customers_affected)) c += llround(r->entries[i].customers_affected);
    out->customers_affected = c;
    out->expects = r->nexpects;
    for (int i = 0; i < r->nexpects; i++) out->expects_held += r->expects[i].ok;

    /* The first notice counts from detection, as the Communication
     * section does (script_comms.c). */
    const CommsResult *cm = &r->comms;
    out->page = cm->modelled;
    int64_t from = ms_of(result_incident_known(r)), first = ms_of(cm->first_notice);
    out->notice_ms = out->incident && first >= 0 ? (first > from ? first - from : 0) : -1;
    out->misinformed_ms = cm->modelled ? llround((cm->wrong_min + cm->unreachable_min) * 60e3) : 0;
}

int debrief_run_reference(const char *path, uint64_t seed, const char *const *params,
                          int nparams, const char *const *teams, int nteams, RunResult *res,
                          DebriefFigures *out, DiagList *dl)
{
    RunResult own;
    RunResult *r = res ? res : &own;
    if (!res) result_init(&own);
    ScenarioOptions o = { .path = path, .seed = seed, .params = params, .nparams = nparams };
    int rc = scenario_run(&o, r, dl);
    if (rc == 0 || rc == 1) {
        debrief_measure(r, teams, nteams, -1, out);
        rc = 0;
    } else {
        rc = rc == -3 ? DEBRIEF_NOMEM : DEBRIEF_BAD_INPUT;
    }
    if (!res) result_free(&own);
    return rc;
}

/* ---- the figures as JSON, for worker processes ---- */

char *debrief_figures_to_json(const DebriefFigures *f)
{
    json_t *o = json_pack("{sb sI sI sI sI sI sI sI si si sb sI sI}", "incident", f->incident,
                          "start_ms", (json_int_t)f->start_ms, "outage_ms",
                          (json_int_t)f->outage_ms, "detect_ms", (json_int_t)f->detect_ms,
                          "mitigate_ms", (json_int_t)f->mitigate_ms, "respond_from_ms",
                          (json_int_t)f->respond_from_ms, "respond_ms",
                          (json_int_t)f->respond_ms, "customers_affected",
                          (json_int_t)llround(f->customers_affected), "held",
                          f->expects_held, "expects", f->expects, "page", f->page,
                          "notice_ms", (json_int_t)f->notice_ms, "misinformed_ms",
                          (json_int_t)f->misinformed_ms);
    if (!o) return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

int debrief_figures_from_json(const char *text, DebriefFigures *f)
{
    json_error_t err;
    json_t *o = json_loads(text, 0, &err);
    if (!o) return -1;
    int incident = 0, held = 0, n = 0, page = 0;
    json_int_t st, ou, de, mi, rf, rs, cu, no, mis;
    int rc = json_unpack(o, "{sb sI sI sI sI sI sI sI si si sb sI sI}", "incident", &incident,
                         "start_ms", &st, "outage_ms", &ou, "detect_ms", &de, "mitigate_ms", &mi,
                         "respond_from_ms", &rf, "respond_ms", &rs, "customers_affected", &cu,
                         "held", &held, "expects", &n, "page", &page, "notice_ms", &no,
                         "misinformed_ms", &mis);
    json_decref(o);
    if (rc != 0) return -1;
    *f = (DebriefFigures){ .incident = incident, .start_ms = st, .outage_ms = ou,
                           .detect_ms = de, .mitigate_ms = mi, .respond_from_ms = rf,
                           .respond_ms = rs, .customers_affected = (double)cu,
                           .expects_held = held, .expects = n, .page = page,
                           .notice_ms = no, .misinformed_ms = mis };
    return 0;
}

/* ---- the journal ---- */

static char *dup_s(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void debrief_session_free(DebriefSession *s)
{
    free(s->scenario);
    for (int i = 0; i < s->nparams; i++) free(s->params[i]);
    free(s->params);
    for (int i = 0; i < s->nplay; i++) free(s->play[i]);
    free(s->play);
    free(s->digest_scenario);
    for (int i = 0; i < s->ncmds; i++) {
        free(s->cmds[i].player);
        free(s->cmds[i].team);
        free(s->cmds[i].line);
    }
    free(s->cmds);
    free(s->end_why);
    memset(s, 0, sizeof *s);
}

/* An array of strings into a malloc'd vector. false when it is not one. */
static bool str_array(json_t *a, char ***out, int *n, bool *oom)
{
    if (!a || json_is_null(a)) return true;
    if (!json_is_array(a)) return false;
    size_t k = json_array_size(a);
    char **v = calloc(k ? k : 1, sizeof *v);
    if (!v) {
        *oom = true;
        return true;
    }
    for (size_t i = 0; i < k; i++) {
        json_t *x = json_array_get(a, i);
        if (!json_is_string(x)) {
            for (size_t j = 0; j < i; j++) free(v[j]);
            free(v);
            return false;
        }
        if (!(v[i] = dup_s(json_string_value(x)))) *oom = true;
    }
    *out = v;
    *n = (int)k;
    return true;
}

static int read_header(DebriefSession *s, json_t *o, FdLoc at, DiagList *dl, bool *oom)
{
    const char *t = json_string_value(json_object_get(o, "t"));
    if (!t || strcmp(t, "session") != 0) {
        diag_error(dl, at, "the first line must be the session header ({\"t\":\"session\", ...})");
        return -1;
    }
    json_t *v = json_object_get(o, "version");
    if (v && (!json_is_integer(v) || json_integer_value(v) != 1)) {
        diag_error(dl, at, "session version %s is not one this firedrill reads (1)",
                   json_is_integer(v) ? "other than 1" : "not a number");
        return -1;
    }
    const char *sc = json_string_value(json_object_get(o, "scenario"));
    if (!sc || !*sc) {
        diag_error(dl, at, "the session header has no \"scenario\" (the scenario file)");
        return -1;
    }
    if (!(s->scenario = dup_s(sc))) *oom = true;
    json_t *seed = json_object_get(o, "seed");
    if (json_is_integer(seed) && json_integer_value(seed) >= 0) {
        s->seed = (uint64_t)json_integer_value(seed);
    } else if (json_is_string(seed) && *json_string_value(seed) >= '0' &&
               *json_string_value(seed) <= '9') {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(json_string_value(seed), &end, 10);
        if (errno || *end) {
            diag_error(dl, at, "the session header's \"seed\" is not a whole number");
            return -1;
        }
        s->seed = x;
    } else {
        diag_error(dl, at, "the session header needs \"seed\", a whole number");
        return -1;
    }
    if (!str_array(json_object_get(o, "params"), &s->params, &s->nparams, oom)) {
        diag_error(dl, at, "the session header's \"params\" must be an array of \"name=value\"");
        return -1;
    }
    for (int i = 0; i < s->nparams; i++) {
        if (!strchr(s->params[i], '=') || s->params[i][0] == '=') {
            diag_error(dl, at, "the session header's param '%s' is not name=value", s->params[i]);
            return -1;
        }
    }
    if (!str_array(json_object_get(o, "play"), &s->play, &s->nplay, oom)) {
        diag_error(dl, at, "the session header's \"play\" must be an array of team names");
        return -1;
    }
    json_t *dg = json_object_get(o, "digests");
    if (json_is_object(dg)) {
        const char *d = json_string_value(json_object_get(dg, "scenario"));
        if (d && !(s->digest_scenario = dup_s(d))) *oom = true;
    }
    return 0;
}

/* The simulated time of a line in ms: "ns" when present, else "sim". */
static bool line_time(json_t *o, int64_t *ms)
{
    json_t *ns = json_object_get(o, "ns");
    if (json_is_integer(ns) && json_integer_value(ns) >= 0) {
        *ms = (int64_t)llround((double)json_integer_value(ns) / 1e6);
        return true;
    }
    json_t *sim = json_object_get(o, "sim");
    if (json_is_number(sim) && json_number_value(sim) >= 0 && isfinite(json_number_value(sim))) {
        *ms = (int64_t)llround(json_number_value(sim) * 1e3);
        return true;
    }
    return false;
}

static int read_cmd(DebriefSession *s, json_t *o, FdLoc at, DiagList *dl, bool *oom)
{
    int64_t ms;
    if (!line_time(o, &ms)) {
        diag_error(dl, at, "a cmd line needs \"sim\" (seconds) or \"ns\"");
        return -1;
    }
    const char *player = json_string_value(json_object_get(o, "player"));
    const char *line = json_string_value(json_object_get(o, "line"));
    json_t *team = json_object_get(o, "team"), *ok = json_object_get(o, "ok");
    if (!player || !line || !json_is_boolean(ok) || (team && !json_is_null(team) && !json_is_string(team))) {
        diag_error(dl, at, "a cmd line needs \"player\" and \"line\" (strings), \"team\" and "
                   "\"ok\" (true or false)");
        return -1;
    }
    DebriefCmd *v = realloc(s->cmds, sizeof *v * (size_t)(s->ncmds + 1));
    if (!v) {
        *oom = true;
        return 0;
    }
    s->cmds = v;
    DebriefCmd *c = &v[s->ncmds++];
    *c = (DebriefCmd){ .ms = ms, .player = dup_s(player), .team = dup_s(json_string_value(team)),
                       .line = dup_s(line), .ok = json_is_true(ok), .lineno = at.line };
    if (!c->player || !c->line || (json_is_string(team) && !c->team)) *oom = true;
    return 0;
}

int debrief_read_session(DebriefSession *s, const char *path, DiagList *dl)
{
    memset(s, 0, sizeof *s);
    const char *file = diag_intern(dl, path);
    if (!file) return DEBRIEF_NOMEM;
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(dl, ((FdLoc){ file, 0, 0 }), "cannot read the session journal: %s "
                   "(is this the DIR of a game day?)", strerror(errno));
        return DEBRIEF_BAD_INPUT;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, errors = 0;
    bool oom = false, header = false;
    while ((len = getline(&buf, &cap, f)) >= 0 && errors < 10 && !oom) {
        lineno++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = 0;
        FdLoc at = { file, lineno, 0 };
        if (len == 0) continue;
        json_error_t err;
        json_t *o = json_loadb(buf, (size_t)len, 0, &err);
        if (!o || !json_is_object(o)) {
            at.col = o ? 1 : err.column > 0 ? err.column : 1;
            diag_error(dl, at, "malformed journal line: %s", o ? "not a JSON object" : err.text);
            json_decref(o);
            errors++;
            if (!header) break;
            continue;
        }
        const char *t = json_string_value(json_object_get(o, "t"));
        int rc = 0;
        if (!header) {
            rc = read_header(s, o, at, dl, &oom);
            header = true;
            if (rc < 0) {
                json_decref(o);
                errors++;
                break;
            }
        } else if (!t) {
            diag_error(dl, at, "malformed journal line: no \"t\" naming its type");
            rc = -1;
        } else if (strcmp(t, "cmd") == 0) {
            rc = read_cmd(s, o, at, dl, &oom);
        } else if (strcmp(t, "control") == 0) {
            s->ncontrols++;
        } else if (strcmp(t, "end") == 0) {
            const char *why = json_string_value(json_object_get(o, "why"));
            free(s->end_why);
            s->end_why = dup_s(why ? why : "");
            if (!s->end_why) oom = true;
        } else if (strcmp(t, "session") == 0) {
            diag_error(dl, at, "a second session header: one journal holds one session");
            rc = -1;
        }
        /* Other types (join, ...) are kept for people, not measured. */
        if (rc < 0) errors++;
        json_decref(o);
    }
    bool rerr = ferror(f);
    free(buf);
    fclose(f);
    if (oom) return DEBRIEF_NOMEM;
    if (rerr) {
        diag_error(dl, ((FdLoc){ file, 0, 0 }), "cannot read the session journal");
        return DEBRIEF_BAD_INPUT;
    }
    if (!header && errors == 0) {
        diag_error(dl, ((FdLoc){ file, 1, 0 }), "the session journal is empty: no session header");
        return DEBRIEF_BAD_INPUT;
    }
    return errors ? DEBRIEF_BAD_INPUT : 0;
}

/* ---- the debrief ---- */

void debrief_init(Debrief *d)
{
    memset(d, 0, sizeof *d);
    result_init(&d->team);
    result_init(&d->ref);
    d->digest_ok = -1;
}

void debrief_free(Debrief *d)
{
    debrief_session_free(&d->session);
    result_free(&d->team);
    result_free(&d->ref);
    free(d->seeds);
    memset(d, 0, sizeof *d);
}

static int run_seeds_here(void *ud, const char *path, uint64_t first, int n,
                          const char *const *params, int nparams, const char *const *teams,
                          int nteams, DebriefFigures *out, DiagList *dl)
{
    (void)ud;
    for (int i = 0; i < n; i++) {
        int rc = debrief_run_reference(path, first + (uint64_t)i, params, nparams, teams, nteams,
                                       NULL, &out[i], dl);
        if (rc < 0) return rc;
    }
    return 0;
}

/* Times with -1 (never) sort after every other. */
static int cmp_never_last(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (x == y) return 0;
    if (x < 0) return 1;
    if (y < 0) return -1;
    return x < y ? -1 : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank median of one figure over the seeds (-1 counts as
 * longer than any time). */
static int64_t median_ms(const DebriefFigures *v, int n, size_t off, int64_t *scratch)
{
    if (n <= 0) return -1;
    for (int i = 0; i < n; i++) scratch[i] = *(const int64_t *)((const char *)&v[i] + off);
    qsort(scratch, (size_t)n, sizeof *scratch, cmp_never_last);
    return scratch[(n + 1) / 2 - 1];
}

static double round2(double x)
{
    double v = floor(x * 100 + 0.5) / 100;
    return v == 0 ? 0 : v;
}

/* "12m 30s", "1h 05m", "45s" */
static void fmt_ms(int64_t ms, char *buf, size_t n)
{
    if (ms < 0) {
        snprintf(buf, n, "never");
        return;
    }
    int64_t s = (ms + 500) / 1000;
    if (s >= 3600) snprintf(buf, n, "%lldh %02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
    else if (s >= 60) snprintf(buf, n, "%lldm %02llds", (long long)(s / 60), (long long)(s % 60));
    else snprintf(buf, n, "%llds", (long long)s);
}

/* Points for a figure x against a reference figure ref: max / (1 + (x/ref)^2 / 2).
 * Strictly falling in x: x = 0 earns max, x = ref two thirds of it, twice
 * the reference a third. */
static double falling(double max, double x, double ref)
{
    double q = x / ref;
    return max / (1 + 0.5 * q * q);
}

#define RULE_FORM "points = %g / (1 + (x / ref)^2 / 2) with x the team's figure and ref the reference's"

/* A time line of the score: recovery, mitigation, the response or the
 * first notice. Returns the reference figure x was held against (ms), or -1
 * when nothing was measured. */
static int64_t time_line(DebriefScoreLine *l, const char *name, double max, const char *what,
                      bool no_incident, int64_t x, int64_t med, int64_t floor_ms,
                      int64_t duration_ms, int nseeds)
{
    l->name = name;
    l->max = max;
    char a[32], b[32];
    if (no_incident) {
        l->points = max;
        snprintf(l->measured, sizeof l->measured, "no incident started in the played run");
        snprintf(l->reference, sizeof l->reference, "-");
        snprintf(l->rule, sizeof l->rule, "nothing to %s: all %g points", what, max);
        return -1;
    }
    fmt_ms(x, a, sizeof a);
    snprintf(l->measured, sizeof l->measured, "%s %s", what, a);
    int64_t ref = med;
    if (ref < 0) {
        ref = duration_ms;
        fmt_ms(duration_ms, b, sizeof b);
        snprintf(l->reference, sizeof l->reference,
                 "the reference's median over %d seeds never came; the run's length (%s) stands in",
                 nseeds, b);
    } else {
        fmt_ms(med, b, sizeof b);
        snprintf(l->reference, sizeof l->reference, "median over %d reference seeds: %s", nseeds, b);
    }
    if (ref < floor_ms) ref = floor_ms;
    if (x < 0) {
        l->points = 0;
        snprintf(l->rule, sizeof l->rule, "the team never got there: 0 of %g", max);
        return ref;
    }
    l->points = round2(falling(max, (double)x, (double)ref));
    snprintf(l->rule, sizeof l->rule,
             RULE_FORM " (at least %lld s): x/ref = %.3f, so %.2f of %g",
             max, (long long)(floor_ms / 1000), (double)x / (double)ref, l->points, max);
    return ref;
}

/* The communication line: the first notice's delay on the time curve,
 * times the share of the outage the page told customers the truth. */
static void comms_line(Debrief *d, DebriefScoreLine *l, double max, int64_t dur)
{
    const DebriefFigures *t = &d->team_fig;
    if (t->incident && !d->any_page) {
        l->name = "communication";
        l->max = max;
        l->points = max;
        snprintf(l->measured, sizeof l->measured, "the scenario has no status page");
        snprintf(l->reference, sizeof l->reference, "-");
        snprintf(l->rule, sizeof l->rule, "nothing to post on: all %g points", max);
        return;
    }
    int64_t ref = time_line(l, "communication", max, "first notice after", !t->incident,
                            t->notice_ms, d->med_notice_ms, 60000, dur, d->nseeds);
    if (!t->incident) return;
    size_t n = strlen(l->measured);
    snprintf(l->measured + n, sizeof l->measured - n, " (from detection)");
    if (t->notice_ms < 0) {
        snprintf(l->rule, sizeof l->rule, "no notice went out: 0 of %g", max);
        return;
    }
    int64_t len = t->outage_ms >= 0 ? t->outage_ms : dur - t->start_ms;
    if (len < 1000) len = 1000;
    double wrong = t->misinformed_ms > len ? 1 : (double)t->misinformed_ms / (double)len;
    double pts = round2(falling(max, (double)t->notice_ms, (double)ref) * (1 - wrong));
    char a[32], b[32];
    fmt_ms(t->misinformed_ms, a, sizeof a);
    fmt_ms(len, b, sizeof b);
    n = strlen(l->measured);
    snprintf(l->measured + n, sizeof l->measured - n, "; the page was wrong or unreachable %s of "
             "the %s outage", a, b);
    n = strlen(l->rule);
    snprintf(l->rule + n, sizeof l->rule - n, "; times (1 - %.3f), the share of the outage "
             "customers read an all-clear or no page: %.2f of %g", wrong, pts, max);
    l->points = pts;
}

static void score(Debrief *d)
{
    const DebriefFigures *t = &d->team_fig;
    int64_t dur = ms_of(d->team.duration);
    if (dur <= 0) dur = 1000;
    time_line(&d->lines[0], "recovery", 25, "recovered after", !t->incident, t->outage_ms,
              d->med_outage_ms, 60000, dur, d->nseeds);
    time_line(&d->lines[1], "mitigation", 20, "mitigated after", !t->incident, t->mitigate_ms,
              d->med_mitigate_ms, 60000, dur, d->nseeds);
    DebriefScoreLine *r = &d->lines[2];
    time_line(r, "response", 15, "answered the page after", t->respond_from_ms < 0,
              t->respond_ms, d->med_respond_ms, 60000, dur, d->nseeds);
    if (t->respond_from_ms >= 0) {
        size_t n = strlen(r->measured);
        snprintf(r->measured + n, sizeof r->measured - n,
                 " (from the first page, else detection, to the first command or acknowledgement)");
    }

    DebriefScoreLine *c = &d->lines[3];
    c->name = "customers";
    c->max = 15;
    double ref = d->med_customers > 1 ? d->med_customers : 1;
    snprintf(c->measured, sizeof c->measured, "%.0f customers affected", t->customers_affected);
    snprintf(c->reference, sizeof c->reference, "median over %d reference seeds: %.0f", d->nseeds,
             d->med_customers);
    c->points = round2(falling(c->max, t->customers_affected, ref));
    snprintf(c->rule, sizeof c->rule, RULE_FORM " (at least 1): x/ref = %.3f, so %.2f of %g",
             c->max, t->customers_affected / ref, c->points, c->max);

    DebriefScoreLine *e = &d->lines[4];
    e->name = "expectations";
    e->max = 10;
    snprintf(e->measured, sizeof e->measured, "%d of %d expectations held", t->expects_held,
             t->expects);
    snprintf(e->reference, sizeof e->reference, "the reference held %d of %d at the same seed",
             d->ref_fig.expects_held, d->ref_fig.expects);
    if (t->expects == 0) {
        e->points = e->max;
        snprintf(e->rule, sizeof e->rule, "the scenario declares none: all %g points", e->max);
    } else {
        e->points = round2(e->max * t->expects_held / t->expects);
        snprintf(e->rule, sizeof e->rule, "points = %g x held / declared = %.2f", e->max, e->points);
    }
    comms_line(d, &d->lines[5], 15, dur);
    d->total = 0;
    for (int i = 0; i < DEBRIEF_NLINES; i++) d->total += d->lines[i].points;
    d->total = round2(d->total);
}

static const char *const *cpp(char **v) { return (const char *const *)v; }

int debrief_compute(Debrief *d, const char *dir, const DebriefOptions *o, DiagList *dl)
{
    size_t n = strlen(dir) + 32;
    char *sp = malloc(n);
    if (!sp) return DEBRIEF_NOMEM;
    snprintf(sp, n, "%s/session.jsonl", dir);
    int rc = debrief_read_session(&d->session, sp, dl);
    free(sp);
    if (rc < 0) return rc;
    const DebriefSession *s = &d->session;

    rc = run_read_result(&d->team, dir, dl);
    if (rc < 0) return rc == -3 ? DEBRIEF_NOMEM : DEBRIEF_BAD_INPUT;

    if (s->digest_scenario) {
        char hex[65];
        if (fd_sha256_file(s->scenario, hex) == 0) {
            d->digest_ok = strcmp(hex, s->digest_scenario) == 0;
            if (!d->digest_ok)
                diag_warning(dl, ((FdLoc){ diag_intern(dl, s->scenario), 0, 0 }),
                             "the scenario changed since the session (its SHA-256 is not the "
                             "journal's): the reference runs the scenario as it is now");
        }
    }

    int64_t first_cmd = -1;
    for (int i = 0; i < s->ncmds; i++)
        if (played(s->cmds[i].team, cpp(s->play), s->nplay) || s->nplay == 0)
            if (first_cmd < 0 || s->cmds[i].ms < first_cmd) first_cmd = s->cmds[i].ms;
    debrief_measure(&d->team, cpp(s->play), s->nplay, first_cmd, &d->team_fig);

    rc = debrief_run_reference(s->scenario, s->seed, cpp(s->params), s->nparams, cpp(s->play),
                               s->nplay, &d->ref, &d->ref_fig, dl);
    if (rc < 0) return rc;

    int ns = o && o->seeds > 0 ? o->seeds : DEBRIEF_DEFAULT_SEEDS;
    d->first_seed = 1;
    d->nseeds = ns;
    d->seeds = calloc((size_t)ns, sizeof *d->seeds);
    int64_t *scratch = calloc((size_t)ns, sizeof *scratch);
    double *cs = calloc((size_t)ns, sizeof *cs);
    if (!d->seeds || !scratch || !cs) {
        free(scratch);
        free(cs);
        return DEBRIEF_NOMEM;
    }
    DebriefSeedsFn fn = o && o->run_seeds ? o->run_seeds : run_seeds_here;
    rc = fn(o ? o->ud : NULL, s->scenario, d->first_seed, ns, cpp(s->params), s->nparams,
            cpp(s->play), s->nplay, d->seeds, dl);
    if (rc == 0) {
        d->med_outage_ms = median_ms(d->seeds, ns, offsetof(DebriefFigures, outage_ms), scratch);
        d->med_mitigate_ms = median_ms(d->seeds, ns, offsetof(DebriefFigures, mitigate_ms), scratch);
        d->med_detect_ms = median_ms(d->seeds, ns, offsetof(DebriefFigures, detect_ms), scratch);
        d->med_respond_ms = median_ms(d->seeds, ns, offsetof(DebriefFigures, respond_ms), scratch);
        d->med_notice_ms = median_ms(d->seeds, ns, offsetof(DebriefFigures, notice_ms), scratch);
        d->any_page = d->team_fig.page || d->ref_fig.page;
        for (int i = 0; i < ns; i++) d->any_page = d->any_page || d->seeds[i].page;
        for (int i = 0; i < ns; i++) cs[i] = d->seeds[i].customers_affected;
        qsort(cs, (size_t)ns, sizeof *cs, cmp_double);
        d->med_customers = cs[(ns + 1) / 2 - 1];
        /* Longer than the team's: a run that never recovered is longer than
         * any that did; a team that never recovered beats none. */
        int64_t x = d->team_fig.outage_ms;
        d->longer = 0;
        for (int i = 0; i < ns; i++) {
            int64_t y = d->seeds[i].outage_ms;
            if (x >= 0 && (y < 0 || y > x)) d->longer++;
        }
        d->faster_than = (double)d->longer / ns;
        score(d);
    }
    free(scratch);
    free(cs);
    return rc;
}

int debrief_write_opts(const char *dir, const DebriefOptions *o, DiagList *dl)
{
    Debrief d;
    debrief_init(&d);
    int rc = debrief_compute(&d, dir, o, dl);
    if (rc == 0) {
        size_t n = strlen(dir) + 32;
        char *p = malloc(n);
        if (!p) {
            debrief_free(&d);
            return DEBRIEF_NOMEM;
        }
        snprintf(p, n, "%s/debrief.json", dir);
        int e = debrief_write_json(&d, p);
        const char *which = "debrief.json";
        if (e == 0) {
            e = debrief_write_html(&d, dir);
            which = "report.html";
        }
        if (e < 0) {
            snprintf(p, n, "%s/%s", dir, which);
            diag_error(dl, ((FdLoc){ diag_intern(dl, p), 0, 0 }), "cannot write: %s",
                       strerror(-e));
            rc = e == -ENOMEM ? DEBRIEF_NOMEM : DEBRIEF_SYSTEM;
        }
        free(p);
    }
    if (o && o->keep) *o->keep = d;
    else debrief_free(&d);
    return rc;
}

int debrief_write(const char *dir, int seeds, DiagList *dl)
{
    DebriefOptions o = { .seeds = seeds };
    return debrief_write_opts(dir, &o, dl);
}
