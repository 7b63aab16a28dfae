/*
 * run_read.c: summary.json and events.jsonl back into a RunResult (see
 * run_read.h).
 *
 * Jansson parses; the checks here walk the object the way run_json.c built
 * it. A syntax error has a line and column (json_error_t); a key that is
 * missing or of the wrong type has no place in the parsed tree, so it is
 * reported against the file (and, for events.jsonl, its line). Reading
 * goes on after a bad value so one pass shows every problem of a file.
 */
#include "report/run_read.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Reader {
    DiagList *dl;
    const char *file;       /* interned */
    int line;               /* 0 for the whole file */
    bool oom;
} Reader;

static FdLoc here(const Reader *rd) { return (FdLoc){ rd->file, rd->line, 0 }; }

static char *dup_str(Reader *rd, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) {
        rd->oom = true;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

/* The value at key, or NULL with an error when it is missing. */
static json_t *need(Reader *rd, json_t *obj, const char *where, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v) diag_error(rd->dl, here(rd), "%s: missing key '%s'", where, key);
    return v;
}

/* A number (or null, read as NaN, for what the writer could not express). */
static double num(Reader *rd, json_t *obj, const char *where, const char *key)
{
    json_t *v = need(rd, obj, where, key);
    if (!v) return NAN;
    if (json_is_number(v)) return json_number_value(v);
    if (json_is_null(v)) return NAN;
    diag_error(rd->dl, here(rd), "%s: '%s' should be a number", where, key);
    return NAN;
}

/* A string, NULL for null; `out` gets a copy. Returns false on a bad type. */
static bool str(Reader *rd, json_t *obj, const char *where, const char *key, char **out,
                bool optional)
{
    *out = NULL;
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v) {
        if (optional) return true;
        diag_error(rd->dl, here(rd), "%s: missing key '%s'", where, key);
        return false;
    }
    if (json_is_null(v)) return true;
    if (!json_is_string(v)) {
        diag_error(rd->dl, here(rd), "%s: '%s' should be a string", where, key);
        return false;
    }
    *out = dup_str(rd, json_string_value(v));
    return true;
}

static SimTime sec(double s) { return isfinite(s) ? fd_time_from_sec(s) : 0; }

/* Howard Hinnant's days_from_civil (result.c has the inverse). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "2024-04-08T15:00:00+08:00" into wall_start and tz_minutes. */
static bool parse_start(const char *s, RunResult *r)
{
    long long y;
    int mo, d, h, mi, se, oh, om, n = 0;
    char sign;
    if (sscanf(s, "%lld-%d-%dT%d:%d:%d%c%d:%d%n", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om,
               &n) != 9 || s[n] != 0 || (sign != '+' && sign != '-'))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || oh > 23 ||
        om > 59 || h < 0 || mi < 0 || se < 0 || oh < 0 || om < 0)
        return false;
    int tz = (oh * 60 + om) * (sign == '-' ? -1 : 1);
    int64_t local = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    r->tz_minutes = tz;
    r->wall_start = local - (int64_t)tz * 60;
    return true;
}

static SimTime moment(Reader *rd, json_t *inc, const char *key)
{
    json_t *v = need(rd, inc, "incident", key);
    if (!v || json_is_null(v)) return -1;
    char where[64];
    snprintf(where, sizeof where, "incident.%s", key);
    double t = num(rd, v, where, "t");
    return isfinite(t) ? sec(t) : -1;
}

static json_t *array_at(Reader *rd, json_t *o, const char *key)
{
    json_t *a = need(rd, o, "summary", key);
    if (a && !json_is_array(a)) {
        diag_error(rd->dl, here(rd), "summary: '%s' should be an array", key);
        return NULL;
    }
    return a;
}

static void read_summary_obj(Reader *rd, RunResult *r, json_t *o)
{
    if (!json_is_object(o)) {
        diag_error(rd->dl, here(rd), "the summary should be a JSON object");
        return;
    }
    str(rd, o, "summary", "scenario", &r->scenario, false);
    str(rd, o, "summary", "path", &r->path, true);

    json_t *seed = need(rd, o, "summary", "seed");
    if (json_is_integer(seed) && json_integer_value(seed) >= 0) {
        r->seed = (uint64_t)json_integer_value(seed);
    } else if (json_is_string(seed)) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(json_string_value(seed), &end, 10);
        if (errno || *end || !*json_string_value(seed))
            diag_error(rd->dl, here(rd), "summary: 'seed' is not a whole number");
        r->seed = v;
    } else if (seed) {
        diag_error(rd->dl, here(rd), "summary: 'seed' should be a whole number");
    }

    json_t *params = need(rd, o, "summary", "params");
    if (params && !json_is_object(params)) {
        diag_error(rd->dl, here(rd), "summary: 'params' should be an object");
    } else if (params && json_object_size(params) > 0) {
        size_t n = json_object_size(params);
        r->params = calloc(n, sizeof *r->params);
        if (!r->params) rd->oom = true;
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v) {
            if (!r->params || (size_t)r->nparams >= n) break;
            if (!json_is_string(v)) {
                diag_error(rd->dl, here(rd), "summary: param '%s' should be a string", k);
                continue;
            }
            size_t len = strlen(k) + strlen(json_string_value(v)) + 2;
            char *p = malloc(len);
            if (!p) {
                rd->oom = true;
                break;
            }
            snprintf(p, len, "%s=%s", k, json_string_value(v));
            r->params[r->nparams++] = p;
        }
    }

    json_t *start = need(rd, o, "summary", "start");
    if (start && (!json_is_string(start) || !parse_start(json_string_value(start), r)))
        diag_error(rd->dl, here(rd),
                   "summary: 'start' should be a local time like \"2024-04-08T15:00:00+08:00\"");

    double d = num(rd, o, "summary", "duration_s");
    r->duration = sec(d);
    double sampling = num(rd, o, "summary", "sampling");
    r->sampling = isfinite(sampling) ? sampling : 1;

    json_t *inc = need(rd, o, "summary", "incident");
    if (inc && !json_is_object(inc)) {
        diag_error(rd->dl, here(rd), "summary: 'incident' should be an object");
    } else if (inc) {
        r->t_start = moment(rd, inc, "start");
        r->t_detected = moment(rd, inc, "detected");
        json_t *by = json_object_get(inc, "detected_by");
        if (json_is_string(by)) r->detected_by = strdup(json_string_value(by));
        r->t_mitigated = moment(rd, inc, "mitigated");
        r->t_recovered = moment(rd, inc, "recovered");
    }

    json_t *a = array_at(rd, o, "entries");
    size_t i;
    json_t *e;
    if (a && json_array_size(a) > 0) {
        r->entries = calloc(json_array_size(a), sizeof *r->entries);
        if (!r->entries) rd->oom = true;
        json_array_foreach(a, i, e) {
            if (!r->entries) break;
            char where[48];
            snprintf(where, sizeof where, "entries[%zu]", i);
            if (!json_is_object(e)) {
                diag_error(rd->dl, here(rd), "summary: %s should be an object", where);
                continue;
            }
            EntryResult *x = &r->entries[r->nentries++];
            str(rd, e, where, "name", &x->name, false);
            x->slo = num(rd, e, where, "slo");
            x->availability = num(rd, e, where, "availability");
            x->attempt_availability = num(rd, e, where, "attempt_availability");
            /* Newer than the rest: absent from older summaries. */
            x->incident_availability = json_object_get(e, "incident_availability")
                ? num(rd, e, where, "incident_availability") : NAN;
            x->degraded = num(rd, e, where, "degraded");
            x->baseline_rate = num(rd, e, where, "baseline_rate");
            x->peak_rate = num(rd, e, where, "peak_rate");
            x->peak_to_baseline = num(rd, e, where, "peak_to_baseline");
            x->peak_attempts_to_baseline = num(rd, e, where, "peak_attempts_to_baseline");
            x->capacity_to_baseline = num(rd, e, where, "capacity_to_baseline");
            json_t *pa = json_object_get(e, "peak_at"), *ca = json_object_get(e, "capacity_peak_at");
            x->peak_at = json_is_number(pa) ? (SimTime)llround(json_number_value(pa) * 1e9) : -1;
            x->capacity_peak_at = json_is_number(ca) ? (SimTime)llround(json_number_value(ca) * 1e9) : -1;
            x->intents = num(rd, e, where, "intents");
            x->attempts = num(rd, e, where, "attempts");
            x->customers = num(rd, e, where, "customers");
            x->customers_affected = num(rd, e, where, "customers_affected");
            x->customers_reported = num(rd, e, where, "customers_reported");
        }
    }

    a = array_at(rd, o, "deadlocks");
    if (a && json_array_size(a) > 0) {
        r->deadlocks = calloc(json_array_size(a), sizeof *r->deadlocks);
        if (!r->deadlocks) rd->oom = true;
        json_array_foreach(a, i, e) {
            if (!r->deadlocks) break;
            char where[48];
            snprintf(where, sizeof where, "deadlocks[%zu]", i);
            if (!json_is_object(e)) {
                diag_error(rd->dl, here(rd), "summary: %s should be an object", where);
                continue;
            }
            DeadlockResult *x = &r->deadlocks[r->ndeadlocks++];
            x->at = sec(num(rd, e, where, "t"));
            str(rd, e, where, "region", &x->region, false);
            str(rd, e, where, "cycle", &x->cycle, false);
        }
    }

    a = array_at(rd, o, "expectations");
    if (a && json_array_size(a) > 0) {
        r->expects = calloc(json_array_size(a), sizeof *r->expects);
        if (!r->expects) rd->oom = true;
        json_array_foreach(a, i, e) {
            if (!r->expects) break;
            char where[48];
            snprintf(where, sizeof where, "expectations[%zu]", i);
            if (!json_is_object(e)) {
                diag_error(rd->dl, here(rd), "summary: %s should be an object", where);
                continue;
            }
            ExpectResult *x = &r->expects[r->nexpects++];
            str(rd, e, where, "name", &x->name, false);
            json_t *ok = need(rd, e, where, "ok");
            if (ok && !json_is_boolean(ok))
                diag_error(rd->dl, here(rd), "summary: %s: 'ok' should be true or false",
                           where);
            x->ok = json_is_true(ok);
            str(rd, e, where, "detail", &x->detail, false);
            double pr = num(rd, e, where, "pass_rate");
            x->pass_rate = isfinite(pr) ? pr : 1;
        }
    }

    /* Only runs with a status page have it. */
    json_t *cm = json_object_get(o, "communication");
    if (json_is_object(cm)) {
        CommsResult *c = &r->comms;
        c->modelled = true;
        json_t *n = json_object_get(cm, "notices");
        if (json_is_array(n) && json_array_size(n) > 0) {
            c->posts = calloc(json_array_size(n), sizeof *c->posts);
            if (!c->posts) rd->oom = true;
            json_array_foreach(n, i, e) {
                if (!c->posts) break;
                json_t *t = json_object_get(e, "t");
                if (json_is_number(t)) c->posts[c->nposts++] = sec(json_number_value(t));
            }
        }
        json_t *v = json_object_get(cm, "failed_posts");
        c->failed = json_is_integer(v) ? (int)json_integer_value(v) : 0;
        v = json_object_get(cm, "first_notice");
        json_t *t = json_is_object(v) ? json_object_get(v, "t") : NULL;
        c->first_notice = json_is_number(t) ? sec(json_number_value(t)) : -1;
        v = json_object_get(cm, "longest_gap_s");
        c->longest_gap = json_is_number(v) ? sec(json_number_value(v)) : -1;
        v = json_object_get(cm, "wrong_min");
        c->wrong_min = json_is_number(v) ? json_number_value(v) : 0;
        v = json_object_get(cm, "unreachable_min");
        c->unreachable_min = json_is_number(v) ? json_number_value(v) : 0;
        v = json_object_get(cm, "accurate_min");
        c->accurate_min = json_is_number(v) ? json_number_value(v) : 0;
    }

    json_t *er = json_object_get(o, "events_run");
    if (json_is_integer(er) && json_integer_value(er) >= 0)
        r->events_run = (uint64_t)json_integer_value(er);
}

static const char *intern(DiagList *dl, const char *path, bool *oom)
{
    const char *f = diag_intern(dl, path);
    if (!f) *oom = true;
    return f ? f : "?";
}

int run_read_summary(RunResult *r, const char *path, DiagList *dl)
{
    size_t before = dl->errors;
    Reader rd = { dl, NULL, 0, false };
    rd.file = intern(dl, path, &rd.oom);
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(dl, here(&rd), "cannot read the summary: %s", strerror(errno));
        return rd.oom ? -3 : -1;
    }
    json_error_t err;
    json_t *o = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
    fclose(f);
    if (!o) {
        FdLoc loc = { rd.file, err.line > 0 ? err.line : 0, err.column > 0 ? err.column : 0 };
        diag_error(dl, loc, "%s", err.text);
        return rd.oom ? -3 : -1;
    }
    read_summary_obj(&rd, r, o);
    json_decref(o);
    if (rd.oom) return -3;
    return dl->errors > before ? -1 : 0;
}

static int kind_from_name(const char *s)
{
    for (int k = 0; k < RE_NKINDS; k++)
        if (strcmp(run_event_kind_name((RunEventKind)k), s) == 0) return k;
    return -1;
}

int run_read_events(RunResult *r, const char *path, DiagList *dl)
{
    size_t before = dl->errors;
    Reader rd = { dl, NULL, 0, false };
    rd.file = intern(dl, path, &rd.oom);
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(dl, here(&rd), "cannot read the events: %s", strerror(errno));
        return rd.oom ? -3 : -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0 && !rd.oom) {
        rd.line++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (len == 0) continue;
        json_error_t err;
        json_t *o = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &err);
        if (!o) {
            FdLoc loc = { rd.file, rd.line, err.column > 0 ? err.column : 0 };
            diag_error(dl, loc, "%s", err.text);
            continue;
        }
        if (!json_is_object(o)) {
            diag_error(dl, ((FdLoc){ rd.file, rd.line, 1 }), "an event should be a JSON object");
            json_decref(o);
            continue;
        }
        double t = num(&rd, o, "event", "t");
        json_t *k = need(&rd, o, "event", "kind");
        int kind = json_is_string(k) ? kind_from_name(json_string_value(k)) : -1;
        if (k && kind < 0)
            diag_error(dl, here(&rd), "event: unknown kind %s%s%s",
                       json_is_string(k) ? "'" : "", json_is_string(k) ? json_string_value(k) : "",
                       json_is_string(k) ? "'" : "(not a string)");
        char *subject, *region, *text;
        bool ok = str(&rd, o, "event", "subject", &subject, true);
        ok &= str(&rd, o, "event", "region", &region, true);
        ok &= str(&rd, o, "event", "text", &text, false);
        json_decref(o);
        if (ok && kind >= 0 && isfinite(t) && text) {
            /* result_add_event formats; go through "%s" and take the
             * strings as they are (its buffer is 1024 bytes, so a longer
             * text is set directly). */
            if (result_add_event(r, sec(t), (RunEventKind)kind, subject, region, "%s", "") < 0) {
                rd.oom = true;
            } else {
                RunEvent *e = &r->events[r->nevents - 1];
                free(e->text);
                e->text = text;
                text = NULL;
            }
        }
        free(subject);
        free(region);
        free(text);
    }
    bool rerr = ferror(f);
    free(line);
    fclose(f);
    if (rerr) diag_error(dl, here(&rd), "cannot read the events: %s", strerror(EIO));
    if (rd.oom) return -3;
    return dl->errors > before ? -1 : 0;
}

int run_read_result(RunResult *r, const char *dir, DiagList *dl)
{
    size_t n = strlen(dir) + 32;
    char *p = malloc(n);
    if (!p) return -3;
    snprintf(p, n, "%s/summary.json", dir);
    int a = run_read_summary(r, p, dl);
    snprintf(p, n, "%s/events.jsonl", dir);
    int b = a == -3 ? -3 : run_read_events(r, p, dl);
    free(p);
    if (a == -3 || b == -3) return -3;
    return a < 0 || b < 0 ? -1 : 0;
}
