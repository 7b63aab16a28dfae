/*
 * batch_plan.h: which runs a batch is made of, in their canonical order.
 *
 * A batch is the cross product scenarios x parameter points x seeds. The
 * order is fixed: scenarios as given, then parameter points (the axes as
 * given, the last axis changing fastest), then seeds ascending. A run's
 * index is its place in that order; its seed comes from the seed range,
 * never from a shard layout, so every way of cutting a batch into shards
 * runs exactly the same runs. A "group" is one scenario at one parameter
 * point: the unit that summary.json and junit.xml report on.
 *
 * Ownership: a BatchPlan owns every string in it; batch_plan_free()
 * releases them. Nothing here touches processes or files except
 * batch_plan_write()/batch_plan_read() (DIR/plan.json).
 */
#ifndef FD_BATCH_PLAN_H
#define FD_BATCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most runs (scenarios x parameter points x seeds) a batch may hold. */
#define FD_BATCH_MAX_RUNS INT64_C(100000000)

typedef struct BatchAxis {
    char *name;
    char **values;
    int nvalues;
} BatchAxis;

typedef struct BatchPlan {
    char **scenarios;      /* scenario files (resolved: a folder -> its scenario.lua) */
    int nscenarios;
    BatchAxis *axes;
    int naxes;
    uint64_t seed_lo, seed_hi;   /* inclusive */
} BatchPlan;

/* One run of the plan, as indexes into it. */
typedef struct BatchRun {
    int64_t index;
    int scenario;
    int64_t point;          /* parameter point, 0 .. batch_plan_points()-1 */
    uint64_t seed;
} BatchRun;

void batch_plan_init(BatchPlan *p);
void batch_plan_free(BatchPlan *p);

/* Adds a scenario (copied). Returns 0 or -ENOMEM. */
int batch_plan_add_scenario(BatchPlan *p, const char *path);

/* Parses "NAME=V1,V2,..." into a new axis. Returns 0, -EINVAL on a bad
 * spec (err says why) or -ENOMEM. */
int batch_plan_add_axis(BatchPlan *p, const char *spec, char *err, size_t errsize);

/* Parses "A..B" (or "N") into the seed range. Returns 0 or -EINVAL. */
int batch_plan_set_seeds(BatchPlan *p, const char *spec);

int64_t batch_plan_points(const BatchPlan *p);
int64_t batch_plan_seeds(const BatchPlan *p);
int64_t batch_plan_total(const BatchPlan *p);
int64_t batch_plan_groups(const BatchPlan *p);

/* The run with this index (0 <= index < total). */
BatchRun batch_plan_run(const BatchPlan *p, int64_t index);

/* The value of axis a at parameter point `point`. */
const char *batch_plan_value(const BatchPlan *p, int64_t point, int a);

/* "k=v" strings for the point, malloc'd array of malloc'd strings, or NULL
 * on ENOMEM (never for a plan without axes: then an empty array). */
char **batch_plan_point_params(const BatchPlan *p, int64_t point);
void batch_plan_free_params(char **params, int n);

/* DIR/plan.json: the plan, written atomically. Returns 0 or -errno. */
int batch_plan_write(const BatchPlan *p, const char *dir);

/* Reads DIR/plan.json into an initialised, empty plan. Returns 0, -ENOENT
 * when there is none, -EINVAL when it is not a plan, or -errno. With -EINVAL,
 * why (when not NULL) gets "DIR/plan.json:LINE:COL: error: ..." or
 * "DIR/plan.json: error: ...". */
int batch_plan_read(BatchPlan *p, const char *dir, char *why, size_t whysize);

bool batch_plan_equal(const BatchPlan *a, const BatchPlan *b);

#endif
