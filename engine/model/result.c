/*
 * result.c: the RunResult's lifetime and small helpers (see result.h).
 */
#include "model/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[RE_NKINDS] = {
    "note", "fault", "change", "action", "alert", "resolved",
    "incident", "status", "health", "deadlock", "clock",
};

const char *run_event_kind_name(RunEventKind k) { return kind_names[k]; }

void result_init(RunResult *r)
{
    memset(r, 0, sizeof *r);
    r->t_start = r->t_detected = r->t_mitigated = r->t_recovered = -1;
    r->sampling = 1;
    r->comms.first_notice = r->comms.longest_gap = -1;
}

void result_free(RunResult *r)
{
    free(r->scenario);
    free(r->path);
    free(r->detected_by);
    for (int i = 0; i < r->nevents; i++) {
        free(r->events[i].text);
        free(r->events[i].subject);
        free(r->events[i].region);
    }
    free(r->events);
    free(r->comms.posts);
    for (int i = 0; i < r->nentries; i++) free(r->entries[i].name);
    free(r->entries);
    for (int i = 0; i < r->ndeadlocks; i++) {
        free(r->deadlocks[i].region);
        free(r->deadlocks[i].cycle);
    }
    free(r->deadlocks);
    for (int i = 0; i < r->nexpects; i++) {
        free(r->expects[i].name);
        free(r->expects[i].detail);
    }
    free(r->expects);
    for (int i = 0; i < r->nparams; i++) free(r->params[i]);
    free(r->params);
    result_init(r);
}

static char *dup_or_null(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int result_add_event(RunResult *r, SimTime t, RunEventKind kind, const char *subject,
                     const char *region, const char *fmt, ...)
{
    if (r->nevents == r->capevents) {
        int cap = r->capevents ? r->capevents * 2 : 64;
        RunEvent *v = realloc(r->events, sizeof *v * (size_t)cap);
        if (!v) return -1;
        r->events = v;
        r->capevents = cap;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    RunEvent *e = &r->events[r->nevents];
    *e = (RunEvent){ t, kind, dup_or_null(buf), dup_or_null(subject), dup_or_null(region) };
    if (!e->text || (subject && !e->subject) || (region && !e->region)) {
        free(e->text);
        free(e->subject);
        free(e->region);
        return -1;
    }
    r->nevents++;
    return 0;
}

void result_clock(const RunResult *r, SimTime t, bool seconds, char *buf, size_t size)
{
    int64_t s = r->wall_start + (int64_t)(t / FD_SEC) + (int64_t)r->tz_minutes * 60;
    int64_t day = ((s % 86400) + 86400) % 86400;
    if (seconds)
        snprintf(buf, size, "%02d:%02d:%02d", (int)(day / 3600), (int)(day / 60 % 60),
                 (int)(day % 60));
    else
        snprintf(buf, size, "%02d:%02d", (int)(day / 3600), (int)(day / 60 % 60));
}

/* Local Unix seconds at t, the one conversion every printed time goes through. */
static int64_t local_seconds(const RunResult *r, SimTime t)
{
    return r->wall_start + (int64_t)(t / FD_SEC) + (int64_t)r->tz_minutes * 60;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t result_local_day(const RunResult *r, SimTime t)
{
    return floor_div(local_seconds(r, t), 86400);
}

/* Howard Hinnant's days_from_civil inverse: the proleptic Gregorian date of
 * a day count, in integers only, so that it does not depend on the host's
 * time zone database or the range of time_t. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                     /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);              /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                   /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void result_datetime(const RunResult *r, SimTime t, bool iso, char *buf, size_t size)
{
    int64_t s = local_seconds(r, t);
    int64_t day = floor_div(s, 86400), sod = s - day * 86400;
    int64_t y;
    int mo, d;
    civil_from_days(day, &y, &mo, &d);
    int off = r->tz_minutes < 0 ? -r->tz_minutes : r->tz_minutes;
    char sign = r->tz_minutes < 0 ? '-' : '+';
    snprintf(buf, size, "%04lld-%02d-%02d%s%02d:%02d:%02d%s%c%02d:%02d", (long long)y, mo, d,
             iso ? "T" : " ", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
             iso ? "" : " UTC", sign, off / 60, off % 60);
}

void result_clock_day(const RunResult *r, SimTime t, char *buf, size_t size)
{
    result_clock(r, t, false, buf, size);
    int64_t days = result_local_day(r, t) - result_local_day(r, 0);
    if (days != 0) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " %+lldd", (long long)days);
    }
}

void result_sort_events(RunResult *r)
{
    /* Insertion sort: events arrive nearly in order, and it is stable. */
    for (int i = 1; i < r->nevents; i++) {
        RunEvent e = r->events[i];
        int j = i - 1;
        while (j >= 0 && r->events[j].t > e.t) {
            r->events[j + 1] = r->events[j];
            j--;
        }
        r->events[j + 1] = e;
    }
}

typedef struct OrderKey {
    SimTime t;
    int i;
} OrderKey;

static int order_cmp(const void *a, const void *b)
{
    const OrderKey *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

int *result_event_order(const RunResult *r)
{
    size_t n = r->nevents > 0 ? (size_t)r->nevents : 0;
    int *order = malloc(sizeof *order * (n ? n : 1));
    if (!order) return NULL;
    bool sorted = true;
    for (size_t i = 0; i < n; i++) {
        order[i] = (int)i;
        if (i && r->events[i].t < r->events[i - 1].t) sorted = false;
    }
    if (sorted) return order;
    /* The index is part of the key, so no two keys compare equal and
     * qsort's lack of stability cannot show. */
    OrderKey *keys = malloc(sizeof *keys * n);
    if (!keys) {
        free(order);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) keys[i] = (OrderKey){ r->events[i].t, (int)i };
    qsort(keys, n, sizeof *keys, order_cmp);
    for (size_t i = 0; i < n; i++) order[i] = keys[i].i;
    free(keys);
    return order;
}

bool result_all_ok(const RunResult *r)
{
    for (int i = 0; i < r->nexpects; i++)
        if (!r->expects[i].ok) return false;
    return true;
}

SimTime result_incident_known(const RunResult *r)
{
    if (r->t_start < 0) return -1;
    return r->t_detected >= r->t_start ? r->t_detected : r->t_start;
}
