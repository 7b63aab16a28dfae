/*
 * html_graph.c: the dependency graphs of report.html (see html_internal.h).
 *
 * One layout, drawn three times: before the incident, at its worst
 * interval and at the end. Services sit in layers by call depth, calls are
 * solid arrows and "runs on" dashed ones, and each box is coloured by the
 * service's health in that interval (failed share, instances up).
 */
#include "report/html_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/svg_chart.h"

typedef struct Node {
    const char *name;
    int series;             /* index in Metrics, or -1 */
    int layer, slot;
    double cx, cy;
} Node;

#define BOX_W 132.0
#define BOX_H 46.0

typedef enum Health { H_UNKNOWN, H_OK, H_DEGRADED, H_DOWN } Health;

static Health node_health(const Metrics *m, int s, int i, double *fail_ratio, double *up,
                          double *all)
{
    *fail_ratio = 0;
    *up = *all = 0;
    if (s < 0 || i < 0 || i >= m->nt) return H_UNKNOWN;
    const Series *sv = &m->svc[s];
    double failed = 0;
    for (int k = 0; k < NCAUSES; k++) failed += sv->m[M_F_REJECTED + k][i];
    double answered = sv->m[M_OK][i] + sv->m[M_DEGRADED][i] + failed;
    *fail_ratio = answered > 0 ? failed / answered : 0;
    *up = sv->m[M_UP][i] - sv->m[M_HUNG][i];
    *all = sv->m[M_UP][i] + sv->m[M_STARTING][i] + sv->m[M_WAITING][i];
    if (*fail_ratio >= 0.5 || (*all > 0 && *up <= 0)) return H_DOWN;
    if (*fail_ratio >= 0.01 || *up < *all) return H_DEGRADED;
    return H_OK;
}

static const char *const health_fill[] = { "#e0e0e0", "#c8ecc8", "#fde3a7", "#f5b7b1" };
static const char *const health_stroke[] = { "#999", "#2ca02c", "#e69500", "#d62728" };

/* Where the segment from a's centre to b's centre leaves a's box. */
static void box_exit(double ax, double ay, double bx, double by, double *ox, double *oy)
{
    double dx = bx - ax, dy = by - ay;
    double tx = dx != 0 ? (BOX_W / 2 + 2) / fabs(dx) : INFINITY;
    double ty = dy != 0 ? (BOX_H / 2 + 2) / fabs(dy) : INFINITY;
    double t = tx < ty ? tx : ty;
    if (!isfinite(t) || t > 1) t = 0;
    *ox = ax + dx * t;
    *oy = ay + dy * t;
}

typedef struct Graph {
    Node *n;
    int nn;
    int nlayers;
    double w, h;
} Graph;

/* Layers by call depth (longest call path from a service nobody calls);
 * without a topology, the services metrics.csv names, four to a row. */
static int graph_layout(Graph *g, const Topo *topo, const Metrics *m)
{
    int nn = topo ? topo->nservices : m->nsvc;
    g->n = calloc((size_t)(nn ? nn : 1), sizeof *g->n);
    if (!g->n) return -ENOMEM;
    g->nn = nn;
    for (int i = 0; i < nn; i++) {
        g->n[i].name = topo ? topo->services[i].name : m->svc[i].name;
        g->n[i].series = metrics_find_service(m, g->n[i].name);
        g->n[i].layer = topo ? 0 : i / 4;
    }
    if (topo) {
        /* Relax along call edges; a request-path cycle (which check
         * reports) would loop, so stop after nn rounds. */
        for (int round_ = 0; round_ < nn; round_++) {
            bool changed = false;
            for (int i = 0; i < nn; i++)
                for (int c = 0; c < topo->services[i].ncalls; c++) {
                    int t = topo->services[i].calls[c].target;
                    if (t < 0 || t >= nn || t == i) continue;
                    if (g->n[t].layer < g->n[i].layer + 1 && g->n[i].layer + 1 < nn) {
                        g->n[t].layer = g->n[i].layer + 1;
                        changed = true;
                    }
                }
            if (!changed) break;
        }
    }
    int maxper = 1;
    g->nlayers = 0;
    for (int i = 0; i < nn; i++)
        if (g->n[i].layer + 1 > g->nlayers) g->nlayers = g->n[i].layer + 1;
    for (int l = 0; l < g->nlayers; l++) {
        int k = 0;
        for (int i = 0; i < nn; i++)
            if (g->n[i].layer == l) g->n[i].slot = k++;
        if (k > maxper) maxper = k;
    }
    double gap = 28;
    g->w = maxper * (BOX_W + gap) + gap;
    if (g->w < 420) g->w = 420;
    g->h = 76 + g->nlayers * (BOX_H + 50) - 50 + 24;
    for (int l = 0; l < g->nlayers; l++) {
        int k = 0;
        for (int i = 0; i < nn; i++)
            if (g->n[i].layer == l) k++;
        double row = k * (BOX_W + gap) - gap, x0 = (g->w - row) / 2;
        for (int i = 0; i < nn; i++)
            if (g->n[i].layer == l) {
                g->n[i].cx = x0 + g->n[i].slot * (BOX_W + gap) + BOX_W / 2;
                g->n[i].cy = 76 + l * (BOX_H + 50) + BOX_H / 2;
            }
    }
    return 0;
}

/* A straight arrow between layers; within a layer, an arc over the boxes
 * between, so it does not run through them. */
static void graph_edge(FILE *f, const Node *a, const Node *b, bool dashed, const char *id)
{
    fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s "
            "marker-end=\"url(#%s-%s)\" d=\"", dashed ? "#8a8a8a" : "#444",
            dashed ? " stroke-dasharray=\"6 4\"" : "", id, dashed ? "runs" : "call");
    if (a->layer == b->layer) {
        double top = a->cy - BOX_H / 2 - 2, lift = 8 + fabs(b->cx - a->cx) * 0.04;
        fprintf(f, "M%.1f,%.1fQ%.1f,%.1f %.1f,%.1f", a->cx, top, (a->cx + b->cx) / 2,
                top - lift * 2, b->cx, top);
    } else {
        double x1, y1, x2, y2;
        box_exit(a->cx, a->cy, b->cx, b->cy, &x1, &y1);
        box_exit(b->cx, b->cy, a->cx, a->cy, &x2, &y2);
        if (dashed) {
            /* Shifted sideways, so it stays visible where a call edge runs
             * the other way (the platform calling what it schedules). */
            double dx = x2 - x1, dy = y2 - y1, len = sqrt(dx * dx + dy * dy);
            if (len > 0) {
                x1 += -dy / len * 7, y1 += dx / len * 7;
                x2 += -dy / len * 7, y2 += dx / len * 7;
            }
        }
        fprintf(f, "M%.1f,%.1fL%.1f,%.1f", x1, y1, x2, y2);
    }
    fputs("\"><title>", f);
    html_esc(f, a->name);
    fputs(dashed ? " runs on " : " calls ", f);
    html_esc(f, b->name);
    fputs("</title></path>\n", f);
}

static void graph_svg(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m,
                      const Graph *g, const char *id, const char *what, int at)
{
    char title[160], clock[16] = "--:--:--";
    if (at >= 0 && at < m->nt) clock_at(r, fd_time_from_sec(m->t[at]), true, clock, sizeof clock);
    snprintf(title, sizeof title, "Dependency graph %s (interval ending %s)", what, clock);
    svg_open(f, id, g->w, g->h, title);
    fprintf(f,
            "<defs><marker id=\"%s-call\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
            "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" "
            "fill=\"#444\"/></marker><marker id=\"%s-runs\" viewBox=\"0 0 10 10\" refX=\"10\" "
            "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path "
            "d=\"M0,0L10,5L0,10\" fill=\"none\" stroke=\"#8a8a8a\"/></marker></defs>\n",
            id, id);
    fprintf(f, "<text class=\"ptitle\" x=\"10\" y=\"18\">%s, %s</text>\n", what, clock);
    if (topo) {
        for (int i = 0; i < g->nn; i++) {
            const TopoService *s = &topo->services[i];
            for (int c = 0; c < s->ncalls; c++) {
                int t = s->calls[c].target;
                if (t >= 0 && t < g->nn && t != i) graph_edge(f, &g->n[i], &g->n[t], false, id);
            }
            if (s->runs_on >= 0 && s->runs_on < g->nn && s->runs_on != i)
                graph_edge(f, &g->n[i], &g->n[s->runs_on], true, id);
        }
    }
    for (int i = 0; i < g->nn; i++) {
        const Node *n = &g->n[i];
        double fr, up, all;
        Health h = node_health(m, n->series, at, &fr, &up, &all);
        fprintf(f,
                "<g><rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" rx=\"6\" "
                "fill=\"%s\" stroke=\"%s\" stroke-width=\"2\"/>"
                "<text class=\"node\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                n->cx - BOX_W / 2, n->cy - BOX_H / 2, BOX_W, BOX_H, health_fill[h],
                health_stroke[h], n->cx, n->cy - 4);
        html_esc(f, n->name);
        fputs("</text>", f);
        if (h != H_UNKNOWN)
            fprintf(f,
                    "<text class=\"nodesub\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                    "%.0f/%.0f up &#183; %.1f%% failed</text>",
                    n->cx, n->cy + 13, up, all, fr * 100);
        fputs("<title>", f);
        html_esc(f, n->name);
        fputs(h == H_OK ? ": healthy" : h == H_DEGRADED ? ": degraded"
              : h == H_DOWN ? ": down" : ": no metrics", f);
        fputs("</title></g>\n", f);
    }
    fputs("</svg>\n", f);
}

/* The worst interval: the lowest availability of any entry point; among
 * equals (a long outage at 0%), the lowest summed availability of all
 * entry points, then the most failed requests across services, then the
 * earliest, so the graph shows the outage at its widest. */
static int worst_interval(const Metrics *m)
{
    int best = -1;
    double blo = INFINITY, bsum = INFINITY, bfail = -1;
    for (int i = 0; i < m->nt; i++) {
        double lo = INFINITY, sum = 0, fail = 0;
        for (int e = 0; e < m->nent; e++) {
            double v = m->ent[e].avail[i];
            if (!isfinite(v)) continue;
            if (v < lo) lo = v;
            sum += v;
        }
        if (!isfinite(lo)) continue;
        for (int s = 0; s < m->nsvc; s++)
            for (int k = 0; k < NCAUSES; k++) fail += m->svc[s].m[M_F_REJECTED + k][i];
        if (lo < blo || (lo == blo && (sum < bsum || (sum == bsum && fail > bfail)))) {
            best = i;
            blo = lo;
            bsum = sum;
            bfail = fail;
        }
    }
    return best >= 0 ? best : m->nt - 1;
}

void html_graphs(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m)
{
    Graph g = { 0 };
    if (graph_layout(&g, topo, m) < 0) return;
    int before = 0;
    SimTime ts = q_time(r->t_start);
    if (ts >= 0) {
        for (int i = 0; i < m->nt; i++)
            if (m->t[i] <= fd_time_sec(ts)) before = i;
    } else {
        before = m->nt > 0 ? 0 : -1;
    }
    fputs("<div class=\"graphs\">\n", f);
    graph_svg(f, r, topo, m, &g, "graph-before", "before the incident", before);
    graph_svg(f, r, topo, m, &g, "graph-worst", "at the worst point", worst_interval(m));
    graph_svg(f, r, topo, m, &g, "graph-end", "at the end", m->nt - 1);
    fputs("</div>\n", f);
    free(g.n);
}
