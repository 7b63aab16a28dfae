/*
 * html_internal.h: what the files of report.html share (html.c, the page;
 * html_charts.c, its time charts; html_graph.c, its dependency graphs).
 *
 * Every figure taken from the RunResult goes through the rounding
 * summary.json applies (run_json.h), so the page from a run and the page
 * `firedrill report` rebuilds later from the files are the same bytes.
 */
#ifndef FD_HTML_INTERNAL_H
#define FD_HTML_INTERNAL_H

#include <math.h>
#include <stdio.h>
#include "model/result.h"
#include "model/topo.h"
#include "report/html.h"
#include "report/metrics_read.h"

/* ---- the numbers summary.json keeps (run_json.c's policy) ---- */

static inline SimTime q_time(SimTime t)
{
    if (t < 0) return t;
    return fd_time_from_sec(round(fd_time_sec(t) * 1e3) / 1e3);
}

static inline double q_avail(double x)
{
    if (!isfinite(x)) return x;
    double v = floor(x * 1e6 + 1e-6) / 1e6;
    return v == 0 ? 0 : v;
}

static inline double q_round(double x, double scale)
{
    if (!isfinite(x)) return x;
    double v = round(x * scale) / scale;
    return v == 0 ? 0 : v;
}

static inline void clock_at(const RunResult *r, SimTime t, bool seconds, char *buf, size_t n)
{
    result_clock(r, t, seconds, buf, n);
}

/* A moment of the incident clock, and its colour on the charts. */
typedef struct Moment {
    const char *name;
    SimTime t;
    const char *color;
} Moment;

/* The five time charts (availability, traffic, errors, latency, instances),
 * each under its heading; x (may be NULL) adds its command marks. */
void html_charts(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m,
                 const HtmlExtra *x);

/* The dependency graph before the incident, at its worst and at the end.
 * topo may be NULL: the services metrics.csv names, without edges. */
void html_graphs(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m);

#endif
