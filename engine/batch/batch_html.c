/*
 * batch_html.c: DIR/report.html of a batch (see batch_html.h).
 *
 * Same policy as batch_report.c: records are visited by run index, names
 * are listed in the order of their first appearance in that walk,
 * percentiles use the nearest-rank rule over sorted values, and every
 * number goes out through printf with a fixed format. The style follows
 * the single-run report (report/html.c).
 */
#include "report/html.h"
#include "batch/batch_html.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "base/utf8.h"
#include "batch/batch_stats.h"
#include "batch/batch_record.h"
#include "report/svg_chart.h"

#define CW 720.0
#define MAX_FAILING 200   /* replay lines listed per group */

enum { K_DUR, K_AVAIL, K_PEAK, K_CUST };

typedef struct Vals {
    double *v;
    int n, cap;
} Vals;

/* Nearest rank over sorted values (batch_stats.h). */
static double pct(const Vals *v, double q) { return batch_pct(v->v, v->n, q); }


static int vals_push(Vals *v, double x)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 16;
        double *n = realloc(v->v, (size_t)cap * sizeof *n);
        if (!n) return -1;
        v->v = n;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return 0;
}





/* The value of metric k (for entry point `entry`) in a record, if any. */
static bool rec_value(json_t *r, int k, const char *entry, double *out)
{
    json_t *x;
    if (k == K_DUR) {
        json_t *inc = json_object_get(r, "incident");
        if (!json_is_number(json_object_get(inc, "start"))) return false;
        x = json_object_get(inc, "duration");
    } else {
        static const char *const keys[] = { "", "availability", "peak_to_baseline",
                                            "customers_affected" };
        x = json_object_get(batch_find_named(json_object_get(r, "entries"), entry), keys[k]);
    }
    if (!json_is_number(x)) return false;
    *out = json_number_value(x);
    return true;
}


/* One shell word (single-quoted unless plainly safe), HTML-escaped. */
static void sh_word(FILE *f, const char *s)
{
    bool plain = *s != 0;
    for (const char *c = s; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%",
                    *c))
            plain = false;
    if (plain) {
        html_esc(f, s);
        return;
    }
    fputc('\'', f);
    for (const char *c = s; *c; c++) {
        if (*c == '\'') fputs("'\\''", f);
        else {
            char one[2] = { *c, 0 };
            html_esc(f, one);
        }
    }
    fputc('\'', f);
}

/* How each metric reads on the page: records hold seconds and fractions,
 * people read minutes and percentages. */
static const struct { double scale; const char *suffix; } units[] = {
    [K_DUR] = { 1.0 / 60, " min" },
    [K_AVAIL] = { 100, "%" },
    [K_PEAK] = { 1, "x" },
    [K_CUST] = { 1, "" },
};

/* x of metric k in its unit, with `decimals` digits after the point; when
 * decimals < 0, as many as suit its size (3 below 10, none from 1000, none
 * for a count). */
static const char *fmtk(char *buf, int k, double x, int decimals)
{
    double d = x * units[k].scale;
    if (d == 0) d = 0;   /* no "-0" */
    if (decimals < 0) {
        double a = fabs(d);
        decimals = a >= 1000 || k == K_CUST ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;
    }
    snprintf(buf, 32, "%.*f%s", decimals, d, units[k].suffix);
    return buf;
}

/* Round ticks over [*lo, *hi] (record units) for metric k: widens the range
 * to whole steps and returns the step; *decimals is what a tick label
 * needs. */
static double ticks(int k, double *lo, double *hi, int *decimals)
{
    double sc = units[k].scale, step = svg_nice_step((*hi - *lo) * sc, 4);
    *lo = floor(*lo * sc / step + 1e-9) * step / sc;
    *hi = ceil(*hi * sc / step - 1e-9) * step / sc;
    int d = (int)-floor(log10(step) + 1e-9);
    *decimals = d > 0 ? d : 0;
    return step / sc;
}

/* A strip/box plot of v (metric k, sorted here): one dot per run, the
 * p5-p95 box, p50 and max marked, on an axis with round ticks. */
static void strip(FILE *f, const char *id, const char *title, int k, Vals *v)
{
    char a[32], b[32], c[32], d[32];
    if (v->n == 0) {
        fputs("<p class=\"muted\">", f);
        html_esc(f, title);
        fputs(": no values.</p>\n", f);
        return;
    }
    batch_sort(v->v, v->n);
    double lo = v->v[0], hi = v->v[v->n - 1];
    if (hi <= lo) {
        double dd = fabs(lo) > 0 ? fabs(lo) * 0.05 : 1 / units[k].scale;
        lo -= dd;
        hi += dd;
    }
    int dec;
    double step = ticks(k, &lo, &hi, &dec);
    const double L = 24, R = CW - 24, y0 = 28, y1 = 68, H = 100;
#define SX(x) (L + ((x) - lo) / (hi - lo) * (R - L))
    double p5 = pct(v, 0.05), p50 = pct(v, 0.5), p95 = pct(v, 0.95), mx = v->v[v->n - 1];
    svg_open(f, id, CW, H, title);
    fprintf(f, "<text class=\"ptitle\" x=\"%.1f\" y=\"14\">", L);
    html_esc(f, title);
    fputs("</text>\n", f);
    int nt = (int)floor((hi - lo) / step + 0.5);
    for (int i = 0; i <= nt; i++) {
        double t = lo + step * i;
        const char *anchor = i == 0 ? "start" : i == nt ? "end" : "middle";
        svg_vgrid(f, SX(t), y0 - 6, y1 + 8, H - 8, anchor, fmtk(a, k, t, dec));
    }
    fprintf(f, "<line class=\"frame\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", L,
            y1 + 8, R, y1 + 8);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cfe3f7\" "
            "stroke=\"#5b8fd0\"><title>p5 %s to p95 %s</title></rect>\n", SX(p5), y0,
            SX(p95) - SX(p5), y1 - y0, fmtk(a, k, p5, -1), fmtk(b, k, p95, -1));
    for (int i = 0; i < v->n; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"#1565c0\" "
                "fill-opacity=\"0.45\"/>\n", SX(v->v[i]), y0 + 4 + (i % 9) * 4.0);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#0d47a1\" "
            "stroke-width=\"2.5\"><title>p50 %s</title></line>\n", SX(p50), y0 - 4, SX(p50),
            y1 + 4, fmtk(a, k, p50, -1));
    fprintf(f, "<path d=\"M%.1f %.1fl-4 -7h8z\" fill=\"#c62828\"><title>max %s</title></path>\n",
            SX(mx), y0 - 2, fmtk(a, k, mx, -1));
    fputs("</svg>\n", f);
#undef SX
    fprintf(f, "<p class=\"stat\">n=%d &middot; p5 %s &middot; p50 %s &middot; p95 %s "
            "&middot; max %s</p>\n", v->n, fmtk(a, k, p5, -1), fmtk(b, k, p50, -1),
            fmtk(c, k, p95, -1), fmtk(d, k, mx, -1));
}

/* A parameter's effect: per value of the axis, the median and the p5-p95
 * band of per[v], values of metric k. */
static void sweep_chart(FILE *f, const char *id, const char *title, int metric,
                        const BatchAxis *ax, Vals *per)
{
    int nv = ax->nvalues;
    double *xs = calloc((size_t)nv * 5 + 1, sizeof *xs);
    int *ord = calloc((size_t)nv + 1, sizeof *ord);
    if (!xs || !ord) {
        free(xs);
        free(ord);
        return;
    }
    double *q5 = xs + nv, *q50 = xs + 2 * nv, *q95 = xs + 3 * nv;
    bool numeric = true, any = false;
    double ylo = INFINITY, yhi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
    for (int k = 0; k < nv; k++) {
        char *end;
        double x = strtod(ax->values[k], &end);
        if (end == ax->values[k] || *end || !isfinite(x)) numeric = false;
        xs[k] = x;
        if (per[k].n) {
            batch_sort(per[k].v, per[k].n);
            q5[k] = pct(&per[k], 0.05);
            q50[k] = pct(&per[k], 0.5);
            q95[k] = pct(&per[k], 0.95);
            if (q5[k] < ylo) ylo = q5[k];
            if (q95[k] > yhi) yhi = q95[k];
            any = true;
        }
    }
    if (!any) {
        fputs("<p class=\"muted\">", f);
        html_esc(f, title);
        fputs(": no values.</p>\n", f);
        free(xs);
        free(ord);
        return;
    }
    for (int k = 0; k < nv; k++) {
        if (!numeric) xs[k] = k;
        if (xs[k] < xlo) xlo = xs[k];
        if (xs[k] > xhi) xhi = xs[k];
    }
    if (xhi <= xlo) {
        numeric = false;
        for (int k = 0; k < nv; k++) xs[k] = k;
        xlo = 0;
        xhi = nv - 1 > 0 ? nv - 1 : 1;
    }
    if (yhi <= ylo) {
        double dd = fabs(ylo) > 0 ? fabs(ylo) * 0.05 : 1 / units[metric].scale;
        ylo -= dd;
        yhi += dd;
    }
    int dec;
    double ystep = ticks(metric, &ylo, &yhi, &dec);
    /* the values by x, stable */
    for (int k = 0; k < nv; k++) ord[k] = k;
    for (int i = 1; i < nv; i++)
        for (int j = i; j > 0 && xs[ord[j - 1]] > xs[ord[j]]; j--) {
            int t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    const double L = 80, R = CW - 30, T = 16, B = 196, H = 240;
#define PX(x) (L + ((x) - xlo) / (xhi - xlo) * (R - L))
#define PY(y) (B - ((y) - ylo) / (yhi - ylo) * (B - T))
    char a[32], b[32], c[32];
    svg_open(f, id, CW, H, title);
    int nt = (int)floor((yhi - ylo) / ystep + 0.5);
    for (int i = 0; i <= nt; i++) {
        double y = ylo + ystep * i;
        svg_hgrid(f, L, R, PY(y), fmtk(a, metric, y, dec));
    }
    svg_frame(f, L, T, R - L, B - T);
    fputs("<path fill=\"#1565c0\" fill-opacity=\"0.15\" stroke=\"none\" d=\"", f);
    bool first = true;
    for (int i = 0; i < nv; i++) {
        int k = ord[i];
        if (!per[k].n) continue;
        fprintf(f, "%s%.1f %.1f", first ? "M" : "L", PX(xs[k]), PY(q95[k]));
        first = false;
    }
    for (int i = nv - 1; i >= 0; i--) {
        int k = ord[i];
        if (per[k].n) fprintf(f, "L%.1f %.1f", PX(xs[k]), PY(q5[k]));
    }
    fputs("Z\"/>\n<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"", f);
    first = true;
    for (int i = 0; i < nv; i++) {
        int k = ord[i];
        if (!per[k].n) continue;
        fprintf(f, "%s%.1f,%.1f", first ? "" : " ", PX(xs[k]), PY(q50[k]));
        first = false;
    }
    fputs("\"/>\n", f);
    for (int i = 0; i < nv; i++) {
        int k = ord[i];
        fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                PX(xs[k]), B + 16);
        html_esc(f, ax->values[k]);
        fputs("</text>\n", f);
        if (!per[k].n) continue;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#1565c0\"><title>", PX(xs[k]),
                PY(q50[k]));
        html_esc(f, ax->name);
        fprintf(f, "=");
        html_esc(f, ax->values[k]);
        fprintf(f, ": p50 %s, p5 %s, p95 %s (n=%d)</title></circle>\n",
                fmtk(a, metric, q50[k], -1), fmtk(b, metric, q5[k], -1),
                fmtk(c, metric, q95[k], -1), per[k].n);
    }
    fprintf(f, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (L + R) / 2,
            B + 36);
    html_esc(f, ax->name);
    fputs("</text>\n</svg>\n", f);
#undef PX
#undef PY
    free(xs);
    free(ord);
}

/* ---- the page ---- */

/* What a batch page adds to the style every page shares (html_page_open). */
static const char batch_css[] =
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "svg{margin:8px 0 4px;max-width:720px}\n"
    ".stat{font-size:12px;color:#555;margin:0 0 14px;font-variant-numeric:tabular-nums}\n"
    ".bar{display:inline-block;width:160px;height:10px;background:#eee;position:relative;"
    "vertical-align:middle}.bar i{position:absolute;left:0;top:0;bottom:0;background:#5b8fd0}"
    ".bar b{position:absolute;top:-3px;bottom:-3px;width:2px;background:#c62828}\n";

static bool bad_status(const char *st)
{
    return strcmp(st, "ok") != 0 && strcmp(st, "failed") != 0;
}

static int write_group(FILE *f, const BatchPlan *p, json_t *const *recs, int64_t g)
{
    int64_t ns = batch_plan_seeds(p), lo = g * ns, hi = lo + ns, n = 0, nbad = 0;
    Names entries = { 0 }, expects = { 0 };
    const char *name = NULL;
    int rc = 0;
    for (int64_t i = lo; i < hi; i++) {
        json_t *r = recs[i];
        if (!r) continue;
        n++;
        if (bad_status(batch_record_status(r))) nbad++;
        if (!name) name = batch_jstr(r, "name");
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(r, "entries"), j, e)
            if (batch_jstr(e, "name") && names_add(&entries, batch_jstr(e, "name")) < 0) rc = -ENOMEM;
        json_array_foreach(json_object_get(r, "expectations"), j, e)
            if (batch_jstr(e, "name") && names_add(&expects, batch_jstr(e, "name")) < 0) rc = -ENOMEM;
    }
    if (n == 0 || rc < 0) goto out;
    BatchRun first = batch_plan_run(p, lo);
    const char *scen = p->scenarios[first.scenario];

    /* expectations first: they decide the verdict */
    int64_t *passed = calloc((size_t)expects.n + 1, sizeof *passed);
    double *need = calloc((size_t)expects.n + 1, sizeof *need);
    if (!passed || !need) {
        free(passed);
        free(need);
        rc = -ENOMEM;
        goto out;
    }
    bool ok = nbad == 0;
    for (int x = 0; x < expects.n; x++) {
        for (int64_t i = lo; i < hi; i++) {
            if (!recs[i]) continue;
            json_t *xr = batch_find_named(json_object_get(recs[i], "expectations"), expects.v[x]);
            if (!xr) continue;
            if (json_is_true(json_object_get(xr, "ok"))) passed[x]++;
            double pr = json_number_value(json_object_get(xr, "pass_rate"));
            if (pr > need[x]) need[x] = pr;
        }
        if ((double)passed[x] < need[x] * (double)n - 1e-9) ok = false;
    }

    fprintf(f, "<h2 id=\"g%lld\">", (long long)g);
    html_esc(f, name ? name : scen);
    for (int a = 0; a < p->naxes; a++) {
        fputs(a ? " " : " [", f);
        html_esc(f, p->axes[a].name);
        fputc('=', f);
        html_esc(f, batch_plan_value(p, first.point, a));
    }
    fprintf(f, "%s <span class=\"verdict %s\">%s</span></h2>\n", p->naxes ? "]" : "",
            ok ? "pass" : "fail", ok ? "PASS" : "FAIL");
    fputs("<p class=\"muted\"><code>", f);
    html_esc(f, scen);
    fprintf(f, "</code> &middot; %lld runs", (long long)n);
    if (nbad) fprintf(f, ", %lld did not finish", (long long)nbad);
    fputs("</p>\n", f);

    fputs("<h3>Distributions</h3>\n", f);
    Vals v = { 0 };
    char id[96], title[1024];
    double x;
    for (int64_t i = lo; i < hi; i++)
        if (recs[i] && rec_value(recs[i], K_DUR, NULL, &x) && vals_push(&v, x) < 0) rc = -ENOMEM;
    snprintf(id, sizeof id, "g%lld-duration", (long long)g);
    strip(f, id, "Recovery duration, runs that had an incident and recovered", K_DUR, &v);
    static const struct { int k; const char *id, *what; } ms[] = {
        { K_AVAIL, "availability", "Availability" },
        { K_CUST, "customers", "Customers affected" },
        { K_PEAK, "peak", "Peak to baseline" },
    };
    for (int e = 0; e < entries.n; e++)
        for (size_t m = 0; m < sizeof ms / sizeof ms[0]; m++) {
            v.n = 0;
            for (int64_t i = lo; i < hi; i++)
                if (recs[i] && rec_value(recs[i], ms[m].k, entries.v[e], &x) &&
                    vals_push(&v, x) < 0)
                    rc = -ENOMEM;
            snprintf(id, sizeof id, "g%lld-%s-%d", (long long)g, ms[m].id, e);
            snprintf(title, sizeof title, "%s, entry point %s", ms[m].what, entries.v[e]);
            strip(f, id, title, ms[m].k, &v);
        }
    free(v.v);

    fputs("<h3>Expectations</h3>\n", f);
    if (expects.n == 0) fputs("<p class=\"muted\">None declared.</p>\n", f);
    else
        fputs("<table><tr><th>expectation</th><th class=\"num\">passed</th>"
              "<th class=\"num\">pass rate</th><th class=\"num\">required</th><th></th>"
              "<th></th></tr>\n", f);
    for (int xi = 0; xi < expects.n; xi++) {
        double rate = round((double)passed[xi] / (double)n * 1e6) / 1e6;
        bool xok = (double)passed[xi] >= need[xi] * (double)n - 1e-9;
        fputs("<tr><td>", f);
        html_esc(f, expects.v[xi]);
        fprintf(f, "</td><td class=\"num\">%lld/%lld</td><td class=\"num\">%.2f%%</td>"
                "<td class=\"num\">%.2f%%</td><td><span class=\"bar\"><i style=\"width:%.1f%%\">"
                "</i><b style=\"left:%.1f%%\"></b></span></td><td><span class=\"verdict %s\">%s"
                "</span></td></tr>\n", (long long)passed[xi], (long long)n, rate * 100,
                need[xi] * 100, rate * 100, need[xi] * 100, xok ? "pass" : "fail",
                xok ? "met" : "below");
    }
    if (expects.n) fputs("</table>\n", f);
    free(passed);
    free(need);

    int64_t nfail = 0;
    for (int64_t i = lo; i < hi; i++)
        if (recs[i] && strcmp(batch_record_status(recs[i]), "ok") != 0) nfail++;
    fprintf(f, "<h3>Runs that did not pass (%lld)</h3>\n", (long long)nfail);
    if (nfail == 0) {
        fputs("<p class=\"muted\">None.</p>\n", f);
        goto out;
    }
    fputs("<table><tr><th class=\"num\">seed</th><th>status</th><th>reason</th>"
          "<th>replay</th></tr>\n", f);
    int64_t listed = 0;
    for (int64_t i = lo; i < hi && listed < MAX_FAILING; i++) {
        json_t *r = recs[i];
        if (!r || strcmp(batch_record_status(r), "ok") == 0) continue;
        listed++;
        long long seed = (long long)json_integer_value(json_object_get(r, "seed"));
        fprintf(f, "<tr><td class=\"num\">%lld</td><td>", seed);
        html_esc(f, batch_record_status(r));
        fputs("</td><td>", f);
        html_esc(f, batch_jstr(r, "reason"));
        fputs("</td><td><code>firedrill run ", f);
        sh_word(f, scen);
        fprintf(f, " --seed %lld", seed);
        for (int a = 0; a < p->naxes; a++) {
            const char *val = batch_plan_value(p, first.point, a);
            size_t len = strlen(p->axes[a].name) + strlen(val) + 2;
            char *kv = malloc(len);
            if (!kv) {
                rc = -ENOMEM;
                break;
            }
            snprintf(kv, len, "%s=%s", p->axes[a].name, val);
            fputs(" --param ", f);
            sh_word(f, kv);
            free(kv);
        }
        fputs("</code></td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (nfail > listed)
        fprintf(f, "<p class=\"muted\">&hellip; and %lld more; runs.csv lists them all.</p>\n",
                (long long)(nfail - listed));
out:
    free(entries.v);
    free(expects.v);
    return rc;
}

/* The effect of each swept axis of scenario s. */
static int write_sweeps(FILE *f, const BatchPlan *p, json_t *const *recs, int s)
{
    int64_t np = batch_plan_points(p), ns = batch_plan_seeds(p);
    int64_t lo = (int64_t)s * np * ns, hi = lo + np * ns;
    int rc = 0;
    bool swept = false;
    for (int a = 0; a < p->naxes; a++)
        if (p->axes[a].nvalues >= 2) swept = true;
    if (!swept) return 0;
    Names entries = { 0 };
    const char *name = NULL;
    for (int64_t i = lo; i < hi; i++) {
        if (!recs[i]) continue;
        if (!name) name = batch_jstr(recs[i], "name");
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(recs[i], "entries"), j, e)
            if (batch_jstr(e, "name") && names_add(&entries, batch_jstr(e, "name")) < 0) rc = -ENOMEM;
    }
    if (!name && entries.n == 0) goto out;   /* no record of this scenario here */
    fprintf(f, "<h2 id=\"s%d-sweeps\">Parameter effects: ", s);
    html_esc(f, name ? name : p->scenarios[s]);
    fputs("</h2>\n<p class=\"muted\">Per value of a swept parameter, over every run at that "
          "value (all values of the other parameters): the median (line) and the p5&ndash;p95 "
          "band.</p>\n", f);
    for (int a = 0; a < p->naxes && rc == 0; a++) {
        const BatchAxis *ax = &p->axes[a];
        if (ax->nvalues < 2) continue;
        Vals *per = calloc((size_t)ax->nvalues, sizeof *per);
        if (!per) {
            rc = -ENOMEM;
            break;
        }
        char id[96], title[1024];
        for (int m = -1; m < entries.n; m++) {
            int k = m < 0 ? K_DUR : K_AVAIL;
            for (int vi = 0; vi < ax->nvalues; vi++) per[vi].n = 0;
            for (int64_t i = lo; i < hi; i++) {
                double x;
                if (!recs[i] || !rec_value(recs[i], k, m < 0 ? NULL : entries.v[m], &x))
                    continue;
                const char *val = batch_plan_value(p, (i - lo) / ns, a);
                for (int vi = 0; vi < ax->nvalues; vi++)
                    if (ax->values[vi] == val && vals_push(&per[vi], x) < 0) rc = -ENOMEM;
            }
            if (m < 0) {
                snprintf(id, sizeof id, "s%d-sweep-%d-duration", s, a);
                snprintf(title, sizeof title, "Recovery duration against %s", ax->name);
            } else {
                snprintf(id, sizeof id, "s%d-sweep-%d-availability-%d", s, a, m);
                snprintf(title, sizeof title, "Availability of %s against %s", entries.v[m],
                         ax->name);
            }
            fputs("<h3>", f);
            html_esc(f, title);
            fputs("</h3>\n", f);
            sweep_chart(f, id, title, k, ax, per);
        }
        for (int vi = 0; vi < ax->nvalues; vi++) free(per[vi].v);
        free(per);
    }
out:
    free(entries.v);
    return rc;
}

int batch_html_write(const BatchPlan *p, json_t *const *recs, int64_t total, FILE *f)
{
    int64_t ng = batch_plan_groups(p), runs = 0;
    for (int64_t i = 0; i < total; i++)
        if (recs[i]) runs++;
    html_page_open(f, "firedrill batch report", "", batch_css);
    fputs("<h1>firedrill batch</h1>\n<table>\n", f);
    fputs("<tr><th>scenarios</th><td>", f);
    for (int s = 0; s < p->nscenarios; s++) {
        fputs(s ? ", <code>" : "<code>", f);
        html_esc(f, p->scenarios[s]);
        fputs("</code>", f);
    }
    fprintf(f, "</td></tr>\n<tr><th>seeds</th><td>%llu..%llu</td></tr>\n",
            (unsigned long long)p->seed_lo, (unsigned long long)p->seed_hi);
    for (int a = 0; a < p->naxes; a++) {
        fputs("<tr><th>param <code>", f);
        html_esc(f, p->axes[a].name);
        fputs("</code></th><td>", f);
        for (int k = 0; k < p->axes[a].nvalues; k++) {
            if (k) fputs(", ", f);
            html_esc(f, p->axes[a].values[k]);
        }
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><th>runs</th><td>%lld</td></tr>\n</table>\n", (long long)runs);
    int rc = 0;
    for (int s = 0; s < p->nscenarios && rc == 0; s++) rc = write_sweeps(f, p, recs, s);
    for (int64_t g = 0; g < ng && rc == 0; g++) rc = write_group(f, p, recs, g);
    fputs("</main>\n</body>\n</html>\n", f);
    if (rc < 0) return rc;
    return ferror(f) ? -EIO : 0;
}
