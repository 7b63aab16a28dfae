/*
 * cmd_batch.c: `firedrill batch`, many runs of scenarios over seeds and
 * parameter sweeps, each isolated in its own worker process.
 *
 * The parent plans the runs (batch_plan), skips those already recorded
 * when resuming, hands the rest to the worker pool (batch_pool, the libuv
 * part), writes one record per finished run (batch_record) and, at the end,
 * the aggregates from the records (batch_report). A worker is this same
 * binary run as `firedrill batch --worker SCENARIO --seed N --param k=v...`:
 * it runs the scenario in-process with scenario_run() and prints its
 * result as one line of JSON. A worker that crashes, loops or runs out of
 * memory takes nothing down but its own run.
 *
 * Determinism: the outputs depend only on the plan and the records, which
 * hold no wall-clock values; -j, --shard and --resume change when runs
 * happen, never what they produce.
 */
#include <ctype.h>
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <time.h>
#include <unistd.h>
#include "base/atomic_file.h"
#include "batch/batch_plan.h"
#include "batch/batch_pool.h"
#include "batch/batch_record.h"
#include "batch/batch_report.h"
#include "cli/cli.h"
#include "script/scenario.h"

static int cmd_batch(int argc, char **argv);

const CliCommand cli_batch = {
    "batch", "Run scenarios over many seeds and parameter sweeps",
    "usage: firedrill batch SCENARIO... [--seeds A..B] [--param NAME=V1,V2,... ...]\n"
    "                       [-j N] [--out DIR] [--shard K/N] [--resume]\n"
    "                       [--timeout SECONDS] [--memory SIZE]\n"
    "\n"
    "Runs every scenario at every parameter point (the cross product of the\n"
    "--param axes) for every seed in A..B, each run in its own worker process,\n"
    "N at a time. A run that crashes, hits a Lua error, loops or overruns the\n"
    "time limit is recorded as failed with its reason; the batch goes on.\n"
    "\n"
    "  --seeds A..B        seeds to run, inclusive (default 1..1; N means N..N)\n"
    "  --param NAME=V,...  one sweep axis: param(\"NAME\") takes each value in\n"
    "                      turn; may be repeated (cross product)\n"
    "  -j N                workers at once (default: the number of cores)\n"
    "  --out DIR           where the outputs go (default firedrill-batch)\n"
    "  --shard K/N         run only the runs whose index % N is K-1 (1 <= K <= N);\n"
    "                      `firedrill merge` combines the shards' DIRs\n"
    "  --resume            skip runs that DIR already holds a record of\n"
    "  --timeout SECONDS   time limit of one run (default 300; 0: none)\n"
    "  --memory SIZE       memory limit of one run's worker, like 512M or 4G\n"
    "                      (default 2G, at least 64M); an eighth of it is the\n"
    "                      scenario's own cap (Lua and the timeline it writes)\n"
    "\n"
    "Outputs in DIR, each written whole or not at all: plan.json, runs/INDEX.json\n"
    "(one record per finished run), runs.csv, summary.json (distributions and\n"
    "pass rates per scenario and parameter point), junit.xml and report.html.\n"
    "They are the same bytes whatever -j, and a merge of shards equals an\n"
    "unsharded batch. A batch holds at most 10^8 runs.\n"
    "See docs/batch.md.\n"
    "\n"
    "Exit codes: 0 every expectation met its pass rate and every run finished,\n"
    "1 an expectation fell below its pass rate or a run did not finish, 2 bad\n"
    "input or usage, 3 a system error.\n",
    cmd_batch,
};

/* ---- the worker ---- */

#define DEFAULT_MEMORY ((uint64_t)2 << 30)
#define MIN_MEMORY ((uint64_t)64 << 20)

/* "512M", "4G", "1T", "65536K" or plain bytes (binary multiples), within
 * MIN_MEMORY..1T. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s)) return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return false;
    int shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10;
    else if (*end == 'M' || *end == 'm') shift = 20;
    else if (*end == 'G' || *end == 'g') shift = 30;
    else if (*end == 'T' || *end == 't') shift = 40;
    if (shift) end++;
    if (*end == 'B' || *end == 'b') end++;
    if (*end || v > (1ull << 40) >> shift) return false;
    v <<= shift;
    if (v < MIN_MEMORY) return false;
    *out = v;
    return true;
}

/* FIREDRILL_BATCH_FAULT="crash:3,hang:5" makes the worker of seed 3 abort
 * (SIGABRT, as a failed assert would) and that of seed 5 hang: a hook for the test suite to exercise the
 * parent's handling of crashes and timeouts, which no scenario can cause.
 * Only in the test build (firedrill-faults, FD_TEST_FAULTS): the firedrill
 * people run ignores the variable. */
static void test_fault(uint64_t seed)
{
#ifndef FD_TEST_FAULTS
    (void)seed;
#else
    const char *f = getenv("FIREDRILL_BATCH_FAULT");
    if (!f) return;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", f);
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        uint64_t s;
        if (strncmp(t, "crash:", 6) == 0 && cli_parse_u64(t + 6, &s) && s == seed) abort();
        if (strncmp(t, "hang:", 5) == 0 && cli_parse_u64(t + 5, &s) && s == seed)
            for (;;) pause();
    }
#endif
}

/* `--worker --check-params`: the top level only. Exit 2 with the
 * diagnostic on stdout when a --param names no declared param; 0 otherwise,
 * also when the top level fails (the runs will record that). */
static int worker_check_params(const char *scenario, uint64_t seed, const char **params,
                               int nparams)
{
    DiagList dl;
    diag_list_init(&dl);
    ScenarioOptions o = { .path = scenario, .seed = seed, .params = params, .nparams = nparams };
    int r = scenario_check_params(&o, &dl);
    if (r == 1) diag_list_print(&dl, stdout);
    diag_list_free(&dl);
    free(params);
    return r == 1 ? FD_EXIT_USAGE : r == -3 ? FD_EXIT_SYSTEM : FD_EXIT_OK;
}

static int worker(int argc, char **argv)
{
    const char *scenario = NULL;
    uint64_t seed = 1, memory = DEFAULT_MEMORY;
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    int nparams = 0;
    bool check_params = false;
    if (!params) return FD_EXIT_SYSTEM;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--worker") == 0) continue;
        if (strcmp(argv[i], "--check-params") == 0) {
            check_params = true;
            continue;
        }
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc && cli_parse_u64(argv[i + 1], &seed)) i++;
        else if (strcmp(argv[i], "--memory") == 0 && i + 1 < argc &&
                 cli_parse_u64(argv[i + 1], &memory) && memory >= MIN_MEMORY)
            i++;
        else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) params[nparams++] = argv[++i];
        else if (!scenario && argv[i][0] != '-') scenario = argv[i];
        else {
            free(params);
            fprintf(stderr, "firedrill batch --worker: bad argument '%s'\n", argv[i]);
            return FD_EXIT_USAGE;
        }
    }
    if (!scenario) {
        free(params);
        return FD_EXIT_USAGE;
    }
#if !defined(__SANITIZE_ADDRESS__)
    /* A runaway allocation ends this run, not the machine. (AddressSanitizer
     * reserves terabytes of address space up front, so not under it.) */
    struct rlimit rl = { (rlim_t)memory, (rlim_t)memory };
    setrlimit(RLIMIT_AS, &rl);
#endif
#ifdef __linux__
    /* A batch killed with -9 takes its workers with it, even hung ones. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) return FD_EXIT_SYSTEM;
#endif
    if (check_params) return worker_check_params(scenario, seed, params, nparams);
    test_fault(seed);

    RunResult res;
    result_init(&res);
    DiagList dl;
    diag_list_init(&dl);
    ScenarioOptions o = { .path = scenario, .seed = seed, .params = params, .nparams = nparams,
                          .mem_cap = (size_t)(memory / 8) };
    int r = scenario_run(&o, &res, &dl);
    int rc;
    if (r < 0) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            diag_list_print(&dl, m);
            fclose(m);
        }
        const char *reason = text && *text ? text : r == -3 ? "out of memory" : "the run failed";
        rc = batch_worker_print_error(reason, stdout) < 0 ? FD_EXIT_SYSTEM
             : r == -3                                     ? FD_EXIT_SYSTEM
                                                           : FD_EXIT_USAGE;
        free(text);
    } else {
        rc = batch_worker_print(&res, stdout) < 0 ? FD_EXIT_SYSTEM
             : result_all_ok(&res)                ? FD_EXIT_OK
                                                  : FD_EXIT_FAIL;
    }
    diag_list_free(&dl);
    result_free(&res);
    free(params);
    return rc;
}

/* ---- progress ---- */

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct Batch {
    BatchPlan plan;
    const char *dir;
    double timeout_s;
    uint64_t memory;        /* bytes per worker */
    char exe[4096];
    int64_t *todo;          /* run indexes to run, ascending */
    int ntodo;
    char ***argvs;          /* per job, while it runs */
    bool checking;          /* jobs are the scenarios' param checks */
    int bad_params;         /* scenarios whose check failed */
    int64_t total, done, failed;  /* over the shard, counting resumed runs */
    int64_t started_done;   /* done when this process started */
    bool tty;
    double t0, last_line;
    int64_t last_done;
    int shown;              /* a progress bar is on screen */
} Batch;

/* "~40s left", "~12 min left", "~3 h 20 min left", "~9 days left". */
static void format_eta(char *buf, size_t size, double s)
{
    if (s > 1e12) s = 1e12;   /* some 30,000 years: enough for any batch's estimate */
    long n = (long)(s + 0.5);
    if (n < 90) snprintf(buf, size, "~%lds left", n);
    else if (n < 90 * 60) snprintf(buf, size, "~%ld min left", (n + 30) / 60);
    else if (n < 48 * 3600) {
        long m = (n + 30) / 60;
        snprintf(buf, size, "~%ld h %ld min left", m / 60, m % 60);
    } else snprintf(buf, size, "~%ld days left", (n + 43200) / 86400);
}

static void progress(Batch *b, bool final)
{
    double now = mono_now(), el = now - b->t0;
    int64_t ran = b->done - b->started_done, left = b->total - b->done;
    char eta[48] = "";
    if (ran > 0 && left > 0) format_eta(eta, sizeof eta, el / (double)ran * (double)left);
    if (b->tty) {
        int width = 30, fill = b->total ? (int)(width * b->done / b->total) : width;
        char bar[64];
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr, "\r[%s] %lld/%lld runs  %lld failed  %-18s", bar, (long long)b->done,
                (long long)b->total, (long long)b->failed, final ? "" : eta);
        if (final) fputc('\n', stderr);
        b->shown = 1;
        return;
    }
    int64_t every = b->total / 10 > 1 ? b->total / 10 : 1;
    if (final ? b->done != b->last_done || b->done == 0
              : b->done - b->last_done >= every || now - b->last_line >= 5.0) {
        fprintf(stderr, "firedrill batch: %lld/%lld runs done, %lld failed%s%s\n",
                (long long)b->done, (long long)b->total, (long long)b->failed, *eta ? ", " : "",
                eta);
        b->last_done = b->done;
        b->last_line = now;
    }
}

static void on_tick(void *ud)
{
    Batch *b = ud;
    if (b->tty) progress(b, false);
}

/* ---- jobs ---- */

static void free_argv(char **argv)
{
    if (!argv) return;
    for (char **a = argv; *a; a++) free(*a);
    free(argv);
}

static char **argv_for(void *ud, int job)
{
    Batch *b = ud;
    const BatchPlan *p = &b->plan;
    /* A check runs scenario `job` at the first seed and parameter point. */
    BatchRun run = b->checking ? (BatchRun){ .scenario = job, .seed = p->seed_lo, .point = 0 }
                               : batch_plan_run(p, b->todo[job]);
    int n = 9 + 2 * p->naxes + 1, k = 0;
    char **argv = calloc((size_t)n, sizeof *argv);
    if (!argv) return NULL;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)run.seed);
    char memory[32];
    snprintf(memory, sizeof memory, "%llu", (unsigned long long)b->memory);
    const char *fixed[] = { b->exe, "batch", "--worker", "--seed", seed, "--memory", memory,
                            "--check-params" };
    for (int i = 0; i < (b->checking ? 8 : 7); i++)
        if (!(argv[k++] = strdup(fixed[i]))) goto oom;
    char **params = batch_plan_point_params(p, run.point);
    if (!params) goto oom;
    for (int a = 0; a < p->naxes; a++) {
        if (!(argv[k++] = strdup("--param"))) goto oom_params;
        argv[k++] = params[a];
        params[a] = NULL;
    }
    batch_plan_free_params(params, p->naxes);
    if (!(argv[k++] = strdup(p->scenarios[run.scenario]))) goto oom;
    b->argvs[job] = argv;
    return argv;
oom_params:
    batch_plan_free_params(params, p->naxes);
oom:
    free_argv(argv);
    return NULL;
}

static int check_done(void *ud, int job, const BatchOutcome *o)
{
    Batch *b = ud;
    free_argv(b->argvs[job]);
    b->argvs[job] = NULL;
    if (o->exit_status == FD_EXIT_USAGE && !o->term_signal && !o->timed_out && !o->spawn_error) {
        fputs(o->out, stderr);
        b->bad_params++;
    }
    return 0;
}

static int job_done(void *ud, int job, const BatchOutcome *o)
{
    Batch *b = ud;
    free_argv(b->argvs[job]);
    b->argvs[job] = NULL;
    BatchRun run = batch_plan_run(&b->plan, b->todo[job]);
    json_t *rec = batch_record_make(&b->plan, &run, o, b->timeout_s);
    if (!rec) return -ENOMEM;
    int rc = batch_record_write(b->dir, run.index, rec);
    const char *st = batch_record_status(rec);
    if (strcmp(st, "ok") != 0) {
        b->failed++;
        if (strcmp(st, "failed") != 0) {
            if (b->shown) fputc('\n', stderr);
            b->shown = 0;
            const char *why = json_string_value(json_object_get(rec, "reason"));
            fprintf(stderr, "firedrill batch: run %lld (seed %llu) %s: %s\n", (long long)run.index,
                    (unsigned long long)run.seed, st, why ? why : "");
        }
    }
    json_decref(rec);
    if (rc < 0) {
        fprintf(stderr, "firedrill batch: cannot write the record of run %lld in %s: %s\n",
                (long long)run.index, b->dir, strerror(-rc));
        return rc;
    }
    b->done++;
    progress(b, false);
    return 0;
}

/* ---- the command ---- */

static bool parse_shard(const char *s, int *k, int *n)
{
    const char *slash = strchr(s, '/');
    uint64_t a, c;
    char buf[32];
    if (!slash || (size_t)(slash - s) >= sizeof buf) return false;
    memcpy(buf, s, (size_t)(slash - s));
    buf[slash - s] = 0;
    if (!cli_parse_u64(buf, &a) || !cli_parse_u64(slash + 1, &c)) return false;
    if (a < 1 || c < 1 || a > c || c > 1000000) return false;
    *k = (int)a;
    *n = (int)c;
    return true;
}

static bool parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0) || v > 1e7) return false;
    *out = v;
    return true;
}

static int cmd_batch(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--worker") == 0) return worker(argc, argv);

    Batch b;
    memset(&b, 0, sizeof b);
    batch_plan_init(&b.plan);
    b.dir = "firedrill-batch";
    b.timeout_s = 300;
    b.memory = DEFAULT_MEMORY;
    int jobs = 0, shard_k = 1, shard_n = 1;
    bool resume = false;
    int rc = FD_EXIT_USAGE;
    char err[256];
    BatchPlan old;
    batch_plan_init(&old);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        if (strcmp(a, "--seeds") == 0) {
            if (!v || batch_plan_set_seeds(&b.plan, v) < 0) {
                cli_usage_error("batch", "--seeds needs A..B (whole numbers, A <= B, at most 10^8 seeds)");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--param") == 0) {
            if (!v) {
                cli_usage_error("batch", "--param needs NAME=V1,V2,...");
                goto out;
            }
            int r = batch_plan_add_axis(&b.plan, v, err, sizeof err);
            if (r == -ENOMEM) { rc = FD_EXIT_SYSTEM; goto out; }
            if (r < 0) {
                cli_usage_error("batch", "%s", err);
                goto out;
            }
            i++;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            if (!v || !cli_parse_u64(v, &u) || u < 1 || u > 4096) {
                cli_usage_error("batch", "%s needs a number of workers (1 or more)", a);
                goto out;
            }
            jobs = (int)u;
            i++;
        } else if (strncmp(a, "-j", 2) == 0 && cli_parse_u64(a + 2, &u) && u >= 1 && u <= 4096) {
            jobs = (int)u;
        } else if (strcmp(a, "--out") == 0) {
            if (!v) {
                cli_usage_error("batch", "--out needs a directory");
                goto out;
            }
            b.dir = v;
            i++;
        } else if (strcmp(a, "--shard") == 0) {
            if (!v || !parse_shard(v, &shard_k, &shard_n)) {
                cli_usage_error("batch", "--shard needs K/N with 1 <= K <= N");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--resume") == 0) {
            resume = true;
        } else if (strcmp(a, "--memory") == 0) {
            if (!v || !parse_size(v, &b.memory)) {
                cli_usage_error("batch", "--memory needs a size from 64M to 1T, like 512M or 4G");
                goto out;
            }
            i++;
        } else if (strcmp(a, "--timeout") == 0) {
            if (!v || !parse_seconds(v, &b.timeout_s)) {
                cli_usage_error("batch", "--timeout needs a number of seconds");
                goto out;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("batch", "unknown option '%s'", a);
            goto out;
        } else {
            char *path = cli_scenario_path(a);
            if (!path || batch_plan_add_scenario(&b.plan, path) < 0) {
                free(path);
                rc = FD_EXIT_SYSTEM;
                goto out;
            }
            if (access(path, R_OK) != 0) {
                fprintf(stderr, "firedrill batch: cannot read the scenario file %s: %s\n", path,
                        strerror(errno));
                free(path);
                goto out;
            }
            free(path);
        }
    }
    if (b.plan.nscenarios == 0) {
        cli_usage_error("batch", "which scenarios?");
        goto out;
    }
    if (batch_plan_total(&b.plan) > FD_BATCH_MAX_RUNS) {
        cli_usage_error("batch", "more than 10^8 runs (scenarios x parameter points x seeds)");
        goto out;
    }

    rc = FD_EXIT_SYSTEM;
    int r;
    if ((r = batch_pool_exepath(b.exe, sizeof b.exe)) < 0) {
        fprintf(stderr, "firedrill batch: cannot find my own executable: %s\n", strerror(-r));
        goto out;
    }
    /* A --param that a scenario does not declare would fail every run: say
     * so now, before DIR is touched. Each scenario's top level runs in a
     * worker, like any run. */
    if (b.plan.naxes) {
        b.argvs = calloc((size_t)b.plan.nscenarios + 1, sizeof *b.argvs);
        if (!b.argvs) goto out;
        b.checking = true;
        BatchPoolOptions co = { .njobs = b.plan.nscenarios, .parallel = jobs,
                                .timeout_s = b.timeout_s, .argv_for = argv_for,
                                .done = check_done, .ud = &b };
        r = batch_pool_run(&co);
        free(b.argvs);
        b.argvs = NULL;
        b.checking = false;
        if (r < 0) {
            fprintf(stderr, "firedrill batch: %s\n", strerror(-r));
            goto out;
        }
        if (b.bad_params) {
            rc = FD_EXIT_USAGE;
            goto out;
        }
    }
    char runs_dir[4096];
    snprintf(runs_dir, sizeof runs_dir, "%s/runs", b.dir);
    r = fd_mkdir_p(runs_dir);
    if (r < 0) {
        fprintf(stderr, "firedrill batch: cannot create %s: %s\n", runs_dir, strerror(-r));
        goto out;
    }
    char why[1024];
    r = batch_plan_read(&old, b.dir, why, sizeof why);
    if (r == 0 && !batch_plan_equal(&old, &b.plan)) {
        fprintf(stderr, "firedrill batch: %s holds another batch (its plan.json differs);\n"
                "use another --out, or remove %s first\n", b.dir, b.dir);
        rc = FD_EXIT_USAGE;
        goto out;
    }
    if (r < 0 && r != -ENOENT) {
        if (r == -EINVAL) fprintf(stderr, "%s\n", why);
        fprintf(stderr, "firedrill batch: %s/plan.json is unreadable; remove it or use another --out\n",
                b.dir);
        rc = FD_EXIT_USAGE;
        goto out;
    }
    if ((r = batch_plan_write(&b.plan, b.dir)) < 0) {
        fprintf(stderr, "firedrill batch: cannot write %s/plan.json: %s\n", b.dir, strerror(-r));
        goto out;
    }
    /* The runs of this shard, minus those already recorded when resuming. */
    int64_t total = batch_plan_total(&b.plan);
    assert(total >= 0 && total <= FD_BATCH_MAX_RUNS);   /* refused above */
    b.todo = calloc((size_t)total + 1, sizeof *b.todo);
    b.argvs = calloc((size_t)total + 1, sizeof *b.argvs);
    if (!b.todo || !b.argvs) goto out;
    for (int64_t i = shard_k - 1; i < total; i += shard_n) {
        b.total++;
        json_t *rec;
        if (resume && batch_record_read(b.dir, &b.plan, i, &rec, NULL, 0) == 0) {
            b.done++;
            if (strcmp(batch_record_status(rec), "ok") != 0) b.failed++;
            json_decref(rec);
            continue;
        }
        b.todo[b.ntodo++] = i;
    }
    b.started_done = b.done;
    b.tty = isatty(STDERR_FILENO);
    b.t0 = b.last_line = mono_now();
    if (resume && b.done)
        fprintf(stderr, "firedrill batch: resuming: %lld of %lld runs already done\n",
                (long long)b.done, (long long)b.total);

    BatchPoolOptions po = {
        .njobs = b.ntodo, .parallel = jobs, .timeout_s = b.timeout_s,
        .argv_for = argv_for, .done = job_done, .tick = on_tick, .tick_s = 0.25, .ud = &b,
    };
    r = batch_pool_run(&po);
    progress(&b, true);
    if (r < 0) {
        fprintf(stderr, "firedrill batch: %s\n", strerror(-r));
        goto out;
    }

    BatchVerdict v;
    r = batch_report_write(&b.plan, b.dir, shard_k, shard_n, b.started_done > 0, &v);
    if (r < 0) {
        if (r == -ENOENT)
            fprintf(stderr, "firedrill batch: %lld runs have no record in %s\n",
                    (long long)v.missing, b.dir);
        else if (r == -ESTALE) {
            BatchRun run = batch_plan_run(&b.plan, v.stale);
            fprintf(stderr, "firedrill batch: %s: runs %lld and %lld of one parameter point "
                    "read different files: the scenario, its topology or a file it reads "
                    "changed since %s was started, and its records would mix the two.\n"
                    "Nothing was aggregated. Run again without --resume to start over, "
                    "or into another --out.\n", b.plan.scenarios[run.scenario],
                    (long long)v.stale_other, (long long)v.stale, b.dir);
            rc = FD_EXIT_USAGE;
        } else
            fprintf(stderr, "firedrill batch: cannot write the reports in %s: %s\n", b.dir,
                    strerror(-r));
        goto out;
    }
    batch_print_figures(b.dir, stdout);
    fflush(stdout);
    fprintf(stderr, "firedrill batch: %lld runs, %lld did not finish; %d of %d groups pass\n",
            (long long)v.runs, (long long)v.bad, v.groups - v.groups_failed, v.groups);
    rc = v.groups_failed ? FD_EXIT_FAIL : FD_EXIT_OK;
out:
    if (b.argvs)
        for (int i = 0; i < b.ntodo; i++) free_argv(b.argvs[i]);
    free(b.argvs);
    free(b.todo);
    batch_plan_free(&old);
    batch_plan_free(&b.plan);
    return rc;
}
