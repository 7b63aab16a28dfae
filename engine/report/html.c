/*
 * html.c: report.html (see html.h), one self-contained page per run, and
 * what every firedrill page shares (its head and style, HTML escaping).
 *
 * The page holds everything inline: CSS in a <style>, charts as inline
 * <svg> (html_charts.c, html_graph.c), no script and no fetch, so it opens
 * from a CI artifact store, a mail attachment or a laptop on a plane.
 *
 * Two inputs, read differently:
 *   - the RunResult gives the header, the incident clock, the entry
 *     figures, the expectations and the timeline. `firedrill report`
 *     rebuilds it from summary.json and events.jsonl, which round what they
 *     hold (run_json.h), so every figure from it goes through the same
 *     rounding (q_time, q_avail, ... in html_internal.h) before it is
 *     printed: the page from a run and the page rebuilt later are the same
 *     bytes.
 *   - metrics.csv is streamed once and folded per series (metrics_read.h);
 *     the charts and the graphs draw from that.
 *
 * Determinism: every number goes out through printf with a fixed format,
 * and nothing depends on the host's locale, time zone or clock.
 */
#include "base/utf8.h"
#include "report/html_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"

/* ---- text ---- */


void html_esc(FILE *f, const char *s)
{
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = fd_utf8_seq(p, NULL);
        if (n == 0) {
            fputs("\xef\xbf\xbd", f);
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, n, f);
            p += n;
            continue;
        }
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (*p < 0x20 && *p != '\t') fputc('?', f);
            else fputc(*p, f);
        }
        p++;
    }
}

static void fmt_duration(double s, char *buf, size_t n)
{
    long long v = llround(s);
    if (v >= 3600) snprintf(buf, n, "%lldh %02lldm %02llds", v / 3600, v / 60 % 60, v % 60);
    else if (v >= 60) snprintf(buf, n, "%lldm %02llds", v / 60, v % 60);
    else snprintf(buf, n, "%llds", v);
}

static void fmt_pct(double v, char *buf, size_t n)
{
    if (!isfinite(v)) snprintf(buf, n, "n/a");
    else snprintf(buf, n, "%.4f%%", floor(v * 1e6 + 1e-6) / 1e4);
}

/* ---- the page ---- */

static const char page_css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
    "color:#222;background:#fafafa}\n"
    "main{max-width:1180px;margin:0 auto;padding:20px 28px 60px}\n"
    "h1{font-size:24px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;"
    "border-bottom:1px solid #ddd;padding-bottom:4px}\n"
    "table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 12px 3px 0;text-align:left;"
    "vertical-align:top}th{color:#555;font-weight:600}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".verdict{display:inline-block;padding:2px 10px;border-radius:4px;font-weight:700;"
    "color:#fff}.pass{background:#2e7d32}.fail{background:#c62828}\n"
    ".muted{color:#777}code{font:12px ui-monospace,Menlo,Consolas,monospace}\n"
    "svg{display:block;background:#fff;border:1px solid #e2e2e2;border-radius:4px;"
    "margin:8px 0 16px}\n"
    "svg text{font-family:system-ui,sans-serif}\n"
    ".grid{stroke:#eee;stroke-width:1}.frame{fill:none;stroke:#bbb}\n"
    ".tick{font-size:11px;fill:#666}.unit{font-size:11px;fill:#444}\n"
    ".legend{font-size:12px;fill:#333}.ptitle{font-size:13px;font-weight:600;fill:#333}\n"
    ".moment{stroke-width:1.5;stroke-dasharray:4 3}\n"
    ".slo{stroke:#888;stroke-dasharray:5 3;stroke-width:1}\n"
    ".node{font-size:13px;font-weight:600;fill:#222}.nodesub{font-size:10px;fill:#444}\n"
    ".graphs{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:12px}\n"
    ".graphs svg{margin:0}\n"
    "ol.timeline{padding-left:3em}ol.timeline li{margin:2px 0}\n"
    ".kind{display:inline-block;min-width:70px;font-size:11px;color:#555;"
    "text-transform:uppercase}\n"
    ".k-fault,.k-deadlock{color:#c62828}.k-alert,.k-incident{color:#e65100}"
    ".k-action{color:#1565c0}.k-clock{color:#2e7d32;font-weight:600}\n"
    ".t{font-variant-numeric:tabular-nums;color:#555;margin-right:8px}\n";

void html_page_open(FILE *f, const char *title, const char *suffix, const char *css)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    html_esc(f, title);
    fputs(suffix, f);
    fputs("</title>\n<style>\n", f);
    fputs(page_css, f);
    if (css) fputs(css, f);
    fputs("</style>\n</head>\n<body>\n<main>\n", f);
}

static int param_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void header(FILE *f, const RunResult *r)
{
    fputs("<h1>", f);
    html_esc(f, r->scenario ? r->scenario : "firedrill run");
    fputs("</h1>\n<p>", f);
    bool ok = result_all_ok(r);
    fprintf(f, "<span class=\"verdict %s\">%s</span> ", ok ? "pass" : "fail",
            ok ? "ALL EXPECTATIONS HOLD" : "AN EXPECTATION FAILED");
    fputs("</p>\n<table class=\"meta\">\n", f);
    char buf[64];
    if (r->path) {
        fputs("<tr><th>scenario file</th><td><code>", f);
        html_esc(f, r->path);
        fputs("</code></td></tr>\n", f);
    }
    fprintf(f, "<tr><th>seed</th><td>%llu</td></tr>\n", (unsigned long long)r->seed);
    result_datetime(r, 0, false, buf, sizeof buf);
    fprintf(f, "<tr><th>start</th><td>%s</td></tr>\n", buf);
    fmt_duration(fd_time_sec(q_time(r->duration)), buf, sizeof buf);
    fprintf(f, "<tr><th>duration</th><td>%s</td></tr>\n", buf);
    fprintf(f, "<tr><th>sampling</th><td>1 simulated request per %.3f real</td></tr>\n",
            q_round(r->sampling, 1e3));
    fputs("<tr><th>params</th><td>", f);
    if (r->nparams == 0) fputs("<span class=\"muted\">none</span>", f);
    const char **ps = malloc(sizeof *ps * (size_t)(r->nparams ? r->nparams : 1));
    if (ps) {
        int n = 0;
        for (int i = 0; i < r->nparams; i++)
            if (r->params[i]) ps[n++] = r->params[i];
        qsort(ps, (size_t)n, sizeof *ps, param_cmp);
        for (int i = 0; i < n; i++) {
            fputs(i ? ", <code>" : "<code>", f);
            html_esc(f, ps[i]);
            fputs("</code>", f);
        }
        free(ps);
    }
    fputs("</td></tr>\n</table>\n", f);
}

static void incident_clock(FILE *f, const RunResult *r)
{
    fputs("<h2 id=\"incident-clock\">The incident clock</h2>\n<table>\n"
          "<tr><th>moment</th><th>local time</th><th>since start</th></tr>\n", f);
    const Moment ms[] = {
        { "start", q_time(r->t_start), NULL },
        { "detected", q_time(r->t_detected), NULL },
        { "mitigated", q_time(r->t_mitigated), NULL },
        { "recovered", q_time(r->t_recovered), NULL },
    };
    SimTime t0 = ms[0].t;
    for (int i = 0; i < 4; i++) {
        fprintf(f, "<tr><td>%s</td>", ms[i].name);
        if (ms[i].t < 0) {
            fputs("<td class=\"muted\">never</td><td></td></tr>\n", f);
            continue;
        }
        char c[16], d[48] = "";
        clock_at(r, ms[i].t, true, c, sizeof c);
        if (t0 >= 0 && i > 0) {
            SimTime dd = ms[i].t - t0;
            char x[40];
            fmt_duration(fd_time_sec(dd < 0 ? -dd : dd), x, sizeof x);
            snprintf(d, sizeof d, "%s%s", dd < 0 ? "-" : "+", x);
        }
        fprintf(f, "<td>%s</td><td>%s</td></tr>\n", c, d);
    }
    fputs("</table>\n", f);
    if (ms[0].t >= 0 && ms[3].t >= 0) {
        char x[40];
        fmt_duration(fd_time_sec(ms[3].t - ms[0].t), x, sizeof x);
        fprintf(f, "<p>Duration (recovered minus start): <b>%s</b></p>\n", x);
    }
}

static void entries(FILE *f, const RunResult *r)
{
    if (r->nentries == 0) return;
    fputs("<h2 id=\"entries\">Entry points</h2>\n<table>\n<tr><th>entry</th>"
          "<th class=\"num\">SLO</th><th class=\"num\">availability</th>"
          "<th class=\"num\">attempts ok</th><th class=\"num\">degraded</th>"
          "<th class=\"num\">baseline/s</th><th class=\"num\">peak/s</th>"
          "<th class=\"num\">peak/baseline</th><th class=\"num\">customers affected</th></tr>\n",
          f);
    for (int i = 0; i < r->nentries; i++) {
        const EntryResult *e = &r->entries[i];
        char a[32], b[32], c[32];
        fmt_pct(q_avail(e->availability), a, sizeof a);
        fmt_pct(q_avail(e->attempt_availability), b, sizeof b);
        fmt_pct(q_round(e->degraded, 1e6), c, sizeof c);
        fputs("<tr><td>", f);
        html_esc(f, e->name);
        double ptb = q_round(e->peak_to_baseline, 1e3);
        fprintf(f,
                "</td><td class=\"num\">%.4g%%</td><td class=\"num\">%s</td>"
                "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                "<td class=\"num\">%.1f</td><td class=\"num\">%.1f</td>",
                q_round(e->slo, 1e6) * 100, a, b, c, q_round(e->baseline_rate, 1e3),
                q_round(e->peak_rate, 1e3));
        if (isfinite(ptb)) fprintf(f, "<td class=\"num\">%.2fx</td>", ptb);
        else fputs("<td class=\"num\">n/a</td>", f);
        fprintf(f, "<td class=\"num\">%lld of %lld</td></tr>\n",
                (long long)llround(e->customers_affected), (long long)llround(e->customers));
    }
    fputs("</table>\n", f);
    if (r->ndeadlocks > 0) {
        fputs("<h2 id=\"deadlocks\">Deadlocks</h2>\n<ul>\n", f);
        for (int i = 0; i < r->ndeadlocks; i++) {
            char c[16];
            clock_at(r, q_time(r->deadlocks[i].at), false, c, sizeof c);
            fprintf(f, "<li>%s ", c);
            html_esc(f, r->deadlocks[i].region);
            fputs(": <code>", f);
            html_esc(f, r->deadlocks[i].cycle);
            fputs("</code></li>\n", f);
        }
        fputs("</ul>\n", f);
    }
}

static void expectations(FILE *f, const RunResult *r)
{
    fputs("<h2 id=\"expectations\">Expectations</h2>\n", f);
    if (r->nexpects == 0) {
        fputs("<p class=\"muted\">The scenario declares none.</p>\n", f);
        return;
    }
    fputs("<table>\n", f);
    int held = 0;
    for (int i = 0; i < r->nexpects; i++) {
        const ExpectResult *x = &r->expects[i];
        held += x->ok;
        fprintf(f, "<tr><td><span class=\"verdict %s\">%s</span></td><td><code>",
                x->ok ? "pass" : "fail", x->ok ? "PASS" : "FAIL");
        html_esc(f, x->name);
        fputs("</code>", f);
        double pr = q_round(x->pass_rate, 1e6);
        if (isfinite(pr) && pr != 1) fprintf(f, " <span class=\"muted\">(batch pass rate %.4g%%)</span>", pr * 100);
        fputs("</td><td>", f);
        html_esc(f, x->detail);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "</table>\n<p>%d of %d expectations hold.</p>\n", held, r->nexpects);
}

static void timeline(FILE *f, const RunResult *r)
{
    fputs("<h2 id=\"timeline\">Timeline</h2>\n", f);
    int *order = result_event_order(r);
    if (!order) return;
    fputs("<ol class=\"timeline\">\n", f);
    for (int i = 0; i < r->nevents; i++) {
        const RunEvent *e = &r->events[order[i]];
        char c[16];
        clock_at(r, q_time(e->t), false, c, sizeof c);
        const char *k = run_event_kind_name(e->kind);
        fprintf(f, "<li><span class=\"t\">%s</span><span class=\"kind k-%s\">%s</span>", c, k, k);
        html_esc(f, e->text);
        fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
    free(order);
}

static void write_page(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m,
                       const HtmlExtra *x)
{
    html_page_open(f, r->scenario ? r->scenario : "firedrill run", " - firedrill report",
                   x ? x->css : NULL);
    header(f, r);
    if (x && x->section) x->section(f, x->ud);
    incident_clock(f, r);
    entries(f, r);
    expectations(f, r);
    html_charts(f, r, topo, m, x);
    fputs("<h2 id=\"graph\">The dependency graph</h2>\n<p class=\"muted\">", f);
    fputs(topo ? "Boxes are services in layers by call depth; solid arrows are calls, dashed "
                 "arrows point to the platform a service runs on. "
               : "Without the topology, the services metrics.csv names, without edges. ",
          f);
    fputs("Green: under 1% of requests failed and every instance up; amber: some failures "
          "or instances down; red: half or more failed, or none up.</p>\n",
          f);
    html_graphs(f, r, topo, m);
    timeline(f, r);
    fputs("<p class=\"muted\">Generated by firedrill " FD_VERSION ".</p>\n"
          "</main>\n</body>\n</html>\n", f);
}

int run_write_html(const RunResult *r, const Topo *topo, const char *metrics_path,
                   const char *path)
{
    return run_write_html_ex(r, topo, metrics_path, path, NULL);
}

int run_write_html_ex(const RunResult *r, const Topo *topo, const char *metrics_path,
                      const char *path, const HtmlExtra *x)
{
    Metrics m;
    int rc = metrics_read(&m, metrics_path);
    if (rc < 0) return rc;
    /* With a topology, its services come first and in its order, so the
     * charts do not depend on which service happened to write first. */
    if (topo && (rc = metrics_order(&m, topo)) < 0) return rc;
    AtomicFile af;
    FILE *f = afile_open(&af, path);
    if (!f) {
        rc = errno ? -errno : -EIO;
        metrics_free(&m);
        return rc;
    }
    write_page(f, r, topo, &m, x);
    metrics_free(&m);
    if (ferror(f)) {
        afile_abort(&af);
        return -EIO;
    }
    return afile_commit(&af);
}
