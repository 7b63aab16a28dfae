/*
 * batch_record.h: one run of a batch as a record file, DIR/runs/<index>.json.
 *
 * The worker process prints what its run left behind (the incident clock,
 * per-entry figures, expectations; or the error that stopped it) as one
 * JSON object on stdout. The parent adds what only it knows (the run's
 * index, its status, its exit code, a crash or timeout) and writes the
 * record atomically, so a record exists exactly when its run is complete.
 * Every aggregate (runs.csv, summary.json, junit.xml) is computed from
 * these records alone; that is why a resumed, sharded or merged batch
 * writes the same bytes as a single uninterrupted one.
 *
 * A record also carries "inputs", the digest of the files its run read
 * (BatchInputs below).
 *
 * Records hold no wall-clock values. Numbers are rounded when the worker
 * prints them (times to 1 ms, ratios to 1e-3, availability floored to
 * 1e-6) and pass through JSON unchanged after that.
 *
 * Errors: negative errno values; records are Jansson objects owned by the
 * caller (json_decref).
 */
#ifndef FD_BATCH_RECORD_H
#define FD_BATCH_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "batch/batch_plan.h"
#include "model/result.h"

/* What the parent saw of a worker. */
typedef struct BatchOutcome {
    int64_t exit_status;   /* the exit code, when the worker exited */
    int term_signal;       /* the signal that ended it, or 0 */
    bool timed_out;        /* the parent killed it at the time limit */
    int spawn_error;       /* a negative libuv error when it never started, or 0 */
    const char *out;       /* its stdout, NUL-terminated (may be empty) */
} BatchOutcome;

/* Worker side: the result of a finished run, or the error that ended it,
 * as one line of JSON on out. Returns 0 or -errno. */
int batch_worker_print(const RunResult *r, FILE *out);
int batch_worker_print_error(const char *reason, FILE *out);

/* Parent side: the record of run `run` from its outcome. timeout_s is the
 * time limit (for the reason text). NULL on ENOMEM. */
json_t *batch_record_make(const BatchPlan *p, const BatchRun *run, const BatchOutcome *o,
                          double timeout_s);

/* Writes DIR/runs/<index>.json atomically. Returns 0 or -errno. */
int batch_record_write(const char *dir, int64_t index, json_t *rec);

/* Reads DIR/runs/<index>.json. Returns 0 with *out set when it is there and
 * is the record of that run of this plan; -ENOENT when absent; -EINVAL
 * when it is not a record of this run (a different batch, a torn copy),
 * and then why (when not NULL) says so, with the file and, for malformed
 * JSON, the line and column. */
int batch_record_read(const char *dir, const BatchPlan *p, int64_t index, json_t **out,
                      char *why, size_t whysize);

/* "ok", "failed", "error", "timeout" or "crash" */
const char *batch_record_status(const json_t *rec);

/* The runs of one group (a scenario at one parameter point) read the same
 * files, so their records carry the same "inputs" digest (base/digest.h),
 * unless the files changed between runs: a batch resumed after its
 * scenario was edited, or shards run on different copies of the drills.
 * BatchInputs keeps, per group, the digest of the first record noted; a
 * record without one (a run that crashed or never started) agrees with
 * any. A scenario that reads other files depending on its seed would also
 * disagree, so only resumed batches and merges check. */
typedef struct BatchInputs {
    char (*digest)[24];    /* per group; "" until a record with one is noted */
    int64_t *first;        /* per group, the run that digest came from */
    int64_t ngroups, seeds;
} BatchInputs;

int batch_inputs_init(BatchInputs *in, const BatchPlan *p);   /* 0 or -ENOMEM */
void batch_inputs_free(BatchInputs *in);
/* Notes the record of run `index`. Returns false when it read other inputs
 * than the first run noted of its group, whose index goes to *other. */
bool batch_inputs_note(BatchInputs *in, int64_t index, const json_t *rec, int64_t *other);

#endif
