/*
 * metrics_csv.h: metrics.csv, streamed as the run goes.
 *
 * Tidy data: one row per time, service (or entry point), region, metric
 * and value, so any tool that reads CSV can pivot it. Rows are written at
 * the end of every interval and then forgotten, so the file grows with the
 * run but memory does not. The file is written to a temporary and renamed
 * over metrics.csv only by metrics_csv_commit(): a run that fails or is
 * killed leaves the previous metrics.csv whole.
 *
 *   t,service,region,metric,value
 *   10,cloud-api,shanghai,offered,4012
 *   10,entry:console,-,availability,0.999
 *
 * t is the end of the interval in seconds since the start of the run.
 */
#ifndef FD_METRICS_CSV_H
#define FD_METRICS_CSV_H

#include <stdbool.h>
#include "base/atomic_file.h"
#include "model/model.h"

typedef struct MetricsCsv {
    AtomicFile af;
    FILE *f;
    bool failed;            /* a write failed; commit will refuse */
} MetricsCsv;

/* Returns 0, or -errno when the temporary cannot be created. */
int metrics_csv_open(MetricsCsv *mc, const char *path);
/* A ModelIntervalFn: pass the MetricsCsv as ud. */
void metrics_csv_interval(void *ud, const ModelInterval *iv);
/* Renames the finished file into place; 0 or -errno. */
int metrics_csv_commit(MetricsCsv *mc);
/* Drops the temporary; the previous file stays. Safe after commit. */
void metrics_csv_abort(MetricsCsv *mc);

/* Writes one CSV field, quoted (RFC 4180) only when it has to be. */
void csv_put_field(FILE *f, const char *s);
/* Writes v exactly as fprintf's "%.9g" would (whole numbers below 10^9 in
 * magnitude without printf's floating-point conversion). */
void csv_put_number(FILE *f, double v);

/* The metric names, in the order rows are written per service and region. */
extern const char *const metrics_csv_pool_metrics[];
extern const char *const metrics_csv_entry_metrics[];

#endif
