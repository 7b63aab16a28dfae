/*
 * batch_record.c: worker output and per-run records (see batch_record.h).
 *
 * The reason text of a failed run must be the same on every machine and at
 * every -j: it says what happened (the Lua error, the signal, the time
 * limit), never how long anything took on the wall clock.
 */
#include "batch/batch_record.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"

#define WORKER_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
#define RECORD_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))

/* ---- worker side ---- */

static json_t *jround(double x, double scale)
{
    if (!isfinite(x)) return json_null();
    double v = round(x * scale) / scale;
    if (v == 0) v = 0;
    return json_real(v);
}

static json_t *javail(double x)
{
    if (!isfinite(x)) return json_null();
    double v = floor(x * 1e6 + 1e-6) / 1e6;
    if (v == 0) v = 0;
    return json_real(v);
}

static json_t *jmoment(SimTime t)
{
    return t < 0 ? json_null() : jround(fd_time_sec(t), 1e3);
}

static json_t *jcount(double x)
{
    if (!isfinite(x)) return json_null();
    const double lim = 9007199254740992.0;
    if (x > lim) x = lim;
    if (x < -lim) x = -lim;
    return json_integer((json_int_t)llround(x));
}

/* A string Jansson accepts: invalid UTF-8 bytes become '?'. */
static json_t *jstr(const char *s)
{
    if (!s) return json_null();
    json_t *j = json_string(s);
    if (j) return j;
    char *c = strdup(s);
    if (!c) return NULL;
    for (unsigned char *p = (unsigned char *)c; *p; p++)
        if (*p >= 0x80) *p = '?';
    j = json_string(c);
    free(c);
    return j;
}

static void put(json_t *o, const char *k, json_t *v, bool *ok)
{
    if (json_object_set_new(o, k, v) != 0) *ok = false;
}

static void push(json_t *a, json_t *v, bool *ok)
{
    if (json_array_append_new(a, v) != 0) *ok = false;
}

static int dump_line(json_t *o, FILE *out)
{
    if (!o) return -ENOMEM;
    int rc = json_dumpf(o, out, WORKER_FLAGS) == 0 && fputc('\n', out) != EOF ? 0 : -EIO;
    json_decref(o);
    return rc;
}

int batch_worker_print(const RunResult *r, FILE *out)
{
    bool ok = true;
    json_t *o = json_object();
    put(o, "name", jstr(r->scenario), &ok);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)r->inputs);
    put(o, "inputs", jstr(hex), &ok);
    json_t *inc = json_object();
    put(inc, "start", jmoment(r->t_start), &ok);
    put(inc, "detected", jmoment(r->t_detected), &ok);
    put(inc, "mitigated", jmoment(r->t_mitigated), &ok);
    put(inc, "recovered", jmoment(r->t_recovered), &ok);
    bool whole = r->t_start >= 0 && r->t_recovered >= 0;
    put(inc, "duration", whole ? jmoment(r->t_recovered - r->t_start) : json_null(), &ok);
    put(o, "incident", inc, &ok);
    json_t *a = json_array();
    for (int i = 0; i < r->nentries; i++) {
        const EntryResult *e = &r->entries[i];
        json_t *x = json_object();
        put(x, "name", jstr(e->name), &ok);
        put(x, "availability", javail(e->availability), &ok);
        put(x, "peak_to_baseline", jround(e->peak_to_baseline, 1e3), &ok);
        put(x, "peak_at", jmoment(e->peak_at), &ok);
        put(x, "capacity_to_baseline", jround(e->capacity_to_baseline, 1e3), &ok);
        put(x, "customers_affected", jcount(e->customers_affected), &ok);
        push(a, x, &ok);
    }
    put(o, "entries", a, &ok);
    a = json_array();
    for (int i = 0; i < r->nexpects; i++) {
        const ExpectResult *e = &r->expects[i];
        json_t *x = json_object();
        put(x, "name", jstr(e->name), &ok);
        put(x, "ok", json_boolean(e->ok), &ok);
        put(x, "pass_rate", jround(e->pass_rate, 1e6), &ok);
        push(a, x, &ok);
    }
    put(o, "expectations", a, &ok);
    if (!ok) {
        json_decref(o);
        return -ENOMEM;
    }
    return dump_line(o, out);
}

int batch_worker_print_error(const char *reason, FILE *out)
{
    bool ok = true;
    json_t *o = json_object();
    put(o, "error", jstr(reason), &ok);
    if (!ok) {
        json_decref(o);
        return -ENOMEM;
    }
    return dump_line(o, out);
}

/* ---- the inputs of a group's runs ---- */

int batch_inputs_init(BatchInputs *in, const BatchPlan *p)
{
    in->ngroups = batch_plan_groups(p);
    in->seeds = batch_plan_seeds(p);
    in->digest = calloc((size_t)in->ngroups + 1, sizeof *in->digest);
    in->first = calloc((size_t)in->ngroups + 1, sizeof *in->first);
    if (!in->digest || !in->first) {
        batch_inputs_free(in);
        return -ENOMEM;
    }
    return 0;
}

void batch_inputs_free(BatchInputs *in)
{
    free(in->digest);
    free(in->first);
    in->digest = NULL;
    in->first = NULL;
}

bool batch_inputs_note(BatchInputs *in, int64_t index, const json_t *rec, int64_t *other)
{
    const char *d = json_string_value(json_object_get(rec, "inputs"));
    int64_t g = index / in->seeds;   /* runs are ordered scenario, point, seed */
    if (!d || g >= in->ngroups) return true;
    if (!in->digest[g][0]) {
        snprintf(in->digest[g], sizeof in->digest[g], "%s", d);
        in->first[g] = index;
        return true;
    }
    if (strcmp(in->digest[g], d) == 0) return true;
    *other = in->first[g];
    return false;
}

/* ---- parent side ---- */

static json_t *params_object(const BatchPlan *p, int64_t point, bool *ok)
{
    json_t *o = json_object();
    for (int a = 0; a < p->naxes; a++)
        put(o, p->axes[a].name, jstr(batch_plan_value(p, point, a)), ok);
    return o;
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal";
    }
}

/* The first line of s, at most 500 bytes, as a new string. */
static json_t *first_line(const char *s)
{
    size_t n = strcspn(s, "\n");
    if (n > 500) n = 500;
    char *c = strndup(s, n);
    if (!c) return NULL;
    json_t *j = jstr(c);
    free(c);
    return j;
}

/* Copies the keys of the worker's result into the record. */
static void take_result(json_t *rec, json_t *res, bool *ok)
{
    static const char *const keys[] = { "name", "inputs", "incident", "entries", "expectations" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(res, keys[i]);
        put(rec, keys[i], v ? json_incref(v) : json_null(), ok);
    }
}

/* Names of the failed expectations, "; "-separated. */
static json_t *failed_expectations(json_t *res)
{
    json_t *x = json_object_get(res, "expectations");
    size_t cap = 64, len = 0, i;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    strcpy(buf, "expectation failed: ");
    len = strlen(buf);
    json_t *e;
    bool first = true;
    json_array_foreach(x, i, e) {
        if (json_is_true(json_object_get(e, "ok"))) continue;
        const char *n = json_string_value(json_object_get(e, "name"));
        if (!n) n = "?";
        size_t need = len + strlen(n) + 3;
        if (need > cap) {
            while (cap < need) cap *= 2;
            char *b = realloc(buf, cap);
            if (!b) { free(buf); return NULL; }
            buf = b;
        }
        if (!first) { strcpy(buf + len, "; "); len += 2; }
        strcpy(buf + len, n);
        len += strlen(n);
        first = false;
    }
    json_t *j = jstr(buf);
    free(buf);
    return j;
}

json_t *batch_record_make(const BatchPlan *p, const BatchRun *run, const BatchOutcome *o,
                          double timeout_s)
{
    bool ok = true;
    json_t *rec = json_object();
    put(rec, "index", json_integer((json_int_t)run->index), &ok);
    put(rec, "scenario", jstr(p->scenarios[run->scenario]), &ok);
    put(rec, "params", params_object(p, run->point, &ok), &ok);
    put(rec, "seed", json_integer((json_int_t)run->seed), &ok);

    json_error_t je;
    json_t *res = o->out && *o->out ? json_loads(o->out, JSON_DISABLE_EOF_CHECK, &je) : NULL;
    if (res && !json_is_object(res)) {
        json_decref(res);
        res = NULL;
    }
    const char *status;
    json_t *reason = NULL, *code = json_null();
    char buf[160];
    if (o->spawn_error) {
        status = "error";
        snprintf(buf, sizeof buf, "could not start the worker (%s)", strerror(-o->spawn_error));
        reason = jstr(buf);
    } else if (o->timed_out) {
        status = "timeout";
        snprintf(buf, sizeof buf, "no result within the time limit of %gs", timeout_s);
        reason = jstr(buf);
    } else if (o->term_signal) {
        status = "crash";
        snprintf(buf, sizeof buf, "worker killed by signal %d (%s)", o->term_signal,
                 signal_name(o->term_signal));
        reason = jstr(buf);
    } else {
        json_decref(code);
        code = json_integer((json_int_t)o->exit_status);
        json_t *err = res ? json_object_get(res, "error") : NULL;
        if ((o->exit_status == 0 || o->exit_status == 1) && res && !err &&
            json_is_array(json_object_get(res, "expectations"))) {
            status = o->exit_status == 0 ? "ok" : "failed";
            reason = o->exit_status == 0 ? json_null() : failed_expectations(res);
        } else if (err && json_is_string(err)) {
            status = "error";
            reason = first_line(json_string_value(err));
        } else {
            status = "error";
            snprintf(buf, sizeof buf, "worker exited with code %lld without a readable result",
                     (long long)o->exit_status);
            reason = jstr(buf);
        }
    }
    bool finished = strcmp(status, "ok") == 0 || strcmp(status, "failed") == 0;
    put(rec, "status", json_string(status), &ok);
    put(rec, "reason", reason, &ok);
    put(rec, "exit_code", code, &ok);
    if (finished) {
        take_result(rec, res, &ok);
    } else {
        put(rec, "name", json_null(), &ok);
        put(rec, "incident", json_null(), &ok);
        put(rec, "entries", json_array(), &ok);
        put(rec, "expectations", json_array(), &ok);
    }
    json_decref(res);
    if (!ok) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

int batch_record_write(const char *dir, int64_t index, json_t *rec)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/runs/%lld.json", dir, (long long)index);
    AtomicFile af;
    FILE *f = afile_open(&af, path);
    if (!f) return errno ? -errno : -EIO;
    if (json_dumpf(rec, f, RECORD_FLAGS) != 0 || fputc('\n', f) == EOF) {
        afile_abort(&af);
        return -EIO;
    }
    return afile_commit(&af);
}

static bool same_string(json_t *j, const char *s)
{
    return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

int batch_record_read(const char *dir, const BatchPlan *p, int64_t index, json_t **out,
                      char *why, size_t whysize)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/runs/%lld.json", dir, (long long)index);
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? -ENOENT : (errno ? -errno : -EIO);
    json_error_t je;
    json_t *rec = json_loadf(f, 0, &je);
    fclose(f);
    if (!rec) {
        if (why) snprintf(why, whysize, "%s:%d:%d: error: %s", path, je.line, je.column, je.text);
        return -EINVAL;
    }
    BatchRun run = batch_plan_run(p, index);
    json_t *params = json_object_get(rec, "params");
    bool match = json_is_object(rec) &&
                 json_integer_value(json_object_get(rec, "index")) == index &&
                 (uint64_t)json_integer_value(json_object_get(rec, "seed")) == run.seed &&
                 same_string(json_object_get(rec, "scenario"), p->scenarios[run.scenario]) &&
                 json_is_object(params) && json_object_size(params) == (size_t)p->naxes &&
                 json_is_string(json_object_get(rec, "status")) &&
                 json_is_array(json_object_get(rec, "entries")) &&
                 json_is_array(json_object_get(rec, "expectations"));
    for (int a = 0; match && a < p->naxes; a++)
        match = same_string(json_object_get(params, p->axes[a].name),
                            batch_plan_value(p, run.point, a));
    if (!match) {
        if (why)
            snprintf(why, whysize, "%s: error: not the record of run %lld of this batch", path,
                     (long long)index);
        json_decref(rec);
        return -EINVAL;
    }
    *out = rec;
    return 0;
}

const char *batch_record_status(const json_t *rec)
{
    const char *s = json_string_value(json_object_get(rec, "status"));
    return s ? s : "error";
}
