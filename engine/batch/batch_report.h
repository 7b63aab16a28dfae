/*
 * batch_report.h: a batch's aggregates, computed from its run records.
 *
 * DIR/runs.csv (one row per run, by index), DIR/summary.json (one group
 * per scenario x parameter point: run counts by status, distributions of
 * recovery time, availability, peak-to-baseline and customers affected per
 * entry point, each expectation's pass rate against its declared one) and
 * DIR/junit.xml (one testcase per group). Each is written atomically and
 * depends on nothing but the plan and the records, so the same records give
 * the same bytes whoever wrote them and in whatever order.
 *
 * Which runs: those whose index % shard_n == shard_k - 1 (1/1 for all).
 */
#ifndef FD_BATCH_REPORT_H
#define FD_BATCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "batch/batch_plan.h"

typedef struct BatchVerdict {
    int64_t runs;          /* records aggregated */
    int64_t missing;       /* runs of the shard without a record */
    int64_t bad;           /* runs that errored, timed out or crashed */
    int groups, groups_failed;
    int expect_below;      /* expectations below their pass rate, over all groups */
    int64_t stale, stale_other;  /* with -ESTALE: two runs of a group that read other inputs */
} BatchVerdict;

/* Writes the files. Returns 0, -ENOENT when records are missing
 * (v->missing says how many; nothing is written), -ESTALE when
 * check_inputs is set and two runs of one group read different inputs
 * (v->stale and v->stale_other name them; nothing is written; see
 * BatchInputs in batch_record.h), or -errno. */
int batch_report_write(const BatchPlan *p, const char *dir, int shard_k, int shard_n,
                       bool check_inputs, BatchVerdict *v);

/* Prints the key figures of DIR/summary.json for a person: per group, the
 * outage duration (p50, p95), each entry point's availability (p50 and the
 * worst 5%) and each expectation's pass rate against the one it needs.
 * Returns 0 or -errno. */
int batch_print_figures(const char *dir, FILE *out);

#endif
