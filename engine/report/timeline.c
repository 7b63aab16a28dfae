/*
 * timeline.c: the printed report of a run (see timeline.h).
 *
 * The timeline imitates the numbered incident review that cloud providers
 * publish ("1. At 15:23, the fault was detected..."): wall-clock minutes in
 * the scenario's time zone, one line per event, so that a drill reads like
 * the post-mortem it reproduces and the two can be compared line by line.
 * A run that crosses midnight gets a date line where the day changes, and
 * other times after the first day carry "+Nd", so that 00:10 is never read
 * as before 23:50.
 *
 * Figures are formatted for reading, not for machines (run_json.c is for
 * those): availabilities are floored to 0.001%, so 99.9996% never shows as
 * 100.000% and overstates what the users got.
 */
#include "report/timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report/run_json.h"

typedef struct Out {
    FILE *f;
    bool color;
} Out;

#define SGR_RESET "0"
#define SGR_BOLD  "1"
#define SGR_DIM   "2"
#define SGR_RED   "31"
#define SGR_GREEN "32"

static void sgr(const Out *o, const char *code)
{
    if (o->color) fprintf(o->f, "\033[%sm", code);
}

/* Prints scenario-supplied text with control characters (C0, DEL, and C1
 * as UTF-8) replaced by '?'. Returns the number of characters printed
 * (UTF-8 sequences count once), for padding. */
static int put_text(const Out *o, const char *s)
{
    if (!s) return 0;
    int width = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputc('?', o->f);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            fputc('?', o->f);
        } else {
            fputc(*p, o->f);
            if ((*p & 0xc0) == 0x80) continue;   /* a continuation byte */
        }
        width++;
    }
    return width;
}

static int text_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; s && *p; p++)
        if ((*p & 0xc0) != 0x80) w++;
    return w;
}

static void pad(const Out *o, int n)
{
    for (; n > 0; n--) fputc(' ', o->f);
}

static void header(const Out *o, const char *title)
{
    fputc('\n', o->f);
    sgr(o, SGR_BOLD);
    fputs(title, o->f);
    sgr(o, SGR_RESET);
    fputc('\n', o->f);
}

static void put_clock(const Out *o, const RunResult *r, SimTime t)
{
    char buf[32];
    result_clock_day(r, t, buf, sizeof buf);
    sgr(o, SGR_DIM);
    fputs(buf, o->f);
    sgr(o, SGR_RESET);
}

/* Minutes to a tenth, without a trailing ".0": "87", "86.5". */
static void minutes_str(SimTime d, bool sign, char *buf, size_t size)
{
    double m = round(fd_time_sec(d) / 6.0) / 10.0;
    if (m == 0) m = 0;   /* no "-0" */
    if (m == floor(m)) snprintf(buf, size, sign ? "%+.0f min" : "%.0f min", m);
    else snprintf(buf, size, sign ? "%+.1f min" : "%.1f min", m);
}

/* "3h", "1h 30m", "45m 10s", "0s"; whole seconds. */
static void duration_str(SimTime d, char *buf, size_t size)
{
    int64_t s = d / FD_SEC;
    int64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
    size_t n = 0;
    buf[0] = '\0';
    if (h && n < size) n += (size_t)snprintf(buf + n, size - n, "%lldh", (long long)h);
    if (m && n < size) n += (size_t)snprintf(buf + n, size - n, "%s%lldm", n ? " " : "", (long long)m);
    if (sec && n < size) n += (size_t)snprintf(buf + n, size - n, "%s%llds", n ? " " : "", (long long)sec);
    if (n == 0) snprintf(buf, size, d > 0 ? "<1s" : "0s");
}

/* A percentage floored to 0.001 (see the top of the file); "n/a" for NaN.
 * The 1e-6 absorbs representation error, so 0.99 does not floor to
 * 98.999%. */
static void avail_str(double x, char *buf, size_t size)
{
    if (!isfinite(x)) snprintf(buf, size, "n/a");
    else snprintf(buf, size, "%.3f%%", floor(x * 1e5 + 1e-6) / 1e3);
}

static void share_str(double x, char *buf, size_t size)
{
    if (!isfinite(x)) snprintf(buf, size, "n/a");
    else snprintf(buf, size, "%.3f%%", x * 100);
}

static void rate_str(double x, char *buf, size_t size)
{
    if (!isfinite(x)) snprintf(buf, size, "n/a");
    else snprintf(buf, size, "%.4g/s", x);
}

/* The worst error measured at each sampling factor over the bundled
 * replays, an M/M/c pool and a retry storm (bench/sampling.py; the table
 * in docs/architecture.md). A factor between two rows takes the larger. */
static const char *sampling_error_text(double f)
{
    if (f <= 2) return "incident clock within 0.2 min, availability within 0.1 points";
    if (f <= 4) return "incident clock up to 15 min, availability up to 7 points";
    if (f <= 16) return "availability up to 65 points; incidents may not end as at sampling 1";
    return "not measured beyond 16 (availability was off by up to 65 points at 16)";
}

static void print_header(const Out *o, const RunResult *r)
{
    char buf[64];
    sgr(o, SGR_BOLD);
    if (r->scenario) put_text(o, r->scenario);
    else fputs("(unnamed scenario)", o->f);
    sgr(o, SGR_RESET);
    fprintf(o->f, "  seed %llu\n", (unsigned long long)r->seed);
    if (r->path) {
        fputs("  file      ", o->f);
        put_text(o, r->path);
        fputc('\n', o->f);
    }
    result_datetime(r, 0, false, buf, sizeof buf);
    fprintf(o->f, "  start     %s\n", buf);
    duration_str(r->duration, buf, sizeof buf);
    fprintf(o->f, "  duration  %s\n", buf);
    if (r->sampling > 1) {
        fprintf(o->f, "  sampling  each simulated request stands for %g\n", r->sampling);
        fprintf(o->f, "            expected error against sampling 1: %s\n",
                sampling_error_text(r->sampling));
    }
    if (r->nparams > 0) {
        fputs("  params   ", o->f);
        for (int i = 0; i < r->nparams; i++) {
            fputc(' ', o->f);
            put_text(o, r->params[i]);
        }
        fputc('\n', o->f);
    }
}

static int digits(int n)
{
    int d = 1;
    while (n >= 10) n /= 10, d++;
    return d;
}

static void print_events(const Out *o, const RunResult *r)
{
    header(o, "Timeline");
    if (r->nevents == 0) {
        fputs("  no events\n", o->f);
        return;
    }
    int *order = result_event_order(r);
    int width = digits(r->nevents);
    int64_t day = result_local_day(r, 0);
    for (int i = 0; i < r->nevents; i++) {
        /* Without memory for the order, stored order is the best there is. */
        const RunEvent *e = &r->events[order ? order[i] : i];
        int64_t eday = result_local_day(r, e->t);
        if (eday != day) {
            char date[48];
            result_datetime(r, e->t, false, date, sizeof date);
            date[10] = '\0';   /* "YYYY-MM-DD" */
            pad(o, 2 + width + 2);
            sgr(o, SGR_DIM);
            fprintf(o->f, "%s", date);
            sgr(o, SGR_RESET);
            fputc('\n', o->f);
            day = eday;
        }
        char hm[8];
        result_clock(r, e->t, false, hm, sizeof hm);
        fprintf(o->f, "  %*d. ", width, i + 1);
        sgr(o, SGR_DIM);
        fputs(hm, o->f);
        sgr(o, SGR_RESET);
        fputs("  ", o->f);
        put_text(o, e->text);
        fputc('\n', o->f);
    }
    free(order);
}

static void print_moment(const Out *o, const RunResult *r, const char *name, SimTime t,
                         const char *how)
{
    fprintf(o->f, "  %-10s ", name);
    if (t < 0) {
        fputs("not reached\n", o->f);
        return;
    }
    put_clock(o, r, t);
    if (t != r->t_start && r->t_start >= 0) {
        char m[32];
        minutes_str(t - r->t_start, true, m, sizeof m);
        fprintf(o->f, "  %s", m);
    }
    if (how) fprintf(o->f, "  (%s)", how);
    fputc('\n', o->f);
}

static void print_incident(const Out *o, const RunResult *r)
{
    header(o, "Incident clock");
    print_moment(o, r, "start", r->t_start, NULL);
    print_moment(o, r, "detected", r->t_detected, r->detected_by);
    print_moment(o, r, "mitigated", r->t_mitigated, NULL);
    print_moment(o, r, "recovered", r->t_recovered, NULL);
    fprintf(o->f, "  %-10s ", "duration");
    if (r->t_start >= 0 && r->t_recovered >= 0) {
        char m[32];
        minutes_str(r->t_recovered - r->t_start, false, m, sizeof m);
        fprintf(o->f, "%s\n", m);
    } else {
        fputs("not reached\n", o->f);
    }
}

static void print_entries(const Out *o, const RunResult *r)
{
    header(o, "Entry points");
    if (r->nentries == 0) fputs("  none\n", o->f);
    for (int i = 0; i < r->nentries; i++) {
        const EntryResult *e = &r->entries[i];
        char a[32], b[32], c[80];   /* c: " (12.3x baseline, at 16:28)" */
        fputs("  ", o->f);
        put_text(o, e->name);
        fputc('\n', o->f);
        avail_str(e->availability, a, sizeof a);
        avail_str(e->attempt_availability, b, sizeof b);
        fprintf(o->f, "    availability  %s of intents, %s of attempts (SLO %.6g%%)\n", a, b,
                e->slo * 100);
        /* The terms, explained once: under the first entry point. */
        if (i == 0)
            fputs("                  (an intent is what a user wants done; its attempts are the "
                  "requests sent for it, retries included)\n", o->f);
        if (r->t_start >= 0 && isfinite(e->incident_availability)) {
            avail_str(e->incident_availability, a, sizeof a);
            fprintf(o->f, "    incident      %s of intents from the incident's start to %s\n", a,
                    r->t_recovered >= 0 ? "its recovery" : "the end of the run (it never recovered)");
        }
        share_str(e->degraded, a, sizeof a);
        fprintf(o->f, "    degraded      %s of answered intents%s\n", a,
                i == 0 ? " (answered by a fallback: worse, but not failed)" : "");
        rate_str(e->baseline_rate, a, sizeof a);
        rate_str(e->peak_rate, b, sizeof b);
        /* No ratio without baseline traffic (a source that starts mid-run). */
        c[0] = '\0';
        if (isfinite(e->peak_to_baseline) && e->baseline_rate > 0) {
            char at[16] = "";
            if (e->peak_at >= 0) {
                result_clock(r, e->peak_at, false, at, sizeof at);
                snprintf(c, sizeof c, " (%.1fx baseline, at %s)", e->peak_to_baseline, at);
            } else {
                snprintf(c, sizeof c, " (%.1fx baseline)", e->peak_to_baseline);
            }
        }
        /* The traffic users sent (no automatic retries), explained once;
         * retries only where they changed the picture. */
        char peak[128] = "no incident to measure a peak from";   /* peaks count from its start */
        if (r->t_start >= 0) snprintf(peak, sizeof peak, "peak %s%s", b, c);
        fprintf(o->f, "    traffic       baseline %s, %s%s\n", a, peak,
                i == 0 ? " (users' attempts: automatic retries left out)" : "");
        if (e->peak_attempts_to_baseline > 0 &&
            fabs(e->peak_attempts_to_baseline - e->peak_to_baseline) > 0.05)
            fprintf(o->f, "    retries       peak %.1fx baseline counting automatic retries\n",
                    e->peak_attempts_to_baseline);
        /* Only where the entry service's capacity moved. */
        if (e->capacity_to_baseline > 0 && fabs(e->capacity_to_baseline - 1) > 0.05) {
            char at[16] = "";
            if (e->capacity_peak_at >= 0) result_clock(r, e->capacity_peak_at, false, at, sizeof at);
            fprintf(o->f, "    capacity      needed %.1fx its baseline%s%s\n", e->capacity_to_baseline,
                    at[0] ? ", at " : "", at);
        }
        fprintf(o->f, "    customers     %.0f affected, %.0f reported", e->customers_affected,
                e->customers_reported);
        /* A population of 0 means the topology did not say. */
        if (e->customers > 0) fprintf(o->f, ", of %.0f", e->customers);
        fputc('\n', o->f);
    }
}

static void print_deadlocks(const Out *o, const RunResult *r)
{
    header(o, "Deadlocks");
    if (r->ndeadlocks == 0) fputs("  none\n", o->f);
    for (int i = 0; i < r->ndeadlocks; i++) {
        const DeadlockResult *d = &r->deadlocks[i];
        fputs("  ", o->f);
        put_clock(o, r, d->at);
        fputs("  ", o->f);
        if (d->region) {
            put_text(o, d->region);
            fputs(": ", o->f);
        }
        put_text(o, d->cycle);
        fputc('\n', o->f);
    }
}

/* The status page: only for runs that name one or post to one. */
static void print_comms(const Out *o, const RunResult *r)
{
    const CommsResult *c = &r->comms;
    if (!c->modelled) return;
    header(o, "Communication");
    char m[32];
    fprintf(o->f, "  %-13s ", "first notice");
    if (c->first_notice >= 0) {
        put_clock(o, r, c->first_notice);
        SimTime from = r->t_detected >= 0 ? r->t_detected : r->t_start;
        if (from >= 0) {
            minutes_str(c->first_notice > from ? c->first_notice - from : 0, false, m, sizeof m);
            fprintf(o->f, ", %s after %s", m, r->t_detected >= 0 ? "detection" : "the start");
        }
        fputc('\n', o->f);
    } else {
        fputs(r->t_start >= 0 ? "none went out\n" : "no incident\n", o->f);
    }
    fprintf(o->f, "  %-13s ", "notices");
    if (c->nposts == 0) fputs("none", o->f);
    for (int i = 0; i < c->nposts; i++) {
        if (i) fputs(", ", o->f);
        put_clock(o, r, c->posts[i]);
    }
    if (c->longest_gap >= 0) {
        minutes_str(c->longest_gap, false, m, sizeof m);
        fprintf(o->f, " (longest without one while the incident lasted: %s)", m);
    } else if (r->t_start >= 0 && c->nposts > 0) {
        fputs(" (none while the incident lasted)", o->f);
    }
    if (c->failed) fprintf(o->f, "; %d post%s failed", c->failed, c->failed == 1 ? "" : "s");
    fputc('\n', o->f);
    fprintf(o->f, "  %-13s wrong %.0f min, unreachable %.0f min, accurate %.0f min "
            "(while an entry point was below its objective)\n", "page", c->wrong_min,
            c->unreachable_min, c->accurate_min);
}

static void print_expectations(const Out *o, const RunResult *r)
{
    header(o, "Expectations");
    /* Details line up, unless one name is so long that aligning to it
     * would push every detail off the screen. */
    int namew = 0, held = 0;
    for (int i = 0; i < r->nexpects; i++) {
        int w = text_width(r->expects[i].name);
        if (w > namew && w <= 40) namew = w;
    }
    if (r->nexpects == 0) fputs("  none\n", o->f);
    for (int i = 0; i < r->nexpects; i++) {
        const ExpectResult *x = &r->expects[i];
        held += x->ok;
        fputs("  ", o->f);
        sgr(o, x->ok ? SGR_GREEN : SGR_RED);
        fputs(x->ok ? "PASS" : "FAIL", o->f);
        sgr(o, SGR_RESET);
        fputs("  ", o->f);
        int w = put_text(o, x->name);
        if (x->detail && *x->detail) {
            if (w > namew) {
                /* Too long to align: the detail goes on a line of its own. */
                fputc('\n', o->f);
                pad(o, 8 + namew + 2);
            } else {
                pad(o, namew - w + 2);
            }
            put_text(o, x->detail);
        }
        fputc('\n', o->f);
    }
    sgr(o, SGR_BOLD);
    fprintf(o->f, "%d of %d expectations hold", held, r->nexpects);
    sgr(o, SGR_RESET);
    fputc('\n', o->f);
}

static void print_all(const RunResult *r, FILE *out, bool color, bool events)
{
    Out o = { out, color };
    print_header(&o, r);
    if (events) print_events(&o, r);
    print_incident(&o, r);
    print_entries(&o, r);
    print_deadlocks(&o, r);
    print_comms(&o, r);
    print_expectations(&o, r);
}

void timeline_print(const RunResult *r, FILE *out, bool color)
{
    print_all(r, out, color, true);
}

void timeline_print_summary(const RunResult *r, FILE *out, bool color)
{
    print_all(r, out, color, false);
}

int timeline_print_json(const RunResult *r, FILE *out)
{
    return run_summary_dumpf(r, out);
}

bool timeline_color_wanted(FILE *out)
{
    const char *no = getenv("NO_COLOR");
    if (no && *no) return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(out)) == 1;
}
