/*
 * svg_chart.h: the pieces firedrill's inline SVG charts are drawn from.
 *
 * report.html, its debrief section and the batch page all draw charts the
 * same way: an <svg> with a title, grid lines with tick labels, a frame
 * around the plotting area, series as paths, legends beside it. Each
 * function writes one such piece to f with fixed formats (%.1f for
 * coordinates), so the same figures give the same bytes on every machine.
 * The classes they use (grid, tick, frame, unit, legend) are styled by the
 * page (html_page_open). Labels are escaped unless said otherwise.
 */
#ifndef FD_SVG_CHART_H
#define FD_SVG_CHART_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A plotting area over time: x from 0 to tmax seconds, y from ymin to
 * ymax (powers of ten when logy). */
typedef struct SvgPlot {
    double x, y, w, h;      /* the plotting area */
    double tmax;            /* seconds at the right edge */
    double ymin, ymax;
    bool logy;
} SvgPlot;

/* Opens an inline <svg> chart with an id, role="img" and a <title>. The
 * caller closes it with </svg>. */
void svg_open(FILE *f, const char *id, double w, double h, const char *title);

/* Where time t (seconds) and value v fall in the plot; v is clamped to
 * the plot, and on a logarithmic scale a value <= 0 sits at the bottom. */
double svg_px(const SvgPlot *p, double t);
double svg_py(const SvgPlot *p, double v);

/* A round step (1, 2 or 5 times a power of ten) that cuts range into about
 * `want` parts: the spacing of an axis's ticks. 1 when range <= 0. */
double svg_nice_step(double range, int want);

/* A rounded-up axis top for data whose largest value is hi. */
double svg_nice_max(double hi);

/* A horizontal grid line from x1 to x2 at y, its label (as it is) right
 * aligned left of x1. */
void svg_hgrid(FILE *f, double x1, double x2, double y, const char *label);

/* A vertical grid line at x from y1 to y2, its label (as it is) at ty,
 * anchored "start", "middle" or "end". */
void svg_vgrid(FILE *f, double x, double y1, double y2, double ty, const char *anchor,
               const char *label);

/* The frame around a plotting area. */
void svg_frame(FILE *f, double x, double y, double w, double h);

/* An axis's unit or caption, as it is, at (x, y). */
void svg_unit(FILE *f, double x, double y, const char *text);

/* Vertical grid lines and labels at round local clock times (HH:MM), at
 * most about maxticks of them; local_start is the local clock, in seconds
 * since the epoch, at t = 0. */
void svg_time_axis(FILE *f, const SvgPlot *p, int64_t local_start, int maxticks);

/* How the y axis labels its ticks: a short number (k, M), a percentage
 * of a fraction, or seconds (ms below 1 s). */
typedef enum SvgYFmt { SVG_Y_NUM, SVG_Y_PCT, SVG_Y_SEC } SvgYFmt;

/* Horizontal grid lines with labels (round steps, or every power of ten
 * on a logarithmic scale), the frame, and the unit (may be NULL) above. */
void svg_y_axis(FILE *f, const SvgPlot *p, SvgYFmt fmt, const char *unit);

/* A line through (t[i], v[i]) for i < nt, broken where v is not a number
 * (or not positive on a logarithmic scale); extra is added to the <path>
 * as it is (stroke width, dashes). Nothing when no point is drawn. */
void svg_line(FILE *f, const SvgPlot *p, const double *t, int nt, const double *v,
              const char *color, const char *extra);

/* A filled band between lo[i] and up[i] over t[i], i < nt (nt > 0): its
 * top left to right, then back along its bottom. Writes the <path> up to
 * its closing quote of d; the caller ends it with "/>" or with a <title>
 * and </path>. */
void svg_area(FILE *f, const SvgPlot *p, const double *t, int nt, const double *up,
              const double *lo, const char *color, const char *opacity);

/* A legend entry at (x, y): a short line (dashed or not) or a box of the
 * colour, then the label. */
void svg_legend_line(FILE *f, double x, double y, const char *color, const char *label,
                     bool dashed);
void svg_legend_box(FILE *f, double x, double y, const char *color, const char *label);

#endif
