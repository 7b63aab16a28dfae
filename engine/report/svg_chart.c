/*
 * svg_chart.c: axes, grid, frames, series and legends of inline SVG charts
 * (see svg_chart.h).
 *
 * Every coordinate goes out with %.1f and every tick label through a fixed
 * format, so a chart is the same bytes for the same figures. Nothing here
 * knows what is plotted: the page decides the scale, the colours and the
 * order things are drawn in (later on top).
 */
#include "report/svg_chart.h"

#include <math.h>
#include "report/html.h"

void svg_open(FILE *f, const char *id, double w, double h, const char *title)
{
    fprintf(f,
            "<svg id=\"%s\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
            "preserveAspectRatio=\"xMidYMid meet\" aria-labelledby=\"%s-title\">"
            "<title id=\"%s-title\">",
            id, w, h, id, id);
    html_esc(f, title);
    fputs("</title>\n", f);
}

double svg_px(const SvgPlot *p, double t) { return p->x + p->w * t / p->tmax; }

double svg_py(const SvgPlot *p, double v)
{
    double f;
    if (p->logy) {
        double lv = log10(v > 0 ? v : pow(10, p->ymin));
        f = (lv - p->ymin) / (p->ymax - p->ymin);
    } else {
        f = (v - p->ymin) / (p->ymax - p->ymin);
    }
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    return p->y + p->h * (1 - f);
}

double svg_nice_step(double range, int want)
{
    if (!(range > 0)) return 1;
    double raw = range / want, mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

double svg_nice_max(double hi)
{
    if (!(hi > 0)) return 1;
    double s = svg_nice_step(hi, 4);
    return ceil(hi * 1.05 / s) * s;
}

void svg_hgrid(FILE *f, double x1, double x2, double y, const char *label)
{
    fprintf(f,
            "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            x1, y, x2, y, x1 - 6, y + 4, label);
}

void svg_vgrid(FILE *f, double x, double y1, double y2, double ty, const char *anchor,
               const char *label)
{
    fprintf(f,
            "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
            x, y1, x, y2, x, ty, anchor, label);
}

void svg_frame(FILE *f, double x, double y, double w, double h)
{
    fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            x, y, w, h);
}

void svg_unit(FILE *f, double x, double y, const char *text)
{
    fprintf(f, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", x, y, text);
}

void svg_time_axis(FILE *f, const SvgPlot *p, int64_t local_start, int maxticks)
{
    static const int steps[] = { 1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440 };
    int step = 1440 * 60;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (p->tmax / (steps[i] * 60.0) <= maxticks) {
            step = steps[i] * 60;
            break;
        }
    }
    int64_t base = local_start;
    int64_t first = base % step == 0 ? base : base + (step - ((base % step) + step) % step);
    for (int64_t l = first; (double)(l - base) <= p->tmax; l += step) {
        double x = svg_px(p, (double)(l - base));
        int64_t day = ((l % 86400) + 86400) % 86400;
        char lab[16];
        snprintf(lab, sizeof lab, "%02d:%02d", (int)(day / 3600), (int)(day / 60 % 60));
        svg_vgrid(f, x, p->y, p->y + p->h, p->y + p->h + 14, "middle", lab);
    }
}

/* A short number for axes and labels: 3 significant digits, k/M. */
static void fmt_num(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (a >= 1e6) snprintf(buf, n, "%.3gM", v / 1e6);
    else if (a >= 1e3) snprintf(buf, n, "%.3gk", v / 1e3);
    else snprintf(buf, n, "%.3g", v);
}

static void y_label(double v, SvgYFmt fmt, char *buf, size_t n)
{
    if (fmt == SVG_Y_PCT) snprintf(buf, n, "%.3g%%", v * 100);
    else if (fmt == SVG_Y_SEC) {
        if (v >= 1) snprintf(buf, n, "%.3gs", v);
        else snprintf(buf, n, "%.3gms", v * 1e3);
    } else fmt_num(v, buf, n);
}

void svg_y_axis(FILE *f, const SvgPlot *p, SvgYFmt fmt, const char *unit)
{
    char lab[32];
    if (p->logy) {
        for (int e = (int)ceil(p->ymin); e <= (int)floor(p->ymax); e++) {
            double y = svg_py(p, pow(10, e));
            y_label(pow(10, e), fmt, lab, sizeof lab);
            svg_hgrid(f, p->x, p->x + p->w, y, lab);
        }
    } else {
        double s = svg_nice_step(p->ymax - p->ymin, 4);
        for (int i = 0;; i++) {
            double v = p->ymin + s * i;
            if (v > p->ymax + s * 1e-9) break;
            double y = svg_py(p, v);
            y_label(v, fmt, lab, sizeof lab);
            svg_hgrid(f, p->x, p->x + p->w, y, lab);
        }
    }
    svg_frame(f, p->x, p->y, p->w, p->h);
    if (unit) svg_unit(f, p->x, p->y - 6, unit);
}

void svg_line(FILE *f, const SvgPlot *p, const double *t, int nt, const double *v,
              const char *color, const char *extra)
{
    bool pen = false, any = false;
    for (int i = 0; i < nt; i++) {
        if (!isfinite(v[i]) || (p->logy && !(v[i] > 0))) {
            pen = false;
            continue;
        }
        if (!any) fprintf(f, "<path fill=\"none\" stroke=\"%s\" %s d=\"", color, extra);
        any = true;
        fprintf(f, "%s%.1f,%.1f", pen ? "L" : "M", svg_px(p, t[i]), svg_py(p, v[i]));
        pen = true;
    }
    if (any) fputs("\"/>\n", f);
}

void svg_area(FILE *f, const SvgPlot *p, const double *t, int nt, const double *up,
              const double *lo, const char *color, const char *opacity)
{
    fprintf(f, "<path fill=\"%s\" fill-opacity=\"%s\" stroke=\"none\" d=\"", color, opacity);
    for (int i = 0; i < nt; i++)
        fprintf(f, "%s%.1f,%.1f", i ? "L" : "M", svg_px(p, t[i]), svg_py(p, up[i]));
    for (int i = nt - 1; i >= 0; i--)
        fprintf(f, "L%.1f,%.1f", svg_px(p, t[i]), svg_py(p, lo[i]));
    fputs("Z\"", f);
}

void svg_legend_line(FILE *f, double x, double y, const char *color, const char *label,
                     bool dashed)
{
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"3\"%s/><text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
            x, y, x + 18, y, color, dashed ? " stroke-dasharray=\"5 3\"" : "", x + 24, y + 4);
    html_esc(f, label);
    fputs("</text>\n", f);
}

void svg_legend_box(FILE *f, double x, double y, const char *color, const char *label)
{
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>"
            "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
            x, y - 5, color, x + 20, y + 4);
    html_esc(f, label);
    fputs("</text>\n", f);
}
