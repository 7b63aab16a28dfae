/*
 * html_charts.c: the time charts of report.html (see html_internal.h).
 *
 * Five charts over the run's time, drawn with svg_chart.h from the series
 * metrics_read.c folded: availability per entry point against its
 * objective, traffic against capacity and instances by state per service
 * (small multiples, two to a row), failed requests by cause, and p99
 * latency. Each carries the incident clock's moments as dashed lines and,
 * on a game day's page, the players' commands as marks.
 */
#include "report/html_internal.h"

#include <stdlib.h>
#include <string.h>
#include "report/svg_chart.h"

#define CW 1100.0       /* chart width in SVG units */

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define NPALETTE 10

static const char *const cause_labels[NCAUSES] = {
    "rejected", "timeout", "dependency", "bad config", "no instance", "error",
};
static const char *const cause_colors[NCAUSES] = {
    "#e6a23c", "#d9534f", "#8e6bbf", "#c0392b", "#5b7083", "#f08080",
};

/* Vertical grid lines and labels at round local clock times. */
static void time_axis(FILE *f, const SvgPlot *p, const RunResult *r, int maxticks)
{
    svg_time_axis(f, p, r->wall_start + (int64_t)r->tz_minutes * 60, maxticks);
}

/* Dashed vertical lines at the incident clock's moments; with a legend
 * position (lx >= 0), their names and times listed there. */
static void moment_markers(FILE *f, const SvgPlot *p, const RunResult *r, double lx, double ly)
{
    const Moment ms[] = {
        { "start", q_time(r->t_start), "#d62728" },
        { "detected", q_time(r->t_detected), "#ff7f0e" },
        { "mitigated", q_time(r->t_mitigated), "#1f77b4" },
        { "recovered", q_time(r->t_recovered), "#2ca02c" },
    };
    for (int i = 0; i < 4; i++) {
        if (ms[i].t < 0) continue;
        double x = svg_px(p, fd_time_sec(ms[i].t));
        char c[16];
        clock_at(r, ms[i].t, true, c, sizeof c);
        fprintf(f,
                "<line class=\"moment\" stroke=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                "y2=\"%.1f\"><title>%s %s</title></line>\n",
                ms[i].color, x, p->y, x, p->y + p->h, ms[i].name, c);
        if (lx >= 0) {
            char lab[48];
            snprintf(lab, sizeof lab, "%s %s", ms[i].name, c);
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\" stroke-dasharray=\"4 3\"/><text class=\"legend\" "
                    "x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                    lx + 8, ly - 7, lx + 8, ly + 7, ms[i].color, lx + 24, ly + 4, lab);
            ly += 18;
        }
    }
}

/* A game day's commands: a thin line and a triangle at the top of the plot,
 * the player's name beside it and the command as its tooltip. */
static void command_marks(FILE *f, const SvgPlot *p, const RunResult *r, const HtmlExtra *x)
{
    if (!x) return;
    for (int i = 0; i < x->nmarks; i++) {
        const HtmlMark *k = &x->marks[i];
        if (!(k->t >= 0) || k->t > p->tmax) continue;
        double cx = svg_px(p, k->t);
        char c[16];
        clock_at(r, fd_time_from_sec(k->t), true, c, sizeof c);
        fprintf(f,
                "<g class=\"cmdmark\"><title>%s ", c);
        html_esc(f, k->label ? k->label : "");
        fputs(": ", f);
        html_esc(f, k->title ? k->title : "");
        if (k->refused) fputs(" (refused)", f);
        fprintf(f,
                "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#6a1b9a\" stroke-width=\"1\" stroke-opacity=\"0.6\"/>"
                "<path d=\"M%.1f,%.1fl-5,-8h10z\" fill=\"%s\" stroke=\"#6a1b9a\"/>"
                "<text class=\"cmdlab\" x=\"%.1f\" y=\"%.1f\">",
                cx, p->y, cx, p->y + p->h, cx, p->y + 8, k->refused ? "#fff" : "#6a1b9a",
                cx + 4, p->y + 18 + 11.0 * (i % 4));
        html_esc(f, k->label ? k->label : "");
        fputs("</text></g>\n", f);
    }
}
static double chart_tmax(const RunResult *r, const Metrics *m)
{
    double t = fd_time_sec(q_time(r->duration));
    if (m->nt > 0 && m->t[m->nt - 1] > t) t = m->t[m->nt - 1];
    return t > 0 ? t : 1;
}

static void chart_availability(FILE *f, const RunResult *r, const Metrics *m,
                               const HtmlExtra *x)
{
    double h = 320;
    svg_open(f, "chart-availability", CW, h,
             "Availability of user intents per entry point, with the incident clock");
    SvgPlot p = { 70, 24, CW - 70 - 190, h - 24 - 34, chart_tmax(r, m), 0, 1, false };
    svg_y_axis(f, &p, SVG_Y_PCT, "availability");
    time_axis(f, &p, r, 12);
    double ly = 30;
    for (int i = 0; i < r->nentries; i++) {
        double slo = q_round(r->entries[i].slo, 1e6);
        if (!(slo > 0 && slo <= 1)) continue;
        fprintf(f,
                "<line class=\"slo\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
                "<title>objective %.4g%%</title></line>\n",
                p.x, svg_py(&p, slo), p.x + p.w, svg_py(&p, slo), slo * 100);
    }
    moment_markers(f, &p, r, p.x + p.w + 14, 30 + 18.0 * (m->nent + 2));
    for (int i = 0; i < m->nent; i++) {
        const char *c = palette[i % NPALETTE];
        svg_line(f, &p, m->t, m->nt, m->ent[i].avail, c, "stroke-width=\"2\"");
        svg_legend_line(f, p.x + p.w + 14, ly, c, m->ent[i].name, false);
        ly += 18;
    }
    svg_legend_line(f, p.x + p.w + 14, ly, "#888", "objective (SLO)", true);
    command_marks(f, &p, r, x);
    fputs("</svg>\n", f);
}

/* Small multiples: one panel per service, two to a row. */
typedef void (*PanelFn)(FILE *f, const RunResult *r, const Metrics *m, int s, const SvgPlot *p);

static void panels(FILE *f, const RunResult *r, const Metrics *m, const char *id,
                   const char *title, const char *unit, PanelFn fn, double legend_h)
{
    int cols = 2, rows = (m->nsvc + cols - 1) / cols;
    double pw = CW / cols, ph = 170;
    double h = legend_h + rows * ph + 10;
    svg_open(f, id, CW, h, title);
    for (int s = 0; s < m->nsvc; s++) {
        double ox = (s % cols) * pw, oy = legend_h + (s / cols) * ph;
        SvgPlot p = { ox + 62, oy + 26, pw - 62 - 18, ph - 26 - 34, chart_tmax(r, m), 0, 1, false };
        fprintf(f, "<text class=\"ptitle\" x=\"%.1f\" y=\"%.1f\">", p.x, oy + 12);
        html_esc(f, m->svc[s].name);
        fprintf(f, "<tspan class=\"unit\" dx=\"8\">%s</tspan></text>\n", unit);
        fn(f, r, m, s, &p);
    }
}

static void traffic_panel(FILE *f, const RunResult *r, const Metrics *m, int s, const SvgPlot *p0)
{
    SvgPlot p = *p0;
    const Series *sv = &m->svc[s];
    double *rate = malloc(sizeof *rate * (size_t)(m->nt ? m->nt : 1));
    if (!rate) return;
    /* Capacity is often tens of times the load: a logarithmic scale shows
     * both, and a surge as a step of its factor. */
    double hi = 0, lo = INFINITY;
    for (int i = 0; i < m->nt; i++) {
        rate[i] = sv->m[M_OFFERED][i] / metrics_interval_len(m, i);
        double c = sv->m[M_CAPACITY][i];
        if (rate[i] > hi) hi = rate[i];
        if (c > hi) hi = c;
        if (rate[i] > 0 && rate[i] < lo) lo = rate[i];
        if (c > 0 && c < lo) lo = c;
    }
    if (!(hi > 0)) lo = 1, hi = 10;
    p.logy = true;
    p.ymax = ceil(log10(hi));
    p.ymin = floor(log10(lo));
    if (p.ymin < p.ymax - 6) p.ymin = p.ymax - 6;
    if (p.ymax <= p.ymin) p.ymax = p.ymin + 1;
    svg_y_axis(f, &p, SVG_Y_NUM, NULL);
    time_axis(f, &p, r, 6);
    moment_markers(f, &p, r, -1, 0);
    svg_line(f, &p, m->t, m->nt, sv->m[M_CAPACITY], "#2ca02c",
              "stroke-width=\"2\" stroke-dasharray=\"6 3\"");
    svg_line(f, &p, m->t, m->nt, rate, "#1f77b4", "stroke-width=\"1.5\"");
    free(rate);
}

static void chart_traffic(FILE *f, const RunResult *r, const Metrics *m)
{
    panels(f, r, m, "chart-traffic",
           "Offered traffic against capacity per service, summed over regions", "req/s, logarithmic", traffic_panel, 28);
    svg_legend_line(f, 70, 12, "#1f77b4", "offered (req/s)", false);
    svg_legend_line(f, 250, 12, "#2ca02c", "capacity (req/s)", true);
    fputs("</svg>\n", f);
}

static void instances_panel(FILE *f, const RunResult *r, const Metrics *m, int s, const SvgPlot *p0)
{
    SvgPlot p = *p0;
    const Series *sv = &m->svc[s];
    double hi = 0;
    for (int i = 0; i < m->nt; i++) {
        double tot = sv->m[M_UP][i] + sv->m[M_STARTING][i] + sv->m[M_WAITING][i];
        if (tot > hi) hi = tot;
    }
    p.ymax = svg_nice_max(hi);
    svg_y_axis(f, &p, SVG_Y_NUM, NULL);
    time_axis(f, &p, r, 6);
    static const int ks[] = { M_UP, M_STARTING, M_WAITING };
    static const char *const cs[] = { "#2ca02c", "#f0ad4e", "#d62728" };
    if (m->nt == 0) return;
    /* Stacked areas: each polygon runs along its top, then back along the
     * top of the layers below. cum[k * n + i]: the stack's height under
     * layer k at interval i. */
    size_t n = (size_t)m->nt;
    double *cum = calloc(n * 4, sizeof *cum);
    for (int i = 0; i < m->nt && cum; i++) {
        double acc = 0;
        for (int k = 0; k < 3; k++) {
            cum[(size_t)k * n + (size_t)i] = acc;
            acc += sv->m[ks[k]][i];
        }
        cum[3 * n + (size_t)i] = acc;
    }
    for (int k = 0; k < 3 && cum; k++) {
        svg_area(f, &p, m->t, m->nt, cum + (size_t)(k + 1) * n, cum + (size_t)k * n, cs[k],
                 "0.8");
        fputs("/>\n", f);
    }
    free(cum);
    moment_markers(f, &p, r, -1, 0);
}

static void chart_instances(FILE *f, const RunResult *r, const Metrics *m)
{
    panels(f, r, m, "chart-instances",
           "Instances by state per service, summed over regions: up, starting, waiting for "
           "their platform",
           "instances", instances_panel, 28);
    svg_legend_box(f, 70, 12, "#2ca02c", "up");
    svg_legend_box(f, 160, 12, "#f0ad4e", "starting");
    svg_legend_box(f, 270, 12, "#d62728", "waiting for the platform");
    fputs("</svg>\n", f);
}

/* Whether service s (in metrics) answers an entry point: its failures are
 * what users see. Without a topology every service counts. */
static bool is_entry_service(const Topo *topo, const char *name)
{
    if (!topo) return true;
    for (int i = 0; i < topo->nsources; i++) {
        int e = topo->sources[i].entry;
        if (e >= 0 && e < topo->nservices && strcmp(topo->services[e].name, name) == 0)
            return true;
    }
    return false;
}

static void chart_errors(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m,
                         const HtmlExtra *x)
{
    double h = 300;
    /* Which services' failures are summed: the entry services, if any of
     * them has metrics, else all. Decided once per service, not per point. */
    bool *use = malloc(sizeof *use * (size_t)(m->nsvc ? m->nsvc : 1));
    bool entry_only = false;
    for (int s = 0; s < m->nsvc && topo && use; s++)
        if ((use[s] = is_entry_service(topo, m->svc[s].name))) entry_only = true;
    for (int s = 0; s < m->nsvc && !entry_only && use; s++) use[s] = true;
    svg_open(f, "chart-errors", CW, h,
             entry_only ? "Failed requests per second by cause, at the entry services"
                        : "Failed requests per second by cause, all services summed");
    SvgPlot p = { 70, 24, CW - 70 - 190, h - 24 - 34, chart_tmax(r, m), 0, 1, false };
    size_t n = (size_t)(m->nt ? m->nt : 1);
    double *cum = calloc(n * (NCAUSES + 1), sizeof *cum);
    if (!cum || !use) {
        free(cum);
        free(use);
        fputs("</svg>\n", f);
        return;
    }
    /* cum[k * n + i]: the stack's height under cause k at interval i. */
    double hi = 0;
    for (int i = 0; i < m->nt; i++) {
        double dt = metrics_interval_len(m, i), acc = 0;
        for (int k = 0; k < NCAUSES; k++) {
            cum[(size_t)k * n + (size_t)i] = acc;
            for (int s = 0; s < m->nsvc; s++)
                if (use[s]) acc += m->svc[s].m[M_F_REJECTED + k][i] / dt;
        }
        cum[(size_t)NCAUSES * n + (size_t)i] = acc;
        if (acc > hi) hi = acc;
    }
    p.ymax = svg_nice_max(hi);
    svg_y_axis(f, &p, SVG_Y_NUM, "failed req/s");
    time_axis(f, &p, r, 12);
    for (int k = 0; k < NCAUSES && m->nt > 0; k++) {
        const double *lo = cum + (size_t)k * n, *up = cum + (size_t)(k + 1) * n;
        bool any = false;
        for (int i = 0; i < m->nt; i++)
            if (up[i] > lo[i]) any = true;
        if (!any) continue;
        svg_area(f, &p, m->t, m->nt, up, lo, cause_colors[k], "0.85");
        fprintf(f, "><title>%s</title></path>\n", cause_labels[k]);
    }
    free(use);
    free(cum);
    for (int k = 0; k < NCAUSES; k++)
        svg_legend_box(f, p.x + p.w + 14, 30 + 18.0 * k, cause_colors[k], cause_labels[k]);
    moment_markers(f, &p, r, p.x + p.w + 14, 30 + 18.0 * (NCAUSES + 1));
    command_marks(f, &p, r, x);
    fputs("</svg>\n", f);
}

static void chart_latency(FILE *f, const RunResult *r, const Metrics *m, const HtmlExtra *x)
{
    double h = 320;
    svg_open(f, "chart-latency", CW, h,
             "p99 latency per service (worst region), logarithmic scale");
    double lo = INFINITY, hi = 0;
    for (int s = 0; s < m->nsvc; s++)
        for (int i = 0; i < m->nt; i++) {
            double v = m->svc[s].m[M_P99][i];
            if (v > 0 && v < lo) lo = v;
            if (v > hi) hi = v;
        }
    if (!(hi > 0)) lo = 1e-3, hi = 1;
    SvgPlot p = { 70, 24, CW - 70 - 190, h - 24 - 34, chart_tmax(r, m), floor(log10(lo)),
               ceil(log10(hi)), true };
    if (p.ymax <= p.ymin) p.ymax = p.ymin + 1;
    svg_y_axis(f, &p, SVG_Y_SEC, "p99 latency");
    time_axis(f, &p, r, 12);
    for (int s = 0; s < m->nsvc; s++) {
        const char *c = palette[s % NPALETTE];
        svg_line(f, &p, m->t, m->nt, m->svc[s].m[M_P99], c, "stroke-width=\"1.5\"");
        svg_legend_line(f, p.x + p.w + 14, 30 + 18.0 * s, c, m->svc[s].name, false);
    }
    moment_markers(f, &p, r, p.x + p.w + 14, 30 + 18.0 * (m->nsvc + 1));
    command_marks(f, &p, r, x);
    fputs("</svg>\n", f);
}

void html_charts(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m,
                 const HtmlExtra *x)
{
    fputs("<h2 id=\"charts\">Availability</h2>\n", f);
    chart_availability(f, r, m, x);
    fputs("<h2>Traffic against capacity</h2>\n", f);
    chart_traffic(f, r, m);
    fputs("<h2>Errors by cause</h2>\n", f);
    chart_errors(f, r, topo, m, x);
    fputs("<h2>Latency</h2>\n", f);
    chart_latency(f, r, m, x);
    fputs("<h2>Instances</h2>\n", f);
    chart_instances(f, r, m);
}
