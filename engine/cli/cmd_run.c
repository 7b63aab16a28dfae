/*
 * cmd_run.c: `firedrill run`, one scenario from start to end.
 *
 * Prints the incident-review timeline, the summary and the expectations;
 * with --out writes events.jsonl and summary.json (each atomically, so an
 * interrupted run leaves the previous outputs whole). Exit code: 0 when
 * every expectation holds, 1 when one fails, 2 on bad input, 3 on a system
 * error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "base/atomic_file.h"
#include "cli/cli.h"
#include "report/metrics_csv.h"
#include "report/run_json.h"
#include "report/timeline.h"
#include "script/scenario.h"

const CliCommand cli_run = {
    "run", "Run a scenario and print its incident timeline",
    "usage: firedrill run SCENARIO [--seed N] [--param NAME=VALUE ...] [--out DIR]\n"
    "                     [--quiet] [--json]\n"
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
    "  --out DIR           also write DIR/events.jsonl, DIR/summary.json and\n"
    "                      DIR/metrics.csv (each written whole or not at all)\n"
    "  --quiet             leave out the timeline: print the summary and the\n"
    "                      expectations only\n"
    "  --json              print the summary as JSON instead of the timeline\n"
    "\n"
    "Exit codes: 0 every expectation holds, 1 an expectation failed, 2 bad\n"
    "input (the scenario, its topology or an option), 3 a system error.\n",
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

/* Runs the scenario in slices of simulated time so that, on a terminal, a
 * run that takes more than a second shows where it is. The slicing does
 * not change the run: the kernel does the same events in the same order. */
static int run_with_progress(const ScenarioOptions *o, RunResult *res, DiagList *dl, bool show)
{
    Scenario *s;
    int rc = scenario_open(&s, o, res, dl);
    double t0 = wall_now();
    bool shown = false;
    if (rc == 0) {
        SimTime end = scenario_duration(s), step = end / 200 > FD_SEC ? end / 200 : FD_SEC;
        for (SimTime t = step; (rc = scenario_advance(s, t)) == 0; t += step) {
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
    scenario_close(s);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    const char *scenario = NULL, *out = NULL;
    uint64_t seed = 1;
    bool quiet = false, json = false;
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    int nparams = 0;
    if (!params) return FD_EXIT_SYSTEM;
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
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
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
    if (!path) { rc = FD_EXIT_SYSTEM; goto done; }
    RunResult res;
    result_init(&res);
    DiagList dl;
    diag_list_init(&dl);
    ScenarioOptions o = { .path = path, .seed = seed, .params = params, .nparams = nparams };
    MetricsCsv mc = { 0 };
    if (out) {
        char mp[4096];
        snprintf(mp, sizeof mp, "%s/metrics.csv", out);
        if (fd_mkdir_p(out) < 0 || metrics_csv_open(&mc, mp) < 0) {
            fprintf(stderr, "firedrill run: cannot write to %s\n", out);
            rc = FD_EXIT_SYSTEM;
            diag_list_free(&dl);
            free(path);
            goto done;
        }
        o.on_interval = metrics_csv_interval;
        o.ud = &mc;
    }
    int r = run_with_progress(&o, &res, &dl, !quiet && !json && isatty(STDERR_FILENO));
    if (r < 0) metrics_csv_abort(&mc);
    diag_list_print(&dl, stderr);
    if (r == -3) {
        fprintf(stderr, "firedrill run: out of memory\n");
        rc = FD_EXIT_SYSTEM;
    } else if (r < 0) {
        rc = FD_EXIT_USAGE;
    } else {
        if (json) timeline_print_json(&res, stdout);
        else if (quiet) {
            RunResult only = res;
            only.nevents = 0;
            timeline_print(&only, stdout, false);
        } else {
            timeline_print(&res, stdout, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
        }
        rc = result_all_ok(&res) ? FD_EXIT_OK : FD_EXIT_FAIL;
        if (out) {
            char p1[4096], p2[4096];
            snprintf(p1, sizeof p1, "%s/events.jsonl", out);
            snprintf(p2, sizeof p2, "%s/summary.json", out);
            if (metrics_csv_commit(&mc) < 0 || run_write_events_jsonl(&res, p1) < 0 ||
                run_write_summary(&res, p2) < 0) {
                fprintf(stderr, "firedrill run: cannot write to %s\n", out);
                rc = FD_EXIT_SYSTEM;
            }
        }
    }
    diag_list_free(&dl);
    result_free(&res);
    free(path);
done:
    free(params);
    return rc;
}
