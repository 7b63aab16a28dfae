/*
 * summary_diff.c: the difference of two runs' summaries (see summary_diff.h).
 *
 * Only what a person re-running a drill while editing it wants to see at a
 * glance: flipped expectations first (the gate), then the incident clock,
 * then per-entry figures. A figure counts as changed when its printed form
 * changed, so noise below the printed precision never shows up as a diff.
 */
#include "report/summary_diff.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Scenario text with control characters shown as '?'. */
static void put_text(FILE *out, const char *s)
{
    for (; s && *s; s++) fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

/* "  name          ": an entry's name in the column the clock names use. */
static void put_name(FILE *out, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    fputs("  ", out);
    put_text(out, name);
    do fputc(' ', out);
    while (++n < 14);
}

/* Whether t falls off a whole minute of r's wall clock. */
static bool has_seconds(const RunResult *r, SimTime t)
{
    return t >= 0 && (r->wall_start + t / FD_SEC) % 60 != 0;
}

static void clock_str(const RunResult *r, SimTime t, bool seconds, char *buf, size_t size)
{
    if (t < 0) snprintf(buf, size, "never");
    else result_clock(r, t, seconds, buf, size);
}

/* Minutes to a tenth without a trailing ".0", as the timeline prints them. */
static void minutes_str(SimTime d, bool sign, char *buf, size_t size)
{
    double m = round(fd_time_sec(d) / 6.0) / 10.0;
    if (m == 0) m = 0;   /* no "-0" */
    if (m == floor(m)) snprintf(buf, size, sign ? "%+.0f min" : "%.0f min", m);
    else snprintf(buf, size, sign ? "%+.1f min" : "%.1f min", m);
}

/* As timeline.c: floored to 0.001% so 99.9996% never shows as 100.000%. */
static void avail_str(double x, char *buf, size_t size)
{
    if (!isfinite(x)) snprintf(buf, size, "n/a");
    else snprintf(buf, size, "%.3f%%", floor(x * 1e5 + 1e-6) / 1e3);
}

static int diff_clock(const RunResult *p, const RunResult *c, const char *name, SimTime tp,
                      SimTime tc, FILE *out)
{
    bool sec = has_seconds(p, tp) || has_seconds(c, tc);
    char a[32], b[32];
    clock_str(p, tp, sec, a, sizeof a);
    clock_str(c, tc, sec, b, sizeof b);
    if (strcmp(a, b) == 0 && (tp < 0) == (tc < 0)) return 0;
    fprintf(out, "  %-13s %s -> %s", name, a, b);
    if (tp >= 0 && tc >= 0) {
        char d[32];
        /* The move in simulated time, which is what changed in the drill
         * even when the start moved too. */
        minutes_str(tc - tp, true, d, sizeof d);
        fprintf(out, " (%s)", d);
    }
    fputc('\n', out);
    return 1;
}

static void incident_len_str(const RunResult *r, char *buf, size_t size)
{
    if (r->t_start < 0) snprintf(buf, size, "no incident");
    else if (r->t_recovered < 0) snprintf(buf, size, "not recovered");
    else minutes_str(r->t_recovered - r->t_start, false, buf, size);
}

static int diff_duration(const RunResult *p, const RunResult *c, FILE *out)
{
    char a[32], b[32];
    incident_len_str(p, a, sizeof a);
    incident_len_str(c, b, sizeof b);
    if (strcmp(a, b) == 0) return 0;
    fprintf(out, "  %-13s %s -> %s", "duration", a, b);
    if (p->t_start >= 0 && p->t_recovered >= 0 && c->t_start >= 0 && c->t_recovered >= 0) {
        char d[32];
        minutes_str((c->t_recovered - c->t_start) - (p->t_recovered - p->t_start), true, d,
                    sizeof d);
        fprintf(out, " (%s)", d);
    }
    fputc('\n', out);
    return 1;
}

static const char *xname(const ExpectResult *x) { return x->name ? x->name : ""; }

/* Pairs each of cur's expectations with one of prev's: first the same
 * name (the n-th of equal names with the n-th), then, in declaration
 * order, what is left on both sides, so that editing a threshold (which
 * renames "availability(users) >= 50.00%" to "... >= 99.00%") reads as the
 * same expectation changing rather than one gone and one new. pair[i] is
 * prev's index for cur's i, or -1; used[j] whether prev's j is paired. */
static void pair_expects(const RunResult *p, const RunResult *c, int *pair, bool *used)
{
    for (int i = 0; i < c->nexpects; i++) {
        pair[i] = -1;
        for (int j = 0; j < p->nexpects; j++)
            if (!used[j] && strcmp(xname(&p->expects[j]), xname(&c->expects[i])) == 0) {
                pair[i] = j;
                used[j] = true;
                break;
            }
    }
    int j = 0;
    for (int i = 0; i < c->nexpects; i++) {
        if (pair[i] >= 0) continue;
        while (j < p->nexpects && used[j]) j++;
        if (j == p->nexpects) break;
        pair[i] = j;
        used[j] = true;
    }
}

static void put_detail(FILE *out, const ExpectResult *x)
{
    if (!x->detail || !*x->detail) return;
    fputs("   (", out);
    put_text(out, x->detail);
    fputc(')', out);
}

static int diff_expects(const RunResult *p, const RunResult *c, FILE *out)
{
    int *pair = calloc((size_t)c->nexpects + 1, sizeof *pair);
    bool *used = calloc((size_t)p->nexpects + 1, sizeof *used);
    int n = 0;
    if (!pair || !used) {
        /* Too little memory to match them up: say what can be said. */
        fputs("  (out of memory comparing the expectations)\n", out);
        free(pair);
        free(used);
        return 1;
    }
    pair_expects(p, c, pair, used);
    for (int i = 0; i < c->nexpects; i++) {
        const ExpectResult *x = &c->expects[i];
        const ExpectResult *y = pair[i] >= 0 ? &p->expects[pair[i]] : NULL;
        bool renamed = y && strcmp(xname(x), xname(y)) != 0;
        if (y && y->ok == x->ok && !renamed) continue;
        if (!y) fprintf(out, "  new %s      ", x->ok ? "PASS" : "FAIL");
        else if (y->ok != x->ok) fprintf(out, "  %s -> %s  ", y->ok ? "PASS" : "FAIL", x->ok ? "PASS" : "FAIL");
        else fprintf(out, "  still %s    ", x->ok ? "PASS" : "FAIL");
        put_text(out, xname(x));
        if (renamed) {
            fputs("   (was ", out);
            put_text(out, xname(y));
            fputc(')', out);
        }
        put_detail(out, x);
        fputc('\n', out);
        n++;
    }
    for (int j = 0; j < p->nexpects; j++) {
        if (used[j]) continue;
        fprintf(out, "  gone (%s)   ", p->expects[j].ok ? "PASS" : "FAIL");
        put_text(out, xname(&p->expects[j]));
        fputc('\n', out);
        n++;
    }
    free(pair);
    free(used);
    return n;
}

static const EntryResult *find_entry(const RunResult *r, const char *name)
{
    for (int i = 0; i < r->nentries; i++)
        if (strcmp(r->entries[i].name ? r->entries[i].name : "", name) == 0) return &r->entries[i];
    return NULL;
}

static int diff_entries(const RunResult *p, const RunResult *c, FILE *out)
{
    int n = 0;
    for (int i = 0; i < c->nentries; i++) {
        const EntryResult *e = &c->entries[i], *q = find_entry(p, e->name ? e->name : "");
        char a[32], b[32];
        if (!q) {
            avail_str(e->availability, b, sizeof b);
            put_name(out, e->name);
            fprintf(out, "new entry point, availability %s\n", b);
            n++;
            continue;
        }
        avail_str(q->availability, a, sizeof a);
        avail_str(e->availability, b, sizeof b);
        if (strcmp(a, b) != 0) {
            put_name(out, e->name);
            fprintf(out, "availability %s -> %s", a, b);
            if (isfinite(q->availability) && isfinite(e->availability)) {
                double pp = (e->availability - q->availability) * 100;
                fprintf(out, " (%+.3f pp)", fabs(pp) < 5e-4 ? 0.0 : pp);
            }
            fputc('\n', out);
            n++;
        }
        snprintf(a, sizeof a, "%.0f", q->customers_affected);
        snprintf(b, sizeof b, "%.0f", e->customers_affected);
        if (strcmp(a, b) != 0) {
            put_name(out, e->name);
            fprintf(out, "customers affected %s -> %s\n", a, b);
            n++;
        }
    }
    for (int i = 0; i < p->nentries; i++) {
        if (find_entry(c, p->entries[i].name ? p->entries[i].name : "")) continue;
        put_name(out, p->entries[i].name);
        fputs("entry point gone\n", out);
        n++;
    }
    return n;
}

static int held(const RunResult *r)
{
    int n = 0;
    for (int i = 0; i < r->nexpects; i++) n += r->expects[i].ok;
    return n;
}

int summary_diff_print(const RunResult *prev, const RunResult *cur, FILE *out)
{
    int n = diff_expects(prev, cur, out);
    n += diff_clock(prev, cur, "start", prev->t_start, cur->t_start, out);
    n += diff_clock(prev, cur, "detected", prev->t_detected, cur->t_detected, out);
    n += diff_clock(prev, cur, "mitigated", prev->t_mitigated, cur->t_mitigated, out);
    n += diff_clock(prev, cur, "recovered", prev->t_recovered, cur->t_recovered, out);
    n += diff_duration(prev, cur, out);
    n += diff_entries(prev, cur, out);
    if (prev->ndeadlocks != cur->ndeadlocks) {
        fprintf(out, "  %-13s %d -> %d\n", "deadlocks", prev->ndeadlocks, cur->ndeadlocks);
        n++;
    }
    int hp = held(prev), hc = held(cur);
    if (n > 0 && (hp != hc || prev->nexpects != cur->nexpects))
        fprintf(out, "  %-13s %d of %d -> %d of %d hold\n", "expectations", hp, prev->nexpects, hc,
                cur->nexpects);
    if (n == 0) fputs("  no change in the summary\n", out);
    return n;
}
