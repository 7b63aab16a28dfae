/*
 * metrics_read.h: metrics.csv read back for report.html, folded per series.
 *
 * metrics.csv (metrics_csv.h) has one row per time, service, region, metric
 * and value. The reader streams it once, row by row, and folds it into one
 * value per (service, metric, interval), summed over regions (p99 takes
 * the worst region), and one availability per (entry point, interval).
 * Memory is services x metrics x intervals doubles, never the rows.
 *
 * A Metrics owns everything it points to; metrics_free() releases it.
 */
#ifndef FD_METRICS_READ_H
#define FD_METRICS_READ_H

#include <stdbool.h>
#include "model/topo.h"

enum {
    M_OFFERED, M_OK, M_DEGRADED, M_F_REJECTED, M_F_TIMEOUT, M_F_DEPENDENCY, M_F_BAD_CONFIG,
    M_F_NO_INSTANCE, M_F_ERROR, M_P99, M_CAPACITY, M_UP, M_STARTING, M_WAITING, M_HUNG,
    M_NMETRICS
};
#define NCAUSES 6          /* the failed_* metrics, from M_F_REJECTED on */

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
    /* While reading: the arrays' room, and where the last row's series stood. */
    int svc_cap, ent_cap;
    int svc_hint, ent_hint;
} Metrics;

/* Reads metrics.csv; 0, -errno, or -EINVAL for a file that is not one.
 * On failure m holds nothing to free. */
int metrics_read(Metrics *m, const char *path);
void metrics_free(Metrics *m);

/* Puts the topology's services first and in its order, then the others
 * metrics.csv names. 0, or -ENOMEM (m is then freed). */
int metrics_order(Metrics *m, const Topo *topo);

/* The index of the service's series, or -1. */
int metrics_find_service(const Metrics *m, const char *name);

/* The length of each interval ending at t[i], in seconds. */
double metrics_interval_len(const Metrics *m, int i);

#endif
