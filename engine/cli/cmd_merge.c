/*
 * cmd_merge.c: `firedrill merge`, the outputs of a sharded batch combined.
 *
 * Every shard's DIR holds the same plan.json and the records of its runs.
 * Merging copies each run's record (byte for byte) into the output and then
 * computes the aggregates exactly as an unsharded batch does, from the
 * records alone: so the merged DIR equals, file for file, what one machine
 * running the whole batch would have written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/atomic_file.h"
#include "batch/batch_plan.h"
#include "batch/batch_record.h"
#include "batch/batch_report.h"
#include "cli/cli.h"

static int cmd_merge(int argc, char **argv);

const CliCommand cli_merge = {
    "merge", "Combine the outputs of batch shards",
    "usage: firedrill merge DIR... --out DIR\n"
    "\n"
    "Combines the output folders of `firedrill batch --shard K/N` runs of one\n"
    "batch into --out, which then holds exactly what an unsharded batch would\n"
    "have written: plan.json, runs/INDEX.json, runs.csv, summary.json and\n"
    "junit.xml. Every input must hold the same plan; every run must have a\n"
    "record in one of them. --out may be one of the inputs. See docs/batch.md.\n"
    "\n"
    "Exit codes: 0 every expectation met its pass rate and every run finished,\n"
    "1 one did not, 2 bad input (different plans, missing runs), 3 a system\n"
    "error.\n",
    cmd_merge,
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *b = realloc(buf, cap *= 2);
        if (!b) { free(buf); buf = NULL; }
        else buf = b;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return NULL; }
    *len = n;
    return buf;
}

static int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char **in = calloc((size_t)argc + 1, sizeof *in);
    int nin = 0, rc = FD_EXIT_USAGE;
    if (!in) return FD_EXIT_SYSTEM;
    BatchPlan plan, other;
    batch_plan_init(&plan);
    batch_plan_init(&other);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc) {
                cli_usage_error("merge", "--out needs a directory");
                goto done;
            }
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_usage_error("merge", "unknown option '%s'", argv[i]);
            goto done;
        } else {
            in[nin++] = argv[i];
        }
    }
    if (!out || nin == 0) {
        cli_usage_error("merge", "needs input folders and --out DIR");
        goto done;
    }
    for (int k = 0; k < nin; k++) {
        BatchPlan *p = k == 0 ? &plan : &other;
        char why[1024];
        int r = batch_plan_read(p, in[k], why, sizeof why);
        if (r < 0) {
            if (r == -EINVAL) fprintf(stderr, "%s\n", why);
            else fprintf(stderr, "firedrill merge: %s/plan.json: %s\n", in[k], strerror(-r));
            goto done;
        }
        if (k > 0) {
            bool same = batch_plan_equal(&plan, &other);
            batch_plan_free(&other);
            if (!same) {
                fprintf(stderr, "firedrill merge: %s and %s hold different batches "
                        "(their plan.json differ)\n", in[0], in[k]);
                goto done;
            }
        }
    }

    /* Find every run's record before writing anything. */
    int64_t total = batch_plan_total(&plan), missing = 0, first_missing = -1;
    char bad[1024] = "";   /* why the first unusable record is unusable */
    int *from = calloc((size_t)total + 1, sizeof *from);
    BatchInputs inputs;
    if (!from || batch_inputs_init(&inputs, &plan) < 0) {
        free(from);
        rc = FD_EXIT_SYSTEM;
        goto done;
    }
    int64_t stale = -1, stale_other = -1;
    for (int64_t i = 0; i < total; i++) {
        from[i] = -1;
        char why[1024] = "";
        for (int k = 0; k < nin && from[i] < 0; k++) {
            json_t *rec;
            if (batch_record_read(in[k], &plan, i, &rec, why, sizeof why) == 0) {
                from[i] = k;
                if (stale < 0 && !batch_inputs_note(&inputs, i, rec, &stale_other)) stale = i;
                json_decref(rec);
            }
        }
        if (from[i] < 0 && why[0] && !bad[0]) snprintf(bad, sizeof bad, "%s", why);
        if (from[i] < 0 && missing++ == 0) first_missing = i;
    }
    batch_inputs_free(&inputs);
    if (missing) {
        if (bad[0]) fprintf(stderr, "%s\n", bad);
        fprintf(stderr, "firedrill merge: %lld of %lld runs have no record in the inputs "
                "(the first is run %lld); were all shards run to the end?\n",
                (long long)missing, (long long)total, (long long)first_missing);
        free(from);
        goto done;
    }
    if (stale >= 0) {
        BatchRun run = batch_plan_run(&plan, stale);
        fprintf(stderr, "firedrill merge: %s: run %lld (in %s) and run %lld (in %s) of one "
                "parameter point read different files: the shards ran different versions of "
                "the scenario, its topology or a file it reads. Nothing was written.\n",
                plan.scenarios[run.scenario], (long long)stale_other, in[from[stale_other]],
                (long long)stale, in[from[stale]]);
        free(from);
        goto done;
    }

    rc = FD_EXIT_SYSTEM;
    char path[4096];
    snprintf(path, sizeof path, "%s/runs", out);
    int r = fd_mkdir_p(path);
    if (r < 0 || (r = batch_plan_write(&plan, out)) < 0) {
        fprintf(stderr, "firedrill merge: cannot write to %s: %s\n", out, strerror(-r));
        free(from);
        goto done;
    }
    for (int64_t i = 0; i < total; i++) {
        char src[4096];
        snprintf(src, sizeof src, "%s/runs/%lld.json", in[from[i]], (long long)i);
        snprintf(path, sizeof path, "%s/runs/%lld.json", out, (long long)i);
        size_t len;
        char *buf = slurp(src, &len);
        AtomicFile af;
        FILE *f = buf ? afile_open(&af, path) : NULL;
        if (!f || fwrite(buf, 1, len, f) != len || afile_commit(&af) < 0) {
            if (f) afile_abort(&af);
            fprintf(stderr, "firedrill merge: cannot copy %s to %s\n", src, path);
            free(buf);
            free(from);
            goto done;
        }
        free(buf);
    }
    free(from);
    BatchVerdict v;
    r = batch_report_write(&plan, out, 1, 1, false, &v);   /* checked above */
    if (r < 0) {
        fprintf(stderr, "firedrill merge: cannot write the reports in %s: %s\n", out, strerror(-r));
        goto done;
    }
    batch_print_figures(out, stdout);
    fflush(stdout);
    fprintf(stderr, "firedrill merge: %lld runs, %lld did not finish; %d of %d groups pass\n",
            (long long)v.runs, (long long)v.bad, v.groups - v.groups_failed, v.groups);
    rc = v.groups_failed ? FD_EXIT_FAIL : FD_EXIT_OK;
done:
    batch_plan_free(&other);
    batch_plan_free(&plan);
    free(in);
    return rc;
}
