/*
 * fuzz_json.c: the JSON readers behind `report`, `merge` and `batch
 * --resume`: summary.json and events.jsonl (report/run_read.h), a batch's
 * plan.json and a run record (batch/batch_plan.h, batch/batch_record.h).
 *
 * The input's first byte picks the reader; the rest is split at the first
 * "\n%%\n" into two files: summary.json and events.jsonl, or plan.json and
 * runs/0.json.
 */
#include "fuzz_common.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "batch/batch_plan.h"
#include "batch/batch_record.h"
#include "report/run_read.h"

static const uint8_t *split(const uint8_t *p, size_t n, size_t *first, size_t *rest)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(p + i, "\n%%\n", 4) == 0) {
            *first = i;
            *rest = n - i - 4;
            return p + i + 4;
        }
    *first = n;
    *rest = 0;
    return p + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *dir = fuzz_dir();
    size_t n1, n2;
    const uint8_t *second = split(data + 1, size - 1, &n1, &n2);
    if (data[0] & 1) {
        char runs[512];
        snprintf(runs, sizeof runs, "%s/runs", dir);
        mkdir(runs, 0700);
        if (fuzz_write("plan.json", data + 1, n1) != 0 || fuzz_write("runs/0.json", second, n2) != 0)
            abort();
        BatchPlan p;
        batch_plan_init(&p);
        char why[512];
        if (batch_plan_read(&p, dir, why, sizeof why) == 0 && batch_plan_total(&p) > 0) {
            json_t *rec = NULL;
            if (batch_record_read(dir, &p, 0, &rec, why, sizeof why) == 0) {
                (void)batch_record_status(rec);
                BatchInputs in;
                if (batch_inputs_init(&in, &p) == 0) {
                    int64_t other;
                    (void)batch_inputs_note(&in, 0, rec, &other);
                    batch_inputs_free(&in);
                }
                json_decref(rec);
            }
        }
        batch_plan_free(&p);
    } else {
        if (fuzz_write("summary.json", data + 1, n1) != 0 ||
            fuzz_write("events.jsonl", second, n2) != 0)
            abort();
        RunResult r;
        result_init(&r);
        DiagList dl;
        diag_list_init(&dl);
        (void)run_read_result(&r, dir, &dl);
        result_free(&r);
        diag_list_free(&dl);
    }
    return 0;
}
