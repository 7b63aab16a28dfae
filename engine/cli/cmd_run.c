/*
 * cmd_run.c: `firedrill run`, one scenario from start to end.
 *
 * Prints the incident-review timeline, the summary and the expectations;
 * with --out writes events.jsonl and summary.json (each atomically, so an
 * interrupted run leaves the previous outputs whole). Exit code: 0 when
 * every expectation holds, 1 when one fails, 2 on bad input, 3 on a system
 * error.
 *
 * With --watch it runs the scenario, then runs it again each time a file
 * in the scenario's folder or its topology's folder changes, and after
 * each re-run prints how the summary moved (report/summary_diff.h). The
 * folder watch itself is live/watch.h; this file only says what a run is.
 * Errors in the scenario are printed and the watch goes on; Ctrl-C ends it
 * with exit code 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/atomic_file.h"
#include "cli/cli.h"
#include "live/watch.h"
#include "report/outputs.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/metrics_csv.h"
#include "report/run_json.h"
#include "report/summary_diff.h"
#include "report/timeline.h"
#include "script/scenario.h"

const CliCommand cli_run = {
    "run", "Run a scenario and print its incident timeline",
    "usage: firedrill run SCENARIO [--seed N] [--param NAME=VALUE ...] [--out DIR]\n"
    "                     [--quiet] [--json] [--watch] [--time-limit SECONDS]\n"
    "\n"
    "Runs the Lua scenario SCENARIO (a file, or a folder holding scenario.lua)\n"
    "against the topology it names, then prints the incident-review timeline in\n"
    "the scenario's local time, a summary (incident start, detection,\n"
    "mitigation, recovery; availability and peak-to-baseline per entry point;\n"
    "deadlocks; customers affected) and the expectations.\n"
    "\n"
    "  --seed N            the run's seed (default 1); the same seed and inputs\n"
    "                      give byte-identical output\n"
    "  --param NAME=VALUE  override a param(\"NAME\", default) of the scenario;\n"
    "                      may be repeated\n"
    "  --out DIR           also write DIR/events.jsonl, DIR/summary.json,\n"
    "                      DIR/metrics.csv, DIR/junit.xml, DIR/report.html and\n"
    "                      DIR/topology.yaml (a copy, so that `firedrill report\n"
    "                      DIR` can draw the graph from DIR alone); each\n"
    "                      written whole or not at all\n"
    "  --quiet             leave out the timeline: print the summary and the\n"
    "                      expectations only\n"
    "  --json              print the summary as JSON instead of the timeline\n"
    "  --watch             run, then run again whenever a .lua, .yaml, .yml or\n"
    "                      .csv file in the scenario's folder or its topology's\n"
    "                      folder changes. The first run prints its report;\n"
    "                      each re-run prints only what changed: timeline\n"
    "                      lines gone (-) and new (+), expectations that\n"
    "                      flipped, the incident clock, availability per\n"
    "                      entry point. Errors are printed\n"
    "                      and the watch goes on; Ctrl-C ends it (exit 0)\n"
    "  --time-limit SECONDS  stop a run that takes longer than this in wall-clock\n"
    "                      time, with a located error and exit 2 (default 300;\n"
    "                      0: no limit); with --watch, each run has its own\n"
    "\n"
    "An interrupted run (Ctrl-C, SIGTERM) leaves no temporary files behind.\n"
    "\n"
    "Exit codes: 0 every expectation holds, 1 an expectation failed, 2 bad\n"
    "input (the scenario, its topology or an option), 3 a system error. With\n"
    "--watch: 0 when stopped by Ctrl-C, 2 for a bad option or folder, 3 when\n"
    "the folders cannot be watched.\n",
    cmd_run,
};

char *cli_scenario_path(const char *arg)
{
    size_t n = strlen(arg);
    char *p = malloc(n + 16);
    if (!p) return NULL;
    memcpy(p, arg, n + 1);
    while (n > 1 && p[n - 1] == '/') p[--n] = 0;
    if (n < 4 || strcmp(p + n - 4, ".lua") != 0) strcat(p, "/scenario.lua");
    return p;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* run_with_progress() gave up because the user asked to stop (--watch). */
#define RUN_CANCELLED (-4)

/* Runs the scenario in slices of simulated time so that, on a terminal, a
 * run that takes more than a second shows where it is. The slicing does
 * not change the run: the kernel does the same events in the same order.
 * Between slices `cancel` (when not NULL) may end the run early, which
 * returns RUN_CANCELLED. */
static int run_with_progress(Scenario **sp, const ScenarioOptions *o, RunResult *res, DiagList *dl,
                             bool show, bool (*cancel)(void *), void *cud)
{
    Scenario *s;
    int rc = scenario_open(&s, o, res, dl);
    *sp = s;
    double t0 = wall_now();
    bool shown = false;
    if (rc == 0) {
        SimTime end = scenario_duration(s), step = end / 200 > FD_SEC ? end / 200 : FD_SEC;
        for (SimTime t = step; (rc = scenario_advance(s, t)) == 0; t += step) {
            if (cancel && cancel(cud)) {
                rc = RUN_CANCELLED;
                break;
            }
            if (cli_time_up()) {
                /* The model, not the script, was busy when the limit came. */
                char clock[16];
                result_clock(res, scenario_now(s), true, clock, sizeof clock);
                FdLoc at = { o->path, 0, 0 };
                diag_error(dl, at, "scenario stopped: its wall-clock time limit ran out "
                           "(see --time-limit) (at %s)", clock);
                rc = -1;
                break;
            }
            double el = wall_now() - t0;
            if (show && el > 1.0) {
                char clock[16];
                result_clock(res, scenario_now(s), false, clock, sizeof clock);
                fprintf(stderr, "\r  %s  %3.0f%% of the drill  %.1fs", clock,
                        100.0 * (double)scenario_now(s) / (double)end, el);
                shown = true;
            }
        }
        if (rc == 1) rc = scenario_finish(s);
    }
    if (shown) fprintf(stderr, "\r%60s\r", "");
    return rc;
}

/* What one `run` is, parsed from the command line. */
typedef struct RunSetup {
    const char *out;
    const char *path;         /* the scenario file */
    uint64_t seed;
    const char **params;
    int nparams;
    bool quiet, json;
    double time_limit;        /* seconds of wall-clock time per run; 0: none */
    bool silent;              /* --watch's re-runs: print no report, only diagnostics */
} RunSetup;

/* One run: runs the scenario, prints its diagnostics or its report and
 * writes the outputs. Returns the exit code, or RUN_CANCELLED. `res` must
 * be initialised; the caller frees it. When `topo` is not NULL it receives
 * the topology file's path (or "" when the run never got that far), and
 * `*reported` whether the run got as far as its summary. */
static int run_once(const RunSetup *rs, RunResult *res, char *topo, size_t topo_size,
                    bool *reported, bool (*cancel)(void *), void *cud)
{
    int rc;
    DiagList dl;
    diag_list_init(&dl);
    ScenarioOptions o = { .path = rs->path, .seed = rs->seed, .params = rs->params,
                          .nparams = rs->nparams };
    const char *out = rs->out;
    MetricsCsv mc = { 0 };
    if (topo) topo[0] = 0;
    if (reported) *reported = false;
    if (out) {
        char mp[4096];
        snprintf(mp, sizeof mp, "%s/metrics.csv", out);
        int e = fd_mkdir_p(out);
        if (e == 0) e = metrics_csv_open(&mc, mp);
        if (e < 0) {
            fprintf(stderr, "firedrill run: cannot write to %s: %s\n", out, strerror(-e));
            diag_list_free(&dl);
            return FD_EXIT_SYSTEM;
        }
        o.on_interval = metrics_csv_interval;
        o.ud = &mc;
    }
    Scenario *sc = NULL;
    cli_time_limit_start("run", rs->time_limit);
    int r = run_with_progress(&sc, &o, res, &dl, !rs->quiet && !rs->json && isatty(STDERR_FILENO),
                              cancel, cud);
    cli_time_limit_stop();
    if (topo && sc && scenario_topo(sc)->file) snprintf(topo, topo_size, "%s", scenario_topo(sc)->file);
    if (r < 0) metrics_csv_abort(&mc);
    diag_list_print(&dl, stderr);
    if (r == RUN_CANCELLED) {
        rc = RUN_CANCELLED;
    } else if (r == -3) {
        fprintf(stderr, "firedrill run: out of memory\n");
        rc = FD_EXIT_SYSTEM;
    } else if (r < 0) {
        rc = FD_EXIT_USAGE;
    } else {
        if (reported) *reported = true;
        bool color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        if (rs->silent) {
            /* the watch prints what changed instead */
        } else if (rs->json) timeline_print_json(res, stdout);
        else if (rs->quiet) timeline_print_summary(res, stdout, color);
        else timeline_print(res, stdout, color);
        rc = result_all_ok(res) ? FD_EXIT_OK : FD_EXIT_FAIL;
        if (out) {
            int e = outputs_write(res, scenario_topo(sc), out, &mc);
            if (e < 0) {
                fprintf(stderr, "firedrill run: cannot write to %s: %s\n", out, strerror(-e));
                rc = FD_EXIT_SYSTEM;
            }
        }
    }
    scenario_close(sc);
    diag_list_free(&dl);
    return rc;
}

/* ---- --watch ---- */

typedef struct WatchRun {
    const RunSetup *rs;
    RunResult prev;           /* the last run that got to its summary */
    bool have_prev;
    int nruns, prev_run;
} WatchRun;

/* The folder of a file path, into buf ("." for a bare name). */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, size, ".");
    else if (slash == path) snprintf(buf, size, "/");
    else snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

static bool watch_cancel(void *ud) { return watch_stop_requested(ud); }

static bool same_event(const RunEvent *a, const RunEvent *b)
{
    return a->t == b->t && a->kind == b->kind && strcmp(a->text, b->text) == 0;
}

/* The timeline lines of `a` that `b` does not have, each prefixed with
 * `mark`; at most `cap`. Returns how many there were. */
static int timeline_only_in(const RunResult *a, const RunResult *b, const char *mark, int cap,
                            FILE *out)
{
    int n = 0;
    for (int i = 0; i < a->nevents; i++) {
        bool found = false;
        for (int j = 0; j < b->nevents && !found; j++) found = same_event(&a->events[i], &b->events[j]);
        if (found) continue;
        if (n < cap) {
            char when[16];
            result_clock(a, a->events[i].t, false, when, sizeof when);
            fprintf(out, "  %s %s  ", mark, when);
            for (const char *p = a->events[i].text; *p; p++)
                fputc((unsigned char)*p < 0x20 ? '?' : *p, out);
            fputc('\n', out);
        }
        n++;
    }
    if (n > cap) fprintf(out, "  %s ... and %d more\n", mark, n - cap);
    return n;
}

static int watch_rerun(Watch *w, void *ud)
{
    WatchRun *wr = ud;
    const RunSetup *rs = wr->rs;
    /* With --json stdout is the JSON; what the watch says goes aside. */
    FILE *info = rs->json ? stderr : stdout;
    wr->nruns++;
    if (wr->nruns > 1) {
        char when[16] = "";
        time_t now = time(NULL);
        struct tm tm;
        if (localtime_r(&now, &tm)) strftime(when, sizeof when, "%H:%M:%S", &tm);
        fprintf(info, "\n=== firedrill: a file changed, run %d (at %s) ===\n\n", wr->nruns, when);
        fflush(info);
    }
    RunResult res;
    result_init(&res);
    char topo[4096];
    bool reported;
    /* After a first report, a re-run prints what changed, not it all again. */
    RunSetup quiet = *rs;
    quiet.silent = wr->have_prev && !rs->json;
    int rc = run_once(&quiet, &res, topo, sizeof topo, &reported, watch_cancel, w);
    if (topo[0]) {
        char dir[4096];
        dir_of(topo, dir, sizeof dir);
        int arc = watch_add_dir(w, dir);
        if (arc < 0)
            fprintf(stderr, "firedrill run: cannot watch %s: %s\n", dir, watch_strerror(arc));
    }
    if (rc == RUN_CANCELLED) {
        result_free(&res);
        return 0;
    }
    if (rc == FD_EXIT_USAGE) {
        fprintf(info, "\nrun %d stopped on the errors above; fix them and save to run again\n",
                wr->nruns);
    } else if (!reported) {
        fprintf(info, "\nrun %d failed; save a file to try again\n", wr->nruns);
    } else {
        if (wr->have_prev) {
            fprintf(info, "\nchanges since run %d:\n", wr->prev_run);
            if (!rs->json) {
                int gone = timeline_only_in(&wr->prev, &res, "-", 20, info);
                int added = timeline_only_in(&res, &wr->prev, "+", 20, info);
                if (gone + added == 0) fputs("  no change in the timeline\n", info);
            }
            summary_diff_print(&wr->prev, &res, info);
            result_free(&wr->prev);
        }
        wr->prev = res;
        wr->have_prev = true;
        wr->prev_run = wr->nruns;
        result_init(&res);
    }
    result_free(&res);
    fprintf(info, "\nwatching %d folder%s for changes; Ctrl-C to stop\n", watch_ndirs(w),
            watch_ndirs(w) == 1 ? "" : "s");
    fflush(info);
    fflush(stdout);
    return 0;
}

static int run_watch(const RunSetup *rs)
{
    char dir[4096];
    dir_of(rs->path, dir, sizeof dir);
    const char *dirs[] = { dir };
    /* Outputs written into a watched folder must not start the next run:
     * of them only metrics.csv has a watched suffix. */
    static const char *const outputs[] = { "metrics.csv" };
    bool ignore_outputs = false;
    if (rs->out) {
        struct stat a, b;
        ignore_outputs = fd_mkdir_p(rs->out) == 0 && stat(rs->out, &a) == 0 &&
                         stat(dir, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    }
    WatchRun wr = { .rs = rs };
    result_init(&wr.prev);
    WatchOptions wo = { .dirs = dirs, .ndirs = 1, .ignore = ignore_outputs ? outputs : NULL,
                        .nignore = ignore_outputs ? 1 : 0, .run = watch_rerun, .ud = &wr };
    int rc = watch_loop(&wo);
    result_free(&wr.prev);
    if (rc < 0) {
        fprintf(stderr, "firedrill run: cannot watch %s: %s\n", dir, watch_strerror(rc));
        return watch_error_is_input(rc) ? FD_EXIT_USAGE : FD_EXIT_SYSTEM;
    }
    return FD_EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
    const char *scenario = NULL, *out = NULL;
    uint64_t seed = 1;
    bool quiet = false, json = false, watch = false;
    double time_limit = FD_DEFAULT_TIME_LIMIT;
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    int nparams = 0;
    if (!params) {
        fprintf(stderr, "firedrill run: out of memory\n");
        return FD_EXIT_SYSTEM;
    }
    int rc = FD_EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--seed") == 0) {
            if (i + 1 >= argc || !cli_parse_u64(argv[i + 1], &seed)) {
                cli_usage_error("run", "--seed needs a whole number");
                goto done;
            }
            i++;
        } else if (strcmp(a, "--param") == 0) {
            if (i + 1 >= argc || !strchr(argv[i + 1], '=') || argv[i + 1][0] == '=') {
                cli_usage_error("run", "--param needs NAME=VALUE");
                goto done;
            }
            params[nparams++] = argv[++i];
        } else if (strcmp(a, "--out") == 0) {
            if (i + 1 >= argc) {
                cli_usage_error("run", "--out needs a directory");
                goto done;
            }
            out = argv[++i];
        } else if (strcmp(a, "--time-limit") == 0) {
            if (i + 1 >= argc || !cli_parse_time_limit(argv[i + 1], &time_limit)) {
                cli_usage_error("run", "--time-limit needs a number of seconds (0: none)");
                goto done;
            }
            i++;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--watch") == 0) {
            watch = true;
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("run", "unknown option '%s'", a);
            goto done;
        } else if (scenario) {
            cli_usage_error("run", "one scenario at a time (got '%s' and '%s')", scenario, a);
            goto done;
        } else {
            scenario = a;
        }
    }
    if (!scenario) {
        cli_usage_error("run", "which scenario?");
        goto done;
    }

    char *path = cli_scenario_path(scenario);
    if (!path) {
        fprintf(stderr, "firedrill run: out of memory\n");
        rc = FD_EXIT_SYSTEM;
        goto done;
    }
    RunSetup rs = { .out = out, .path = path, .seed = seed, .params = params,
                    .nparams = nparams, .quiet = quiet, .json = json,
                    .time_limit = time_limit };
    if (watch) {
        rc = run_watch(&rs);
    } else {
        RunResult res;
        result_init(&res);
        rc = run_once(&rs, &res, NULL, 0, NULL, NULL, NULL);
        result_free(&res);
    }
    free(path);
done:
    free(params);
    return rc;
}
