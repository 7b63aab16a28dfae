/*
 * run_json.c: events.jsonl and summary.json (see run_json.h for the format
 * and the number policy).
 *
 * Objects are built with Jansson and dumped with JSON_PRESERVE_ORDER, so a
 * key's place is where this file inserts it. Building never stops half-way
 * on an error: every insertion goes through put()/push(), which remember
 * that one failed (Jansson returns NULL for a value it could not make, and
 * json_object_set_new accepts that NULL and reports -1), and the caller
 * checks once at the end. Out of memory is the only way a build can fail.
 */
#include "base/utf8.h"
#include "report/run_json.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"

#define LINE_FLAGS    (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))
#define SUMMARY_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* ---- values ---- */


/* A NUL-terminated copy of s[0..len) with each byte that does not start a
 * valid sequence replaced by U+FFFD. Jansson refuses invalid UTF-8, and the
 * text comes from scenario scripts, which may hold anything. */
static char *utf8_clean(const char *s, size_t len)
{
    char *out = malloc(len * 3 + 1), *o = out;
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = *p ? fd_utf8_seq(p, NULL) : 1;
        if (n && n <= (size_t)(end - p)) {
            memcpy(o, p, n);
            o += n;
            p += n;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        }
    }
    *o = '\0';
    return out;
}

/* A string, or null for NULL. */
static json_t *jstr(const char *s)
{
    if (!s) return json_null();
    json_t *j = json_string(s);
    if (j) return j;
    char *clean = utf8_clean(s, strlen(s));
    if (!clean) return NULL;
    j = json_string(clean);
    free(clean);
    return j;
}

/* x rounded to 1/scale, or null when it is not a number. Rounding first is
 * what keeps 0.1 + 0.2 from printing as 0.3000000000000000444. */
static json_t *jround(double x, double scale)
{
    if (!isfinite(x)) return json_null();
    double v = round(x * scale) / scale;
    if (v == 0) v = 0;   /* no "-0.0" */
    return json_real(v);
}

static json_t *jratio(double x) { return jround(x, 1e6); }

/* An availability floored to 6 decimals, as the printed report floors it:
 * 0.99999999 is 0.999999, never 1.0. The 1e-6 of a unit absorbs
 * representation error, so a value computed as 0.29999999999999999 still
 * reads 0.3. */
static json_t *javail(double x)
{
    if (!isfinite(x)) return json_null();
    double v = floor(x * 1e6 + 1e-6) / 1e6;
    if (v == 0) v = 0;
    return json_real(v);
}
static json_t *jrate(double x) { return jround(x, 1e3); }
static json_t *jsec(SimTime t) { return jround(fd_time_sec(t), 1e3); }

/* A count as an integer; clamped to what every JSON reader holds exactly. */
static json_t *jcount(double x)
{
    if (!isfinite(x)) return json_null();
    const double lim = 9007199254740992.0; /* 2^53 */
    if (x > lim) x = lim;
    if (x < -lim) x = -lim;
    return json_integer((json_int_t)llround(x));
}

static json_t *jseed(uint64_t seed)
{
    if (seed <= (UINT64_C(1) << 53)) return json_integer((json_int_t)seed);
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
    return json_string(buf);
}

static json_t *jclock(const RunResult *r, SimTime t, bool seconds)
{
    char buf[16];
    result_clock(r, t, seconds, buf, sizeof buf);
    return json_string(buf);
}

/* ---- building ---- */

static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (json_object_set_new(obj, key, v) != 0) *ok = false;
}

static void push(json_t *arr, json_t *v, bool *ok)
{
    if (json_array_append_new(arr, v) != 0) *ok = false;
}

/* Like put(), for a key that comes from the run (a parameter's name). */
static void put_any_key(json_t *obj, const char *key, size_t keylen, json_t *v, bool *ok)
{
    char *clean = utf8_clean(key, keylen);
    if (!clean) {
        json_decref(v);
        *ok = false;
        return;
    }
    put(obj, clean, v, ok);
    free(clean);
}

static json_t *event_json(const RunResult *r, const RunEvent *e)
{
    bool ok = true;
    json_t *o = json_object();
    put(o, "t", jsec(e->t), &ok);
    put(o, "clock", jclock(r, e->t, true), &ok);
    put(o, "kind", json_string(run_event_kind_name(e->kind)), &ok);
    if (e->subject) put(o, "subject", jstr(e->subject), &ok);
    if (e->region) put(o, "region", jstr(e->region), &ok);
    put(o, "text", jstr(e->text), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One of the incident clock's moments: null when it never came. */
static json_t *moment_json(const RunResult *r, SimTime t)
{
    if (t < 0) return json_null();
    bool ok = true;
    json_t *o = json_object();
    put(o, "t", jsec(t), &ok);
    put(o, "clock", jclock(r, t, false), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *params_json(const RunResult *r, bool *ok)
{
    json_t *o = json_object();
    for (int i = 0; i < r->nparams; i++) {
        const char *p = r->params[i];
        if (!p) continue;
        const char *eq = strchr(p, '=');
        size_t klen = eq ? (size_t)(eq - p) : strlen(p);
        put_any_key(o, p, klen, jstr(eq ? eq + 1 : ""), ok);
    }
    return o;
}

static json_t *incident_json(const RunResult *r, bool *ok)
{
    json_t *o = json_object();
    put(o, "start", moment_json(r, r->t_start), ok);
    put(o, "detected", moment_json(r, r->t_detected), ok);
    put(o, "detected_by", r->detected_by ? jstr(r->detected_by) : json_null(), ok);
    put(o, "mitigated", moment_json(r, r->t_mitigated), ok);
    put(o, "recovered", moment_json(r, r->t_recovered), ok);
    bool whole = r->t_start >= 0 && r->t_recovered >= 0;
    put(o, "duration_s", whole ? jsec(r->t_recovered - r->t_start) : json_null(), ok);
    return o;
}

static json_t *entry_json(const EntryResult *e, bool *ok)
{
    json_t *o = json_object();
    put(o, "name", jstr(e->name), ok);
    put(o, "slo", jratio(e->slo), ok);
    put(o, "availability", javail(e->availability), ok);
    put(o, "attempt_availability", javail(e->attempt_availability), ok);
    put(o, "incident_availability", javail(e->incident_availability), ok);
    put(o, "degraded", jratio(e->degraded), ok);
    put(o, "baseline_rate", jrate(e->baseline_rate), ok);
    put(o, "peak_rate", jrate(e->peak_rate), ok);
    put(o, "peak_to_baseline", jrate(e->peak_to_baseline), ok);
    put(o, "peak_at", e->peak_at >= 0 ? jsec(e->peak_at) : json_null(), ok);
    put(o, "peak_attempts_to_baseline", jrate(e->peak_attempts_to_baseline), ok);
    put(o, "capacity_to_baseline", jrate(e->capacity_to_baseline), ok);
    put(o, "capacity_peak_at", e->capacity_peak_at >= 0 ? jsec(e->capacity_peak_at) : json_null(), ok);
    put(o, "intents", jcount(e->intents), ok);
    put(o, "attempts", jcount(e->attempts), ok);
    put(o, "customers", jcount(e->customers), ok);
    put(o, "customers_affected", jcount(e->customers_affected), ok);
    put(o, "customers_reported", jcount(e->customers_reported), ok);
    return o;
}

static json_t *deadlock_json(const RunResult *r, const DeadlockResult *d, bool *ok)
{
    json_t *o = json_object();
    put(o, "t", jsec(d->at), ok);
    put(o, "clock", jclock(r, d->at, false), ok);
    put(o, "region", jstr(d->region), ok);
    put(o, "cycle", jstr(d->cycle), ok);
    return o;
}

static json_t *comms_json(const RunResult *r, bool *ok)
{
    const CommsResult *c = &r->comms;
    json_t *o = json_object();
    json_t *a = json_array();
    for (int i = 0; i < c->nposts; i++) push(a, moment_json(r, c->posts[i]), ok);
    put(o, "notices", a, ok);
    put(o, "failed_posts", json_integer(c->failed), ok);
    put(o, "first_notice", moment_json(r, c->first_notice), ok);
    put(o, "longest_gap_s", c->longest_gap >= 0 ? jsec(c->longest_gap) : json_null(), ok);
    put(o, "wrong_min", jrate(c->wrong_min), ok);
    put(o, "unreachable_min", jrate(c->unreachable_min), ok);
    put(o, "accurate_min", jrate(c->accurate_min), ok);
    return o;
}

static json_t *expect_json(const ExpectResult *x, bool *ok)
{
    json_t *o = json_object();
    put(o, "name", jstr(x->name), ok);
    put(o, "ok", json_boolean(x->ok), ok);
    put(o, "detail", jstr(x->detail), ok);
    put(o, "pass_rate", jratio(x->pass_rate), ok);
    return o;
}

/* The summary object, or NULL when memory ran out. */
static json_t *summary_json(const RunResult *r)
{
    bool ok = true;
    char start[48];
    result_datetime(r, 0, true, start, sizeof start);

    json_t *o = json_object();
    put(o, "scenario", jstr(r->scenario), &ok);
    put(o, "path", jstr(r->path), &ok);
    put(o, "seed", jseed(r->seed), &ok);
    put(o, "params", params_json(r, &ok), &ok);
    put(o, "start", json_string(start), &ok);
    put(o, "duration_s", jsec(r->duration), &ok);
    put(o, "sampling", jrate(r->sampling), &ok);
    put(o, "incident", incident_json(r, &ok), &ok);

    json_t *a = json_array();
    for (int i = 0; i < r->nentries; i++) push(a, entry_json(&r->entries[i], &ok), &ok);
    put(o, "entries", a, &ok);

    a = json_array();
    for (int i = 0; i < r->ndeadlocks; i++)
        push(a, deadlock_json(r, &r->deadlocks[i], &ok), &ok);
    put(o, "deadlocks", a, &ok);
    /* Only for runs with a status page, so that others keep their bytes. */
    if (r->comms.modelled) put(o, "communication", comms_json(r, &ok), &ok);

    a = json_array();
    for (int i = 0; i < r->nexpects; i++) push(a, expect_json(&r->expects[i], &ok), &ok);
    put(o, "expectations", a, &ok);

    put(o, "ok", json_boolean(result_all_ok(r)), &ok);
    json_int_t run = r->events_run > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)r->events_run;
    put(o, "events_run", json_integer(run), &ok);

    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- writing ---- */

/* Jansson reports a failed write as -1 without saying why; errno is still
 * the stdio error when there was one. */
static int dump_error(void)
{
    return errno ? -errno : -EIO;
}

int run_summary_dumpf(const RunResult *r, FILE *out)
{
    json_t *o = summary_json(r);
    if (!o) return -ENOMEM;
    errno = 0;
    int rc = json_dumpf(o, out, SUMMARY_FLAGS) == 0 && fputc('\n', out) != EOF ? 0 : dump_error();
    json_decref(o);
    return rc;
}

static int events_dumpf(const RunResult *r, FILE *out)
{
    int *order = result_event_order(r);
    if (!order) return -ENOMEM;
    int rc = 0;
    for (int i = 0; i < r->nevents && rc == 0; i++) {
        json_t *o = event_json(r, &r->events[order[i]]);
        if (!o) {
            rc = -ENOMEM;
            break;
        }
        errno = 0;
        if (json_dumpf(o, out, LINE_FLAGS) != 0 || fputc('\n', out) == EOF) rc = dump_error();
        json_decref(o);
    }
    free(order);
    return rc;
}

/* Opens path atomically, lets fill() write it, and commits or aborts. */
static int write_atomic(const RunResult *r, const char *path,
                        int (*fill)(const RunResult *, FILE *))
{
    AtomicFile af;
    FILE *f = afile_open(&af, path);
    if (!f) return errno ? -errno : -EIO;
    int rc = fill(r, f);
    if (rc != 0) {
        afile_abort(&af);
        return rc;
    }
    return afile_commit(&af);
}

int run_write_events_jsonl(const RunResult *r, const char *path)
{
    return write_atomic(r, path, events_dumpf);
}

int run_write_summary(const RunResult *r, const char *path)
{
    return write_atomic(r, path, run_summary_dumpf);
}
