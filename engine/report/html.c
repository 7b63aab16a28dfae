/*
 * html.c: report.html (see html.h), one self-contained page per run.
 *
 * The page holds everything inline: CSS in a <style>, charts as inline
 * <svg> drawn here, no script and no fetch, so it opens from a CI artifact
 * store, a mail attachment or a laptop on a plane.
 *
 * Two inputs, read differently:
 *   - the RunResult gives the header, the incident clock, the entry
 *     figures, the expectations and the timeline. `firedrill report`
 *     rebuilds it from summary.json and events.jsonl, which round what they
 *     hold (run_json.h), so every figure from it goes through the same
 *     rounding here (q_time, q_avail, ...) before it is printed: the page
 *     from a run and the page rebuilt later are the same bytes.
 *   - metrics.csv is streamed once, row by row, and folded into one value
 *     per (service, metric, interval), summed over regions (p99 takes the
 *     worst region). Memory is services x metrics x intervals doubles,
 *     never the rows themselves.
 *
 * Determinism: every number goes out through printf with a fixed format,
 * and nothing depends on the host's locale, time zone or clock.
 */
#include "base/utf8.h"
#include "report/html.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"

/* ---- the numbers summary.json keeps (run_json.c's policy) ---- */

static SimTime q_time(SimTime t)
{
    if (t < 0) return t;
    return fd_time_from_sec(round(fd_time_sec(t) * 1e3) / 1e3);
}

static double q_avail(double x)
{
    if (!isfinite(x)) return x;
    double v = floor(x * 1e6 + 1e-6) / 1e6;
    return v == 0 ? 0 : v;
}

static double q_round(double x, double scale)
{
    if (!isfinite(x)) return x;
    double v = round(x * scale) / scale;
    return v == 0 ? 0 : v;
}

/* ---- metrics.csv, folded per series ---- */

enum {
    M_OFFERED, M_OK, M_DEGRADED, M_F_REJECTED, M_F_TIMEOUT, M_F_DEPENDENCY, M_F_BAD_CONFIG,
    M_F_NO_INSTANCE, M_F_ERROR, M_P99, M_CAPACITY, M_UP, M_STARTING, M_WAITING, M_HUNG,
    M_NMETRICS
};
#define NCAUSES 6

static const char *const metric_names[M_NMETRICS] = {
    "offered", "ok", "degraded", "failed_rejected", "failed_timeout", "failed_dependency",
    "failed_bad_config", "failed_no_instance", "failed_error", "latency_p99", "capacity",
    "instances_up", "instances_starting", "instances_waiting", "instances_hung",
};

static const char *const cause_labels[NCAUSES] = {
    "rejected", "timeout", "dependency", "bad config", "no instance", "error",
};
static const char *const cause_colors[NCAUSES] = {
    "#e6a23c", "#d9534f", "#8e6bbf", "#c0392b", "#5b7083", "#f08080",
};

typedef struct Series {
    char *name;
    double *m[M_NMETRICS];   /* per interval; p99 is the worst region */
    bool seen;               /* named in metrics.csv */
} Series;

typedef struct EntrySeries {
    char *name;
    double *avail;           /* per interval, NaN where missing */
} EntrySeries;

typedef struct Metrics {
    double *t;               /* interval ends, seconds since the start */
    int nt, cap;
    Series *svc;
    int nsvc;
    EntrySeries *ent;
    int nent;
} Metrics;

static void metrics_free(Metrics *m)
{
    for (int i = 0; i < m->nsvc; i++) {
        free(m->svc[i].name);
        for (int k = 0; k < M_NMETRICS; k++) free(m->svc[i].m[k]);
    }
    for (int i = 0; i < m->nent; i++) {
        free(m->ent[i].name);
        free(m->ent[i].avail);
    }
    free(m->svc);
    free(m->ent);
    free(m->t);
}

static int grow_array(double **v, int oldcap, int cap, double fill)
{
    double *n = realloc(*v, sizeof *n * (size_t)cap);
    if (!n) return -ENOMEM;
    for (int i = oldcap; i < cap; i++) n[i] = fill;
    *v = n;
    return 0;
}

static int alloc_series(Series *s, int cap)
{
    for (int k = 0; k < M_NMETRICS; k++)
        if (grow_array(&s->m[k], 0, cap, 0) < 0) return -ENOMEM;
    return 0;
}

/* Makes room for one more interval in every series. */
static int add_time(Metrics *m, double t)
{
    if (m->nt == m->cap) {
        int cap = m->cap ? m->cap * 2 : 256;
        if (grow_array(&m->t, m->cap, cap, 0) < 0) return -ENOMEM;
        for (int i = 0; i < m->nsvc; i++)
            for (int k = 0; k < M_NMETRICS; k++)
                if (grow_array(&m->svc[i].m[k], m->cap, cap, 0) < 0) return -ENOMEM;
        for (int i = 0; i < m->nent; i++)
            if (grow_array(&m->ent[i].avail, m->cap, cap, NAN) < 0) return -ENOMEM;
        m->cap = cap;
    }
    m->t[m->nt++] = t;
    return 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int find_service(const Metrics *m, const char *name)
{
    for (int i = 0; i < m->nsvc; i++)
        if (strcmp(m->svc[i].name, name) == 0) return i;
    return -1;
}

/* The service's series, made if new; -1 when memory runs out. */
static int service_series(Metrics *m, const char *name)
{
    int i = find_service(m, name);
    if (i >= 0) return i;
    Series *v = realloc(m->svc, sizeof *v * (size_t)(m->nsvc + 1));
    if (!v) return -1;
    m->svc = v;
    Series *s = &v[m->nsvc];
    memset(s, 0, sizeof *s);
    s->name = dup_str(name);
    if (!s->name || alloc_series(s, m->cap > 0 ? m->cap : 1) < 0) {
        free(s->name);
        for (int k = 0; k < M_NMETRICS; k++) free(s->m[k]);
        return -1;
    }
    return m->nsvc++;
}

static int entry_series(Metrics *m, const char *name)
{
    for (int i = 0; i < m->nent; i++)
        if (strcmp(m->ent[i].name, name) == 0) return i;
    EntrySeries *v = realloc(m->ent, sizeof *v * (size_t)(m->nent + 1));
    if (!v) return -1;
    m->ent = v;
    EntrySeries *e = &v[m->nent];
    e->name = dup_str(name);
    e->avail = NULL;
    if (!e->name || grow_array(&e->avail, 0, m->cap > 0 ? m->cap : 1, NAN) < 0) {
        free(e->name);
        free(e->avail);
        return -1;
    }
    return m->nent++;
}

/* Splits one CSV line in place into at most n fields (RFC 4180 quoting).
 * Returns the number of fields. */
static int csv_split(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;
    while (k < n) {
        if (*p == '"') {
            char *o = ++p;
            f[k++] = o;
            for (;;) {
                if (!*p) break;
                if (*p == '"' && p[1] == '"') {
                    *o++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
            *o = 0;
            if (*p == ',') p++;
            else break;
        } else {
            f[k++] = p;
            char *c = strchr(p, ',');
            if (!c) break;
            *c = 0;
            p = c + 1;
        }
    }
    return k;
}

static int metric_index(const char *name)
{
    for (int k = 0; k < M_NMETRICS; k++)
        if (strcmp(metric_names[k], name) == 0) return k;
    return -1;
}

/* Reads metrics.csv; 0, -errno, or -EINVAL for a file that is not one. */
static int metrics_read(Metrics *m, const char *path)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "r");
    if (!f) return errno ? -errno : -EIO;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int rc = 0;
    bool header = true;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (header) {
            header = false;
            if (strncmp(line, "t,service,region,metric,value", 29) != 0) {
                rc = -EINVAL;
                break;
            }
            continue;
        }
        if (len == 0) continue;
        char *fld[5];
        if (csv_split(line, fld, 5) != 5) continue;
        char *end;
        double t = strtod(fld[0], &end);
        double v = strtod(fld[4], &end);
        if (!isfinite(t) || !isfinite(v)) continue;
        int ti = m->nt - 1;
        while (ti >= 0 && m->t[ti] != t) ti--;
        if (ti < 0) {
            if ((rc = add_time(m, t)) < 0) break;
            ti = m->nt - 1;
        }
        if (strncmp(fld[1], "entry:", 6) == 0) {
            if (strcmp(fld[3], "availability") != 0) continue;
            int e = entry_series(m, fld[1] + 6);
            if (e < 0) { rc = -ENOMEM; break; }
            m->ent[e].avail[ti] = v;
            continue;
        }
        int k = metric_index(fld[3]);
        int s = service_series(m, fld[1]);
        if (s < 0) { rc = -ENOMEM; break; }
        m->svc[s].seen = true;
        if (k < 0) continue;
        double *cell = &m->svc[s].m[k][ti];
        if (k == M_P99) *cell = v > *cell ? v : *cell;
        else *cell += v;
    }
    if (rc == 0 && ferror(f)) rc = -EIO;
    free(line);
    fclose(f);
    if (rc < 0) metrics_free(m);
    return rc;
}

/* The length of each interval ending at t[i], in seconds. */
static double interval_len(const Metrics *m, int i)
{
    double d = i > 0 ? m->t[i] - m->t[i - 1] : m->t[0];
    if (d <= 0 && m->nt > 1) d = m->t[1] - m->t[0];
    return d > 0 ? d : 1;
}

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

static void clock_at(const RunResult *r, SimTime t, bool seconds, char *buf, size_t n)
{
    result_clock(r, t, seconds, buf, n);
}

static void fmt_duration(double s, char *buf, size_t n)
{
    long long v = llround(s);
    if (v >= 3600) snprintf(buf, n, "%lldh %02lldm %02llds", v / 3600, v / 60 % 60, v % 60);
    else if (v >= 60) snprintf(buf, n, "%lldm %02llds", v / 60, v % 60);
    else snprintf(buf, n, "%llds", v);
}

/* A short number for axes and labels: 3 significant digits, k/M. */
static void fmt_num(double v, char *buf, size_t n)
{
    double a = fabs(v);
    if (a >= 1e6) snprintf(buf, n, "%.3gM", v / 1e6);
    else if (a >= 1e3) snprintf(buf, n, "%.3gk", v / 1e3);
    else snprintf(buf, n, "%.3g", v);
}

static void fmt_pct(double v, char *buf, size_t n)
{
    if (!isfinite(v)) snprintf(buf, n, "n/a");
    else snprintf(buf, n, "%.4f%%", floor(v * 1e6 + 1e-6) / 1e4);
}

/* ---- charts ---- */

#define CW 1100.0       /* chart width in SVG units */

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define NPALETTE 10

typedef struct Plot {
    double x, y, w, h;      /* the plotting area */
    double tmax;            /* seconds at the right edge */
    double ymin, ymax;
    bool logy;
} Plot;

static double px(const Plot *p, double t) { return p->x + p->w * t / p->tmax; }

static double py(const Plot *p, double v)
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

double html_nice_step(double range, int want)
{
    if (!(range > 0)) return 1;
    double raw = range / want, mag = pow(10, floor(log10(raw)));
    double r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

/* A rounded-up axis top for data whose largest value is hi. */
static double nice_max(double hi)
{
    if (!(hi > 0)) return 1;
    double s = html_nice_step(hi, 4);
    return ceil(hi * 1.05 / s) * s;
}

/* Vertical grid lines and labels at round local clock times. */
static void time_axis(FILE *f, const Plot *p, const RunResult *r, int maxticks)
{
    static const int steps[] = { 1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440 };
    int step = 1440 * 60;
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (p->tmax / (steps[i] * 60.0) <= maxticks) {
            step = steps[i] * 60;
            break;
        }
    }
    int64_t base = r->wall_start + (int64_t)r->tz_minutes * 60;
    int64_t first = base % step == 0 ? base : base + (step - ((base % step) + step) % step);
    for (int64_t l = first; (double)(l - base) <= p->tmax; l += step) {
        double x = px(p, (double)(l - base));
        int64_t day = ((l % 86400) + 86400) % 86400;
        fprintf(f,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%02d:%02d</text>\n",
                x, p->y, x, p->y + p->h, x, p->y + p->h + 14, (int)(day / 3600),
                (int)(day / 60 % 60));
    }
}

typedef enum YFmt { Y_NUM, Y_PCT, Y_SEC } YFmt;

static void y_label(double v, YFmt fmt, char *buf, size_t n)
{
    if (fmt == Y_PCT) snprintf(buf, n, "%.3g%%", v * 100);
    else if (fmt == Y_SEC) {
        if (v >= 1) snprintf(buf, n, "%.3gs", v);
        else snprintf(buf, n, "%.3gms", v * 1e3);
    } else fmt_num(v, buf, n);
}

static void y_axis(FILE *f, const Plot *p, YFmt fmt, const char *unit)
{
    char lab[32];
    if (p->logy) {
        for (int e = (int)ceil(p->ymin); e <= (int)floor(p->ymax); e++) {
            double y = py(p, pow(10, e));
            y_label(pow(10, e), fmt, lab, sizeof lab);
            fprintf(f,
                    "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                    "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    p->x, y, p->x + p->w, y, p->x - 6, y + 4, lab);
        }
    } else {
        double s = html_nice_step(p->ymax - p->ymin, 4);
        for (int i = 0;; i++) {
            double v = p->ymin + s * i;
            if (v > p->ymax + s * 1e-9) break;
            double y = py(p, v);
            y_label(v, fmt, lab, sizeof lab);
            fprintf(f,
                    "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                    "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    p->x, y, p->x + p->w, y, p->x - 6, y + 4, lab);
        }
    }
    fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            p->x, p->y, p->w, p->h);
    if (unit)
        fprintf(f, "<text class=\"unit\" x=\"%.1f\" y=\"%.1f\">%s</text>\n", p->x, p->y - 6,
                unit);
}

/* A polyline through (t[i], v[i]), broken where v is not a number. */
static void line_path(FILE *f, const Plot *p, const Metrics *m, const double *v,
                      const char *color, const char *extra)
{
    bool pen = false, any = false;
    for (int i = 0; i < m->nt; i++) {
        if (!isfinite(v[i]) || (p->logy && !(v[i] > 0))) {
            pen = false;
            continue;
        }
        if (!any) fprintf(f, "<path fill=\"none\" stroke=\"%s\" %s d=\"", color, extra);
        any = true;
        fprintf(f, "%s%.1f,%.1f", pen ? "L" : "M", px(p, m->t[i]), py(p, v[i]));
        pen = true;
    }
    if (any) fputs("\"/>\n", f);
}

typedef struct Moment {
    const char *name;
    SimTime t;
    const char *color;
} Moment;

/* Dashed vertical lines at the incident clock's moments; with a legend
 * position (lx >= 0), their names and times listed there. */
static void moment_markers(FILE *f, const Plot *p, const RunResult *r, double lx, double ly)
{
    const Moment ms[] = {
        { "start", q_time(r->t_start), "#d62728" },
        { "detected", q_time(r->t_detected), "#ff7f0e" },
        { "mitigated", q_time(r->t_mitigated), "#1f77b4" },
        { "recovered", q_time(r->t_recovered), "#2ca02c" },
    };
    for (int i = 0; i < 4; i++) {
        if (ms[i].t < 0) continue;
        double x = px(p, fd_time_sec(ms[i].t));
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
static void command_marks(FILE *f, const Plot *p, const RunResult *r, const HtmlExtra *x)
{
    if (!x) return;
    for (int i = 0; i < x->nmarks; i++) {
        const HtmlMark *k = &x->marks[i];
        if (!(k->t >= 0) || k->t > p->tmax) continue;
        double cx = px(p, k->t);
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

static void legend_item(FILE *f, double x, double y, const char *color, const char *label,
                        bool dashed)
{
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"3\"%s/><text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
            x, y, x + 18, y, color, dashed ? " stroke-dasharray=\"5 3\"" : "", x + 24, y + 4);
    html_esc(f, label);
    fputs("</text>\n", f);
}

static void legend_box(FILE *f, double x, double y, const char *color, const char *label)
{
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"%s\"/>"
            "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
            x, y - 5, color, x + 20, y + 4);
    html_esc(f, label);
    fputs("</text>\n", f);
}

void html_svg_open(FILE *f, const char *id, double w, double h, const char *title)
{
    fprintf(f,
            "<svg id=\"%s\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
            "preserveAspectRatio=\"xMidYMid meet\" aria-labelledby=\"%s-title\">"
            "<title id=\"%s-title\">",
            id, w, h, id, id);
    html_esc(f, title);
    fputs("</title>\n", f);
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
    html_svg_open(f, "chart-availability", CW, h,
             "Availability of user intents per entry point, with the incident clock");
    Plot p = { 70, 24, CW - 70 - 190, h - 24 - 34, chart_tmax(r, m), 0, 1, false };
    y_axis(f, &p, Y_PCT, "availability");
    time_axis(f, &p, r, 12);
    double ly = 30;
    for (int i = 0; i < r->nentries; i++) {
        double slo = q_round(r->entries[i].slo, 1e6);
        if (!(slo > 0 && slo <= 1)) continue;
        fprintf(f,
                "<line class=\"slo\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
                "<title>objective %.4g%%</title></line>\n",
                p.x, py(&p, slo), p.x + p.w, py(&p, slo), slo * 100);
    }
    moment_markers(f, &p, r, p.x + p.w + 14, 30 + 18.0 * (m->nent + 2));
    for (int i = 0; i < m->nent; i++) {
        const char *c = palette[i % NPALETTE];
        line_path(f, &p, m, m->ent[i].avail, c, "stroke-width=\"2\"");
        legend_item(f, p.x + p.w + 14, ly, c, m->ent[i].name, false);
        ly += 18;
    }
    legend_item(f, p.x + p.w + 14, ly, "#888", "objective (SLO)", true);
    command_marks(f, &p, r, x);
    fputs("</svg>\n", f);
}

/* Small multiples: one panel per service, two to a row. */
typedef void (*PanelFn)(FILE *f, const RunResult *r, const Metrics *m, int s, const Plot *p);

static void panels(FILE *f, const RunResult *r, const Metrics *m, const char *id,
                   const char *title, const char *unit, PanelFn fn, double legend_h)
{
    int cols = 2, rows = (m->nsvc + cols - 1) / cols;
    double pw = CW / cols, ph = 170;
    double h = legend_h + rows * ph + 10;
    html_svg_open(f, id, CW, h, title);
    for (int s = 0; s < m->nsvc; s++) {
        double ox = (s % cols) * pw, oy = legend_h + (s / cols) * ph;
        Plot p = { ox + 62, oy + 26, pw - 62 - 18, ph - 26 - 34, chart_tmax(r, m), 0, 1, false };
        fprintf(f, "<text class=\"ptitle\" x=\"%.1f\" y=\"%.1f\">", p.x, oy + 12);
        html_esc(f, m->svc[s].name);
        fprintf(f, "<tspan class=\"unit\" dx=\"8\">%s</tspan></text>\n", unit);
        fn(f, r, m, s, &p);
    }
}

static void traffic_panel(FILE *f, const RunResult *r, const Metrics *m, int s, const Plot *p0)
{
    Plot p = *p0;
    const Series *sv = &m->svc[s];
    double *rate = malloc(sizeof *rate * (size_t)(m->nt ? m->nt : 1));
    if (!rate) return;
    /* Capacity is often tens of times the load: a logarithmic scale shows
     * both, and a surge as a step of its factor. */
    double hi = 0, lo = INFINITY;
    for (int i = 0; i < m->nt; i++) {
        rate[i] = sv->m[M_OFFERED][i] / interval_len(m, i);
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
    y_axis(f, &p, Y_NUM, NULL);
    time_axis(f, &p, r, 6);
    moment_markers(f, &p, r, -1, 0);
    line_path(f, &p, m, sv->m[M_CAPACITY], "#2ca02c",
              "stroke-width=\"2\" stroke-dasharray=\"6 3\"");
    line_path(f, &p, m, rate, "#1f77b4", "stroke-width=\"1.5\"");
    free(rate);
}

static void chart_traffic(FILE *f, const RunResult *r, const Metrics *m)
{
    panels(f, r, m, "chart-traffic",
           "Offered traffic against capacity per service, summed over regions", "req/s, logarithmic", traffic_panel, 28);
    legend_item(f, 70, 12, "#1f77b4", "offered (req/s)", false);
    legend_item(f, 250, 12, "#2ca02c", "capacity (req/s)", true);
    fputs("</svg>\n", f);
}

static void instances_panel(FILE *f, const RunResult *r, const Metrics *m, int s, const Plot *p0)
{
    Plot p = *p0;
    const Series *sv = &m->svc[s];
    double hi = 0;
    for (int i = 0; i < m->nt; i++) {
        double tot = sv->m[M_UP][i] + sv->m[M_STARTING][i] + sv->m[M_WAITING][i];
        if (tot > hi) hi = tot;
    }
    p.ymax = nice_max(hi);
    y_axis(f, &p, Y_NUM, NULL);
    time_axis(f, &p, r, 6);
    static const int ks[] = { M_UP, M_STARTING, M_WAITING };
    static const char *const cs[] = { "#2ca02c", "#f0ad4e", "#d62728" };
    if (m->nt == 0) return;
    /* Stacked areas: each polygon runs along its top, then back along the
     * top of the layers below. */
    for (int k = 0; k < 3; k++) {
        fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.8\" stroke=\"none\" d=\"", cs[k]);
        for (int i = 0; i < m->nt; i++) {
            double top = 0;
            for (int j = 0; j <= k; j++) top += sv->m[ks[j]][i];
            fprintf(f, "%s%.1f,%.1f", i ? "L" : "M", px(&p, m->t[i]), py(&p, top));
        }
        for (int i = m->nt - 1; i >= 0; i--) {
            double bot = 0;
            for (int j = 0; j < k; j++) bot += sv->m[ks[j]][i];
            fprintf(f, "L%.1f,%.1f", px(&p, m->t[i]), py(&p, bot));
        }
        fputs("Z\"/>\n", f);
    }
    moment_markers(f, &p, r, -1, 0);
}

static void chart_instances(FILE *f, const RunResult *r, const Metrics *m)
{
    panels(f, r, m, "chart-instances",
           "Instances by state per service, summed over regions: up, starting, waiting for "
           "their platform",
           "instances", instances_panel, 28);
    legend_box(f, 70, 12, "#2ca02c", "up");
    legend_box(f, 160, 12, "#f0ad4e", "starting");
    legend_box(f, 270, 12, "#d62728", "waiting for the platform");
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
    bool entry_only = false;
    for (int s = 0; s < m->nsvc && topo; s++)
        if (is_entry_service(topo, m->svc[s].name)) entry_only = true;
    html_svg_open(f, "chart-errors", CW, h,
             entry_only ? "Failed requests per second by cause, at the entry services"
                        : "Failed requests per second by cause, all services summed");
    Plot p = { 70, 24, CW - 70 - 190, h - 24 - 34, chart_tmax(r, m), 0, 1, false };
    size_t n = (size_t)(m->nt ? m->nt : 1);
    double *cum = calloc(n * (NCAUSES + 1), sizeof *cum);
    if (!cum) {
        fputs("</svg>\n", f);
        return;
    }
    /* cum[k * n + i]: the stack's height under cause k at interval i. */
    double hi = 0;
    for (int i = 0; i < m->nt; i++) {
        double dt = interval_len(m, i), acc = 0;
        for (int k = 0; k < NCAUSES; k++) {
            cum[(size_t)k * n + (size_t)i] = acc;
            for (int s = 0; s < m->nsvc; s++)
                if (!entry_only || is_entry_service(topo, m->svc[s].name))
                    acc += m->svc[s].m[M_F_REJECTED + k][i] / dt;
        }
        cum[(size_t)NCAUSES * n + (size_t)i] = acc;
        if (acc > hi) hi = acc;
    }
    p.ymax = nice_max(hi);
    y_axis(f, &p, Y_NUM, "failed req/s");
    time_axis(f, &p, r, 12);
    for (int k = 0; k < NCAUSES && m->nt > 0; k++) {
        const double *lo = cum + (size_t)k * n, *up = cum + (size_t)(k + 1) * n;
        bool any = false;
        for (int i = 0; i < m->nt; i++)
            if (up[i] > lo[i]) any = true;
        if (!any) continue;
        fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.85\" stroke=\"none\" d=\"",
                cause_colors[k]);
        for (int i = 0; i < m->nt; i++)
            fprintf(f, "%s%.1f,%.1f", i ? "L" : "M", px(&p, m->t[i]), py(&p, up[i]));
        for (int i = m->nt - 1; i >= 0; i--)
            fprintf(f, "L%.1f,%.1f", px(&p, m->t[i]), py(&p, lo[i]));
        fprintf(f, "Z\"><title>%s</title></path>\n", cause_labels[k]);
    }
    free(cum);
    for (int k = 0; k < NCAUSES; k++)
        legend_box(f, p.x + p.w + 14, 30 + 18.0 * k, cause_colors[k], cause_labels[k]);
    moment_markers(f, &p, r, p.x + p.w + 14, 30 + 18.0 * (NCAUSES + 1));
    command_marks(f, &p, r, x);
    fputs("</svg>\n", f);
}

static void chart_latency(FILE *f, const RunResult *r, const Metrics *m, const HtmlExtra *x)
{
    double h = 320;
    html_svg_open(f, "chart-latency", CW, h,
             "p99 latency per service (worst region), logarithmic scale");
    double lo = INFINITY, hi = 0;
    for (int s = 0; s < m->nsvc; s++)
        for (int i = 0; i < m->nt; i++) {
            double v = m->svc[s].m[M_P99][i];
            if (v > 0 && v < lo) lo = v;
            if (v > hi) hi = v;
        }
    if (!(hi > 0)) lo = 1e-3, hi = 1;
    Plot p = { 70, 24, CW - 70 - 190, h - 24 - 34, chart_tmax(r, m), floor(log10(lo)),
               ceil(log10(hi)), true };
    if (p.ymax <= p.ymin) p.ymax = p.ymin + 1;
    y_axis(f, &p, Y_SEC, "p99 latency");
    time_axis(f, &p, r, 12);
    for (int s = 0; s < m->nsvc; s++) {
        const char *c = palette[s % NPALETTE];
        line_path(f, &p, m, m->svc[s].m[M_P99], c, "stroke-width=\"1.5\"");
        legend_item(f, p.x + p.w + 14, 30 + 18.0 * s, c, m->svc[s].name, false);
    }
    moment_markers(f, &p, r, p.x + p.w + 14, 30 + 18.0 * (m->nsvc + 1));
    command_marks(f, &p, r, x);
    fputs("</svg>\n", f);
}

/* ---- the dependency graph ---- */

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
        g->n[i].series = find_service(m, g->n[i].name);
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
    html_svg_open(f, id, g->w, g->h, title);
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

static void graphs(FILE *f, const RunResult *r, const Topo *topo, const Metrics *m)
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
    fputs("<h2 id=\"graph\">The dependency graph</h2>\n<p class=\"muted\">", f);
    fputs(topo ? "Boxes are services in layers by call depth; solid arrows are calls, dashed "
                 "arrows point to the platform a service runs on. "
               : "Without the topology, the services metrics.csv names, without edges. ",
          f);
    fputs("Green: under 1% of requests failed and every instance up; amber: some failures "
          "or instances down; red: half or more failed, or none up.</p>\n",
          f);
    graphs(f, r, topo, m);
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
    if (topo) {
        Metrics ordered = m;
        Series *v = calloc((size_t)(m.nsvc + topo->nservices + 1), sizeof *v);
        if (!v) {
            metrics_free(&m);
            return -ENOMEM;
        }
        int n = 0;
        for (int i = 0; i < topo->nservices; i++) {
            int s = find_service(&m, topo->services[i].name);
            if (s >= 0) v[n++] = m.svc[s];
        }
        for (int s = 0; s < m.nsvc; s++)
            if (topo_find_service(topo, m.svc[s].name) < 0) v[n++] = m.svc[s];
        free(m.svc);
        ordered.svc = v;
        ordered.nsvc = n;
        m = ordered;
    }
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
