/*
 * html.h: report.html, one self-contained file a team reads after a drill.
 *
 * Built from a run's RunResult and its metrics.csv, so `firedrill report
 * DIR` can rebuild it later from the files a run left.
 */
#ifndef FD_HTML_H
#define FD_HTML_H

#include <stdio.h>
#include "model/topo.h"
#include "report/result.h"

/* Writes path atomically from the result and the metrics.csv at
 * metrics_path. topo may be NULL (the dependency graph is then drawn from
 * what metrics.csv names). Returns 0, or -errno. */
int run_write_html(const RunResult *r, const Topo *topo, const char *metrics_path,
                   const char *path);

/* Writes s escaped for HTML text and attribute values (invalid UTF-8
 * becomes U+FFFD, control characters '?'). */
void html_esc(FILE *f, const char *s);

/* A round step (1, 2 or 5 times a power of ten) that cuts range into about
 * `want` parts: the spacing of an axis's ticks. 1 when range <= 0. */
double html_nice_step(double range, int want);

/* Opens an inline <svg> chart with an id, role="img" and a <title>. */
void html_svg_open(FILE *f, const char *id, double w, double h, const char *title);

#endif
