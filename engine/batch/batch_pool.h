/*
 * batch_pool.h: run many worker processes, N at a time, each with a time
 * limit, and hand back what each one printed and how it ended.
 *
 * This is the only batch file that includes uv.h; the rest of the batch
 * layer sees jobs (numbers 0..njobs-1), argv vectors and BatchOutcomes.
 *
 * Threading: everything runs on the calling thread, inside
 * batch_pool_run(), which owns a private uv loop for its duration. The
 * callbacks are called from that loop, one at a time, in the order the
 * workers finish (which is not job order: callers that want a fixed order
 * sort afterwards).
 */
#ifndef FD_BATCH_POOL_H
#define FD_BATCH_POOL_H

#include <stdint.h>
#include "batch/batch_record.h"

typedef struct BatchPoolOptions {
    int njobs;              /* jobs to run: 0 .. njobs-1 */
    int parallel;           /* workers at once; <= 0: the core count */
    double timeout_s;       /* per worker; <= 0: none */
    /* The argv (argv[0] is the program) for a job; the pool frees nothing:
     * the strings must live until the job's done() call. NULL on ENOMEM
     * (the pool then stops starting jobs and returns -ENOMEM). */
    char **(*argv_for)(void *ud, int job);
    /* A job has ended. Returning a negative errno stops the pool from
     * starting further jobs (the running ones are waited for) and is
     * returned by batch_pool_run(). */
    int (*done)(void *ud, int job, const BatchOutcome *o);
    /* Called about every tick_s seconds while workers run (progress). */
    void (*tick)(void *ud);
    double tick_s;
    void *ud;
} BatchPoolOptions;

/* The number of CPUs this process may use (at least 1). */
int batch_pool_cpus(void);

/* The path of the running executable into buf. Returns 0 or -errno. */
int batch_pool_exepath(char *buf, size_t size);

/* Runs every job and returns 0, or the first negative error (from done(),
 * or a libuv error turned negative errno) once every started worker has
 * ended and every handle is closed. */
int batch_pool_run(const BatchPoolOptions *o);

#endif
