/*
 * batch_report.c: runs.csv, summary.json and junit.xml from run records.
 *
 * Determinism: records are visited by run index; names (entry points,
 * expectations) are listed in the order of their first appearance in that
 * walk; distributions are taken over sorted values with the nearest-rank
 * rule, so no floating-point interpolation depends on anything but the
 * values. Nothing here reads a clock.
 *
 * An expectation's pass rate in a group is the share of the group's runs
 * in which it held; runs that never finished (error, timeout, crash) count
 * as not holding, since they prove nothing. A group passes when every
 * expectation meets its declared pass rate and no run failed to finish.
 */
#include "report/metrics_csv.h"
#include "batch/batch_report.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"
#include "batch/batch_html.h"
#include "batch/batch_stats.h"
#include "batch/batch_record.h"

#define SUMMARY_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))


typedef struct Ctx {
    const BatchPlan *p;
    int shard_k, shard_n;
    int64_t total;
    json_t **recs;          /* by run index; NULL outside the shard */
    Names entries, expects; /* over all records, for runs.csv */
} Ctx;

static bool in_shard(const Ctx *c, int64_t i) { return i % c->shard_n == c->shard_k - 1; }

/* ---- small readers ---- */



/* ---- runs.csv ---- */

static void csv_str(FILE *f, const char *s)
{
    if (s) csv_put_field(f, s);
}

static void csv_num(FILE *f, json_t *v)
{
    if (json_is_integer(v)) fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) fprintf(f, "%.12g", json_real_value(v));
    else if (json_is_true(v)) fputc('1', f);
    else if (json_is_false(v)) fputc('0', f);
}

/* "k=v k2=v2" */
static void params_text(json_t *params, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) {
        int n = snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "", k,
                         json_string_value(v) ? json_string_value(v) : "");
        if (n < 0 || (size_t)n >= size - len) break;
        len += (size_t)n;
    }
}

static int write_csv(Ctx *c, FILE *f)
{
    static const char *const moments[] = { "start", "detected", "mitigated", "recovered",
                                           "duration" };
    fputs("index,scenario,params,seed,status,reason,exit_code,start_s,detected_s,mitigated_s,"
          "recovered_s,duration_s", f);
    for (int e = 0; e < c->entries.n; e++) {
        const char *cols[] = { "availability", "peak_to_baseline", "customers_affected" };
        for (int k = 0; k < 3; k++) {
            char name[512];
            snprintf(name, sizeof name, "%s:%s", c->entries.v[e], cols[k]);
            fputc(',', f);
            csv_str(f, name);
        }
    }
    for (int x = 0; x < c->expects.n; x++) {
        char name[1024];
        snprintf(name, sizeof name, "expect:%s", c->expects.v[x]);
        fputc(',', f);
        csv_str(f, name);
    }
    fputc('\n', f);
    for (int64_t i = 0; i < c->total; i++) {
        json_t *r = c->recs[i];
        if (!r) continue;
        char params[2048];
        params_text(json_object_get(r, "params"), params, sizeof params);
        fprintf(f, "%lld,", (long long)i);
        csv_str(f, batch_jstr(r, "scenario"));
        fputc(',', f);
        csv_str(f, params);
        fputc(',', f);
        csv_num(f, json_object_get(r, "seed"));
        fputc(',', f);
        csv_str(f, batch_record_status(r));
        fputc(',', f);
        csv_str(f, batch_jstr(r, "reason"));
        fputc(',', f);
        csv_num(f, json_object_get(r, "exit_code"));
        json_t *inc = json_object_get(r, "incident");
        for (int k = 0; k < 5; k++) {
            fputc(',', f);
            csv_num(f, json_object_get(inc, moments[k]));
        }
        json_t *entries = json_object_get(r, "entries");
        for (int e = 0; e < c->entries.n; e++) {
            json_t *en = batch_find_named(entries, c->entries.v[e]);
            fputc(',', f);
            csv_num(f, json_object_get(en, "availability"));
            fputc(',', f);
            csv_num(f, json_object_get(en, "peak_to_baseline"));
            fputc(',', f);
            csv_num(f, json_object_get(en, "customers_affected"));
        }
        json_t *xs = json_object_get(r, "expectations");
        for (int x = 0; x < c->expects.n; x++) {
            fputc(',', f);
            csv_num(f, json_object_get(batch_find_named(xs, c->expects.v[x]), "ok"));
        }
        fputc('\n', f);
    }
    return ferror(f) ? -EIO : 0;
}

/* ---- distributions ---- */

typedef struct Vals {
    double *v;
    int n;
} Vals;

/* Nearest rank over sorted values (batch_stats.h). */
static double pct(const Vals *v, double q) { return batch_pct(v->v, v->n, q); }


static json_t *jnum(double x)
{
    if (!isfinite(x)) return json_null();
    if (x == floor(x) && fabs(x) < 9007199254740992.0) return json_integer((json_int_t)x);
    return json_real(x);
}


static json_t *dist_json(Vals *v)
{
    json_t *o = json_object();
    batch_sort(v->v, v->n);
    json_object_set_new(o, "n", json_integer(v->n));
    static const struct { const char *k; double q; } qs[] = {
        { "p5", 0.05 }, { "p50", 0.5 }, { "p95", 0.95 }, { "max", 1.0 } };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        json_object_set_new(o, qs[i].k, v->n ? jnum(pct(v, qs[i].q)) : json_null());
    return o;
}

static void vals_push(Vals *v, json_t *x)
{
    if (json_is_number(x)) v->v[v->n++] = json_number_value(x);
}

/* ---- summary.json and junit.xml ---- */

typedef struct GroupOut {
    json_t *json;
    bool ok;
    char *failure;        /* junit failure text, or NULL */
    char *label;          /* "name [k=v ...]" */
    const char *scenario;
} GroupOut;

static void append(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[2048];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof tmp) n = sizeof tmp - 1;
    char *b = realloc(*buf, *len + (size_t)n + 1);
    if (!b) return;
    memcpy(b + *len, tmp, (size_t)n + 1);
    *buf = b;
    *len += (size_t)n;
}

static int group_out(Ctx *c, int64_t g, GroupOut *go, BatchVerdict *v)
{
    const BatchPlan *p = c->p;
    int64_t ns = batch_plan_seeds(p), lo = g * ns, hi = lo + ns;
    int64_t n = 0, counts[5] = { 0 };
    static const char *const statuses[] = { "ok", "failed", "error", "timeout", "crash" };
    const char *name = NULL;
    Names entries = { 0 }, expects = { 0 };
    for (int64_t i = lo; i < hi; i++) {
        json_t *r = c->recs[i];
        if (!r) continue;
        n++;
        const char *st = batch_record_status(r);
        for (int k = 0; k < 5; k++)
            if (strcmp(st, statuses[k]) == 0) counts[k]++;
        if (!name) name = batch_jstr(r, "name");
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(r, "entries"), j, e)
            if (batch_jstr(e, "name") && names_add(&entries, batch_jstr(e, "name")) < 0) return -ENOMEM;
        json_array_foreach(json_object_get(r, "expectations"), j, e)
            if (batch_jstr(e, "name") && names_add(&expects, batch_jstr(e, "name")) < 0) return -ENOMEM;
    }
    memset(go, 0, sizeof *go);
    if (n == 0) {
        free(entries.v);
        free(expects.v);
        return 0;
    }
    BatchRun first = batch_plan_run(p, lo);
    go->scenario = p->scenarios[first.scenario];
    Vals vals = { malloc((size_t)n * sizeof(double) + 1), 0 };
    if (!vals.v) return -ENOMEM;

    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(go->scenario));
    json_object_set_new(o, "name", name ? json_string(name) : json_null());
    json_t *params = json_object();
    size_t llen = 0;
    char *label = NULL;
    append(&label, &llen, "%s", name ? name : go->scenario);
    for (int a = 0; a < p->naxes; a++) {
        const char *val = batch_plan_value(p, first.point, a);
        json_object_set_new(params, p->axes[a].name, json_string(val));
        append(&label, &llen, "%s%s=%s", a ? " " : " [", p->axes[a].name, val);
    }
    if (p->naxes) append(&label, &llen, "]");
    go->label = label;
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "runs", json_integer(n));
    json_t *st = json_object();
    for (int k = 0; k < 5; k++) json_object_set_new(st, statuses[k], json_integer(counts[k]));
    json_object_set_new(o, "status", st);

    /* Recovery: over runs whose incident both started and recovered. */
    int64_t never = 0, none = 0;
    vals.n = 0;
    for (int64_t i = lo; i < hi; i++) {
        json_t *r = c->recs[i];
        json_t *inc = r ? json_object_get(r, "incident") : NULL;
        if (!json_is_object(inc)) continue;
        if (!json_is_number(json_object_get(inc, "start"))) none++;
        else if (!json_is_number(json_object_get(inc, "duration"))) never++;
        else vals_push(&vals, json_object_get(inc, "duration"));
    }
    json_t *rec = json_object();
    json_object_set_new(rec, "no_incident", json_integer(none));
    json_object_set_new(rec, "never_recovered", json_integer(never));
    json_object_set_new(rec, "duration_s", dist_json(&vals));
    json_object_set_new(o, "recovery", rec);

    json_t *ea = json_array();
    for (int e = 0; e < entries.n; e++) {
        json_t *eo = json_object();
        json_object_set_new(eo, "name", json_string(entries.v[e]));
        static const char *const keys[] = { "availability", "peak_to_baseline", "peak_at",
                                            "capacity_to_baseline", "customers_affected" };
        for (int k = 0; k < 5; k++) {
            vals.n = 0;
            for (int64_t i = lo; i < hi; i++)
                if (c->recs[i])
                    vals_push(&vals, json_object_get(
                        batch_find_named(json_object_get(c->recs[i], "entries"), entries.v[e]), keys[k]));
            json_object_set_new(eo, keys[k], dist_json(&vals));
        }
        json_array_append_new(ea, eo);
    }
    json_object_set_new(o, "entries", ea);

    size_t flen = 0;
    char *failure = NULL;
    int64_t bad = counts[2] + counts[3] + counts[4];
    bool ok = bad == 0;
    if (bad)
        append(&failure, &flen, "%lld of %lld runs did not finish (%lld error, %lld timeout, "
               "%lld crash)\n", (long long)bad, (long long)n, (long long)counts[2],
               (long long)counts[3], (long long)counts[4]);
    json_t *xa = json_array();
    for (int x = 0; x < expects.n; x++) {
        int64_t passed = 0;
        double need = 0;
        for (int64_t i = lo; i < hi; i++) {
            if (!c->recs[i]) continue;
            json_t *xr = batch_find_named(json_object_get(c->recs[i], "expectations"), expects.v[x]);
            if (!xr) continue;
            if (json_is_true(json_object_get(xr, "ok"))) passed++;
            double pr = json_number_value(json_object_get(xr, "pass_rate"));
            if (pr > need) need = pr;
        }
        double rate = round((double)passed / (double)n * 1e6) / 1e6;
        bool xok = (double)passed >= need * (double)n - 1e-9;
        if (!xok) {
            ok = false;
            v->expect_below++;
            append(&failure, &flen, "%s: passed in %lld of %lld runs (%.2f%%), needs %.2f%%\n",
                   expects.v[x], (long long)passed, (long long)n, rate * 100, need * 100);
        }
        json_t *xo = json_object();
        json_object_set_new(xo, "name", json_string(expects.v[x]));
        json_object_set_new(xo, "passed", json_integer(passed));
        json_object_set_new(xo, "runs", json_integer(n));
        json_object_set_new(xo, "pass_rate", jnum(rate));
        json_object_set_new(xo, "required", jnum(need));
        json_object_set_new(xo, "ok", json_boolean(xok));
        json_array_append_new(xa, xo);
    }
    json_object_set_new(o, "expectations", xa);
    json_object_set_new(o, "ok", json_boolean(ok));
    go->json = o;
    go->ok = ok;
    go->failure = failure;
    v->bad += bad;
    free(vals.v);
    free(entries.v);
    free(expects.v);
    return 0;
}

static void xml_str(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t') fputc('?', f);
            else fputc(*s, f);
        }
    }
}

static int write_junit(GroupOut *gs, int64_t ng, const BatchVerdict *v, FILE *f)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"firedrill batch\" tests=\"%d\" failures=\"%d\">\n", v->groups,
            v->groups_failed);
    fprintf(f, "  <testsuite name=\"firedrill batch\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "skipped=\"0\">\n", v->groups, v->groups_failed);
    for (int64_t g = 0; g < ng; g++) {
        GroupOut *go = &gs[g];
        if (!go->json) continue;
        fputs("    <testcase classname=\"", f);
        xml_str(f, go->scenario);
        fputs("\" name=\"", f);
        xml_str(f, go->label);
        if (go->ok) {
            fputs("\"/>\n", f);
            continue;
        }
        fputs("\">\n      <failure message=\"", f);
        size_t first = go->failure ? strcspn(go->failure, "\n") : 0;
        char *msg = go->failure ? strndup(go->failure, first) : NULL;
        xml_str(f, msg);
        free(msg);
        fputs("\" type=\"pass_rate\">", f);
        for (const char *s = go->failure; s && *s; s++) {
            if (*s == '\n') fputc('\n', f);
            else {
                char one[2] = { *s, 0 };
                xml_str(f, one);
            }
        }
        fputs("</failure>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return ferror(f) ? -EIO : 0;
}

static int commit(AtomicFile *af, int rc)
{
    if (rc < 0) {
        afile_abort(af);
        return rc;
    }
    return afile_commit(af);
}

int batch_report_write(const BatchPlan *p, const char *dir, int shard_k, int shard_n,
                       bool check_inputs, BatchVerdict *v)
{
    memset(v, 0, sizeof *v);
    Ctx c = { .p = p, .shard_k = shard_k, .shard_n = shard_n, .total = batch_plan_total(p) };
    int64_t ng = batch_plan_groups(p);
    c.recs = calloc((size_t)c.total + 1, sizeof *c.recs);
    GroupOut *gs = calloc((size_t)ng + 1, sizeof *gs);
    int rc = 0;
    if (!c.recs || !gs) {
        rc = -ENOMEM;
        goto out;
    }
    for (int64_t i = 0; i < c.total; i++) {
        if (!in_shard(&c, i)) continue;
        int r = batch_record_read(dir, p, i, &c.recs[i], NULL, 0);
        if (r == -ENOENT || r == -EINVAL) {
            v->missing++;
            continue;
        }
        if (r < 0) {
            rc = r;
            goto out;
        }
        v->runs++;
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(c.recs[i], "entries"), j, e)
            if (batch_jstr(e, "name") && names_add(&c.entries, batch_jstr(e, "name")) < 0) {
                rc = -ENOMEM;
                goto out;
            }
        json_array_foreach(json_object_get(c.recs[i], "expectations"), j, e)
            if (batch_jstr(e, "name") && names_add(&c.expects, batch_jstr(e, "name")) < 0) {
                rc = -ENOMEM;
                goto out;
            }
    }
    if (v->missing) {
        rc = -ENOENT;
        goto out;
    }
    if (check_inputs) {
        BatchInputs in;
        if ((rc = batch_inputs_init(&in, p)) < 0) goto out;
        for (int64_t i = 0; i < c.total && rc == 0; i++)
            if (c.recs[i] && !batch_inputs_note(&in, i, c.recs[i], &v->stale_other)) {
                v->stale = i;
                rc = -ESTALE;
            }
        batch_inputs_free(&in);
        if (rc < 0) goto out;
    }
    json_t *groups = json_array();
    for (int64_t g = 0; g < ng; g++) {
        if ((rc = group_out(&c, g, &gs[g], v)) < 0) {
            json_decref(groups);
            goto out;
        }
        if (!gs[g].json) continue;
        v->groups++;
        if (!gs[g].ok) v->groups_failed++;
        json_array_append(groups, gs[g].json);
    }
    json_t *sum = json_object();
    json_object_set_new(sum, "runs", json_integer(v->runs));
    json_object_set_new(sum, "groups_failed", json_integer(v->groups_failed));
    json_object_set_new(sum, "groups", groups);

    char path[4096];
    AtomicFile af;
    FILE *f;
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (!(f = afile_open(&af, path))) {
        rc = errno ? -errno : -EIO;
        json_decref(sum);
        goto out;
    }
    rc = json_dumpf(sum, f, SUMMARY_FLAGS) == 0 && fputc('\n', f) != EOF ? 0 : -EIO;
    json_decref(sum);
    if ((rc = commit(&af, rc)) < 0) goto out;

    snprintf(path, sizeof path, "%s/runs.csv", dir);
    if (!(f = afile_open(&af, path))) {
        rc = errno ? -errno : -EIO;
        goto out;
    }
    if ((rc = commit(&af, write_csv(&c, f))) < 0) goto out;

    snprintf(path, sizeof path, "%s/junit.xml", dir);
    if (!(f = afile_open(&af, path))) {
        rc = errno ? -errno : -EIO;
        goto out;
    }
    if ((rc = commit(&af, write_junit(gs, ng, v, f))) < 0) goto out;

    snprintf(path, sizeof path, "%s/report.html", dir);
    if (!(f = afile_open(&af, path))) {
        rc = errno ? -errno : -EIO;
        goto out;
    }
    rc = commit(&af, batch_html_write(p, c.recs, c.total, f));
out:
    if (gs)
        for (int64_t g = 0; g < ng; g++) {
            json_decref(gs[g].json);
            free(gs[g].failure);
            free(gs[g].label);
        }
    free(gs);
    if (c.recs)
        for (int64_t i = 0; i < c.total; i++) json_decref(c.recs[i]);
    free(c.recs);
    free(c.entries.v);
    free(c.expects.v);
    return rc;
}

/* ---- the key figures, for a person at a terminal ---- */

static void print_dist_pct(FILE *out, json_t *d, const char *lo_name, const char *lo_key)
{
    json_t *p50 = json_object_get(d, "p50"), *lo = json_object_get(d, lo_key);
    if (!json_is_number(p50)) {
        fputs("no runs", out);
        return;
    }
    fprintf(out, "p50 %.3f%%, %s %.3f%%", json_number_value(p50) * 100, lo_name,
            json_is_number(lo) ? json_number_value(lo) * 100 : NAN);
}

int batch_print_figures(const char *dir, FILE *out)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/summary.json", dir) >= (int)sizeof path) return -ENAMETOOLONG;
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) return -EIO;
    json_t *groups = json_object_get(root, "groups");
    size_t gi;
    json_t *g;
    json_array_foreach(groups, gi, g) {
        const char *name = json_string_value(json_object_get(g, "name"));
        fprintf(out, "%s", name ? name : json_string_value(json_object_get(g, "scenario")));
        json_t *params = json_object_get(g, "params");
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v) fprintf(out, " %s=%s", k, json_string_value(v));
        fprintf(out, "  (%lld runs)\n", (long long)json_integer_value(json_object_get(g, "runs")));
        json_t *rec = json_object_get(g, "recovery");
        json_t *d = json_object_get(rec, "duration_s");
        fprintf(out, "  outage duration   ");
        if (json_is_number(json_object_get(d, "p50")))
            fprintf(out, "p50 %.1f min, p95 %.1f min", json_number_value(json_object_get(d, "p50")) / 60,
                    json_number_value(json_object_get(d, "p95")) / 60);
        else
            fputs("no run recovered from an incident", out);
        fprintf(out, " (%lld with no incident, %lld never recovered)\n",
                (long long)json_integer_value(json_object_get(rec, "no_incident")),
                (long long)json_integer_value(json_object_get(rec, "never_recovered")));
        size_t ei;
        json_t *e;
        json_array_foreach(json_object_get(g, "entries"), ei, e) {
            fprintf(out, "  %s availability  ", json_string_value(json_object_get(e, "name")));
            print_dist_pct(out, json_object_get(e, "availability"), "worst 5%", "p5");
            fputc('\n', out);
        }
        json_t *x;
        size_t xi;
        json_array_foreach(json_object_get(g, "expectations"), xi, x) {
            json_t *rate = json_object_get(x, "pass_rate");
            fprintf(out, "  %s  %3.0f%% of runs pass (%lld of %lld; needs %.0f%%)  %s\n",
                    json_is_true(json_object_get(x, "ok")) ? "PASS" : "FAIL",
                    json_is_number(rate) ? json_number_value(rate) * 100 : 0.0,
                    (long long)json_integer_value(json_object_get(x, "passed")),
                    (long long)json_integer_value(json_object_get(x, "runs")),
                    json_number_value(json_object_get(x, "required")) * 100,
                    json_string_value(json_object_get(x, "name")));
        }
    }
    json_decref(root);
    return ferror(out) ? -EIO : 0;
}
