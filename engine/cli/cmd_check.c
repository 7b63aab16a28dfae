/*
 * cmd_check.c: `firedrill check`, a topology's static analyses.
 *
 * Loads the file, then runs model/topo_check over it: request-path and
 * recovery-path cycles, blast radius, single points of failure and capacity
 * headroom against a surge. Diagnostics (the loader's and the analyses')
 * go to stderr as file:line:col, like a compiler's, so editors can jump to
 * them; the human summary goes to stdout. The summary is built in memory
 * and printed after the diagnostics, so that on a terminal it is the last
 * thing on the screen and in a pipe the two streams stay separable.
 */
#include <sys/stat.h>
#include "script/scenario.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "load/topo_load.h"
#include "model/topo_check.h"
#include "report/check_report.h"

static int cmd_check(int argc, char **argv);

const CliCommand cli_check = {
    "check", "Check a topology: cycles, blast radius, single points of failure, headroom",
    "usage: firedrill check TOPOLOGY|SCENARIO [--surge F] [--strict]\n"
    "                       [--time-limit SECONDS]\n"
    "\n"
    "Loads a topology file, or a scenario (a .lua file or its folder: its top\n"
    "level runs, so every name it uses is checked, and its topology is\n"
    "loaded; then every call of an API function anywhere in the file,\n"
    "callbacks included, is checked: the function's name, literal option\n"
    "keys, and literal names of services, regions, configuration items,\n"
    "sources, teams and alerts), and analyses the topology without\n"
    "simulating:\n"
    "  - request-path cycles in the calls graph (errors);\n"
    "  - recovery-path cycles: a service that runs on a platform which needs\n"
    "    that service to schedule it cannot come back after a crash (warnings);\n"
    "  - the blast radius of each service and config item: the entry points\n"
    "    that fail when it fails (and those that cannot recover when it is a\n"
    "    platform that is down);\n"
    "  - single points of failure: a component with a blast radius and no\n"
    "    redundancy (one region while its entry points span several, or a\n"
    "    single instance), shared components called out;\n"
    "  - capacity per service and region against a surge of F times the\n"
    "    steady load, counting autoscaling up to its max.\n"
    "\n"
    "Diagnostics go to stderr as FILE:LINE:COL: error|warning|note: message;\n"
    "the summary tables go to stdout.\n"
    "\n"
    "  --surge F   check capacity against F x the steady load (default 1)\n"
    "  --strict    exit 1 when there are warnings\n"
    "  --time-limit SECONDS  stop a scenario's top level that runs longer than\n"
    "              this in wall-clock time, with a located error and exit 2\n"
    "              (default 300; 0: no limit)\n"
    "\n"
    "Exit: 0 no errors; 1 warnings with --strict; 2 errors, an unreadable\n"
    "file or bad usage; 3 a system error.\n",
    cmd_check,
};

static bool parse_surge(const char *s, double *out)
{
    if (!s || !*s) return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || !(v > 0)) return false;
    *out = v;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmd_check(int argc, char **argv)
{
    TopoCheckOptions o;
    topo_check_options_init(&o);
    bool strict = false;
    double time_limit = FD_DEFAULT_TIME_LIMIT;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--strict") == 0) {
            strict = true;
        } else if (strcmp(argv[i], "--surge") == 0) {
            if (i + 1 >= argc || !parse_surge(argv[i + 1], &o.surge)) {
                cli_usage_error("check", "--surge needs a positive number, e.g. --surge 9");
                return FD_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(argv[i], "--time-limit") == 0) {
            if (i + 1 >= argc || !cli_parse_time_limit(argv[i + 1], &time_limit)) {
                cli_usage_error("check", "--time-limit needs a number of seconds (0: none)");
                return FD_EXIT_USAGE;
            }
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_usage_error("check", "unknown option '%s'", argv[i]);
            return FD_EXIT_USAGE;
        } else if (path) {
            cli_usage_error("check", "expected one file, got '%s' and '%s'", path, argv[i]);
            return FD_EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        cli_usage_error("check", "expected a topology file");
        return FD_EXIT_USAGE;
    }
    Topo t;
    topo_init(&t);
    DiagList dl;
    diag_list_init(&dl);
    char *summary = NULL;
    size_t summary_len = 0;
    int rc = FD_EXIT_OK;
    int lrc;
    const Topo *checked = &t;
    Scenario *sc = NULL;
    RunResult res;
    result_init(&res);
    char *spath = NULL;
    struct stat st;
    cli_time_limit_start("check", time_limit);
    if (ends_with(path, ".lua") || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        /* A scenario: run its top level (which checks every name it uses
         * and loads its topology), then check that topology. */
        spath = cli_scenario_path(path);
        ScenarioOptions so = { .path = spath, .seed = 1 };
        lrc = spath ? scenario_open(&sc, &so, &res, &dl) : -3;
        if (lrc == -3) {
            diag_list_print(&dl, stderr);
            fprintf(stderr, "firedrill check: out of memory\n");
            rc = FD_EXIT_SYSTEM;
            goto out;
        }
        if (lrc == 0) {
            checked = scenario_topo(sc);
            /* The top level ran; now every call in the file, callbacks too. */
            if (scenario_lint(sc, &dl) == -3) {
                diag_list_print(&dl, stderr);
                fprintf(stderr, "firedrill check: out of memory\n");
                rc = FD_EXIT_SYSTEM;
                goto out;
            }
        }
    } else {
        lrc = topo_load_file(&t, path, &dl);
    }
    cli_time_limit_stop();
    if (lrc == 0) {
        FILE *mem = open_memstream(&summary, &summary_len);
        TopoAnalysis an;
        int crc = mem ? topo_check(checked, &o, &dl, &an) : -1;
        if (crc == 0) {
            check_report_write(mem, checked, &an, o.surge, &dl);
            topo_analysis_free(&an);
        }
        if (mem && fclose(mem) != 0) crc = -1;
        if (crc < 0) {
            diag_list_print(&dl, stderr);
            fprintf(stderr, "firedrill check: out of memory\n");
            rc = FD_EXIT_SYSTEM;
            goto out;
        }
    }
    if (lrc == -3) {
        /* The loader ran out of memory: a system error, not bad input. */
        diag_list_print(&dl, stderr);
        fprintf(stderr, "firedrill check: out of memory\n");
        rc = FD_EXIT_SYSTEM;
        goto out;
    }
    diag_list_print(&dl, stderr);
    if (summary) fputs(summary, stdout);
    if (lrc != 0 || dl.errors > 0) rc = FD_EXIT_USAGE;
    else if (strict && dl.warnings > 0) rc = FD_EXIT_FAIL;
out:
    free(summary);
    diag_list_free(&dl);
    scenario_close(sc);
    result_free(&res);
    free(spath);
    topo_free(&t);
    return rc;
}
