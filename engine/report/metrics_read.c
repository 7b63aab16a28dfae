/*
 * metrics_read.c: metrics.csv folded per series (see metrics_read.h).
 *
 * Rows are kept by the interval they close: a new t adds an interval to
 * every series at once, so all arrays share one length (nt) and capacity
 * (cap). Rows that do not parse, or carry a metric report.html does not
 * draw, are skipped; a service is still marked as seen.
 */
#include "report/metrics_read.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[M_NMETRICS] = {
    "offered", "ok", "degraded", "failed_rejected", "failed_timeout", "failed_dependency",
    "failed_bad_config", "failed_no_instance", "failed_error", "latency_p99", "capacity",
    "instances_up", "instances_starting", "instances_waiting", "instances_hung",
};

void metrics_free(Metrics *m)
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
        int cap = m->cap ? m->cap * 2 : 16;   /* per series and metric: small runs of many services stay small */
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

int metrics_find_service(const Metrics *m, const char *name)
{
    for (int i = 0; i < m->nsvc; i++)
        if (strcmp(m->svc[i].name, name) == 0) return i;
    return -1;
}

/* Rows come grouped by series, in the same order every interval, so the
 * search for a row's series starts where the last row's stood (and wraps):
 * almost always a hit at once, which keeps reading a file of many services
 * linear instead of quadratic. */
static int find_svc(Metrics *m, const char *name)
{
    for (int k = 0; k < m->nsvc; k++) {
        int i = (m->svc_hint + k) % m->nsvc;
        if (strcmp(m->svc[i].name, name) == 0) return m->svc_hint = i;
    }
    return -1;
}

static int find_ent(Metrics *m, const char *name)
{
    for (int k = 0; k < m->nent; k++) {
        int i = (m->ent_hint + k) % m->nent;
        if (strcmp(m->ent[i].name, name) == 0) return m->ent_hint = i;
    }
    return -1;
}

/* The service's series, made if new; -1 when memory runs out. */
static int service_series(Metrics *m, const char *name)
{
    int i = find_svc(m, name);
    if (i >= 0) return i;
    if (m->nsvc == m->svc_cap) {
        int cap = m->svc_cap ? m->svc_cap * 2 : 16;
        Series *v = realloc(m->svc, sizeof *v * (size_t)cap);
        if (!v) return -1;
        m->svc = v;
        m->svc_cap = cap;
    }
    Series *s = &m->svc[m->nsvc];
    memset(s, 0, sizeof *s);
    s->name = dup_str(name);
    if (!s->name || alloc_series(s, m->cap > 0 ? m->cap : 1) < 0) {
        free(s->name);
        for (int k = 0; k < M_NMETRICS; k++) free(s->m[k]);
        return -1;
    }
    m->svc_hint = m->nsvc;
    return m->nsvc++;
}

static int entry_series(Metrics *m, const char *name)
{
    int i = find_ent(m, name);
    if (i >= 0) return i;
    if (m->nent == m->ent_cap) {
        int cap = m->ent_cap ? m->ent_cap * 2 : 16;
        EntrySeries *v = realloc(m->ent, sizeof *v * (size_t)cap);
        if (!v) return -1;
        m->ent = v;
        m->ent_cap = cap;
    }
    EntrySeries *e = &m->ent[m->nent];
    e->name = dup_str(name);
    e->avail = NULL;
    if (!e->name || grow_array(&e->avail, 0, m->cap > 0 ? m->cap : 1, NAN) < 0) {
        free(e->name);
        free(e->avail);
        return -1;
    }
    m->ent_hint = m->nent;
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

int metrics_read(Metrics *m, const char *path)
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

double metrics_interval_len(const Metrics *m, int i)
{
    double d = i > 0 ? m->t[i] - m->t[i - 1] : m->t[0];
    if (d <= 0 && m->nt > 1) d = m->t[1] - m->t[0];
    return d > 0 ? d : 1;
}

int metrics_order(Metrics *m, const Topo *topo)
{
    Metrics ordered = *m;
    int cap = m->nsvc + topo->nservices + 1;
    Series *v = calloc((size_t)cap, sizeof *v);
    bool *taken = calloc((size_t)m->nsvc + 1, sizeof *taken);
    if (!v || !taken) {
        free(v);
        free(taken);
        metrics_free(m);
        return -ENOMEM;
    }
    /* metrics.csv names the services in the topology's order as a rule, so
     * the one after the last found is tried first (names are unique). */
    int n = 0, next = 0;
    for (int i = 0; i < topo->nservices; i++) {
        const char *name = topo->services[i].name;
        int s = next < m->nsvc && strcmp(m->svc[next].name, name) == 0
                    ? next : metrics_find_service(m, name);
        if (s < 0) continue;
        v[n++] = m->svc[s];
        taken[s] = true;
        next = s + 1;
    }
    for (int s = 0; s < m->nsvc; s++)
        if (!taken[s]) v[n++] = m->svc[s];
    free(taken);
    free(m->svc);
    ordered.svc = v;
    ordered.nsvc = n;
    ordered.svc_cap = cap;
    *m = ordered;
    return 0;
}
