/*
 * cmd_report.c: `firedrill report DIR`, report.html again from a run's files.
 *
 * Reads DIR/summary.json and DIR/events.jsonl back into a RunResult
 * (report/run_read.h) and streams DIR/metrics.csv into the page, the same
 * writer `firedrill run --out` uses, so the page comes out byte for byte as
 * the run wrote it. The dependency graph needs the topology: the scenario
 * that summary.json names is opened (its top level only, with the run's
 * params, nothing simulated) to get it; when it cannot be, the graph is
 * drawn from the services metrics.csv names, without edges, and a note
 * says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "load/topo_load.h"
#include "report/html.h"
#include "report/run_read.h"
#include "script/scenario.h"

static int cmd_report(int argc, char **argv);

const CliCommand cli_report = {
    "report", "Rebuild report.html from the files of a run",
    "usage: firedrill report DIR\n"
    "\n"
    "Writes DIR/report.html again from DIR/summary.json, DIR/events.jsonl and\n"
    "DIR/metrics.csv, the files `firedrill run --out DIR` leaves. The page is\n"
    "one self-contained HTML file (inline CSS and SVG, nothing fetched): the\n"
    "run's header, the incident clock, the expectations, charts of\n"
    "availability, traffic against capacity, errors by cause, p99 latency and\n"
    "instances by state, the dependency graph coloured by state before the\n"
    "incident, at its worst point and at the end, and the timeline.\n"
    "\n"
    "The topology for the graph comes from DIR/topology.yaml, the copy the run\n"
    "left there, so the command works from any folder; without it, from the\n"
    "scenario summary.json names (its path as the run was given it); without\n"
    "either the graph shows the services and no edges. For the same files\n"
    "the page is byte-identical to the run's.\n"
    "\n"
    "Problems with the files go to stderr as FILE:LINE:COL: error: message.\n"
    "\n"
    "Exit: 0 written; 2 a missing or malformed file, or bad usage; 3 a\n"
    "system error (report.html cannot be written).\n",
    cmd_report,
};

/* metrics.csv must exist and start with the header: checked before the
 * writer runs, so a bad input is told apart from a failed write. */
static int check_metrics(const char *path, DiagList *dl)
{
    const char *file = diag_intern(dl, path);
    if (!file) return -3;
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(dl, ((FdLoc){ file, 0, 0 }), "cannot read the metrics: %s", strerror(errno));
        return -1;
    }
    char head[64] = "";
    if (!fgets(head, sizeof head, f)) head[0] = 0;
    fclose(f);
    if (strncmp(head, "t,service,region,metric,value", 29) != 0) {
        diag_error(dl, ((FdLoc){ file, 1, 1 }),
                   "not a firedrill metrics.csv: the first line should be "
                   "'t,service,region,metric,value'");
        return -1;
    }
    return 0;
}

static int cmd_report(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            cli_usage_error("report", "unknown option '%s'", argv[i]);
            return FD_EXIT_USAGE;
        } else if (dir) {
            cli_usage_error("report", "one directory at a time (got '%s' and '%s')", dir,
                            argv[i]);
            return FD_EXIT_USAGE;
        }
        dir = argv[i];
    }
    if (!dir) {
        cli_usage_error("report", "which run directory? (the DIR of `firedrill run --out DIR`)");
        return FD_EXIT_USAGE;
    }
    size_t n = strlen(dir) + 32;
    char *mp = malloc(n), *hp = malloc(n);
    if (!mp || !hp) {
        free(mp);
        free(hp);
        fprintf(stderr, "firedrill report: out of memory\n");
        return FD_EXIT_SYSTEM;
    }
    snprintf(mp, n, "%s/metrics.csv", dir);
    snprintf(hp, n, "%s/report.html", dir);

    RunResult r;
    result_init(&r);
    DiagList dl;
    diag_list_init(&dl);
    int rc = FD_EXIT_OK;
    int a = run_read_result(&r, dir, &dl);
    int b = a == -3 ? -3 : check_metrics(mp, &dl);
    diag_list_print(&dl, stderr);
    if (a == -3 || b == -3) {
        fprintf(stderr, "firedrill report: out of memory\n");
        rc = FD_EXIT_SYSTEM;
        goto out;
    }
    if (a < 0 || b < 0) {
        rc = FD_EXIT_USAGE;
        goto out;
    }

    /* The topology: the copy the run left in DIR, else the scenario as
     * the run saw it. Their diagnostics are not this command's business:
     * without a topology the page still comes. */
    Scenario *sc = NULL;
    RunResult scratch;
    result_init(&scratch);
    DiagList sdl;
    diag_list_init(&sdl);
    Topo topo;
    topo_init(&topo);
    const Topo *graph = NULL;
    char *tp = malloc(n);
    if (!tp) {
        fprintf(stderr, "firedrill report: out of memory\n");
        rc = FD_EXIT_SYSTEM;
        goto out;
    }
    snprintf(tp, n, "%s/topology.yaml", dir);
    if (access(tp, R_OK) == 0 && topo_load_file(&topo, tp, &sdl) == 0) graph = &topo;
    free(tp);
    if (!graph && r.path) {
        ScenarioOptions o = { .path = r.path, .seed = r.seed,
                              .params = (const char *const *)r.params, .nparams = r.nparams };
        if (scenario_open(&sc, &o, &scratch, &sdl) != 0) {
            scenario_close(sc);
            sc = NULL;
        }
    }
    if (sc) graph = scenario_topo(sc);
    if (!graph)
        fprintf(stderr,
                "firedrill report: note: no DIR/topology.yaml and cannot load the scenario%s%s%s; "
                "the dependency graph "
                "is drawn without edges\n",
                r.path ? " '" : "", r.path ? r.path : "", r.path ? "'" : "");
    int w = run_write_html(&r, graph, mp, hp);
    scenario_close(sc);
    topo_free(&topo);
    diag_list_free(&sdl);
    result_free(&scratch);
    if (w < 0) {
        fprintf(stderr, "firedrill report: cannot write %s: %s\n", hp, strerror(-w));
        rc = FD_EXIT_SYSTEM;
    } else {
        /* A game day's folder: the page written here has no Debrief. */
        snprintf(mp, n, "%s/session.jsonl", dir);
        if (access(mp, F_OK) == 0)
            fprintf(stderr, "firedrill report: note: %s is a game day; `firedrill debrief %s` "
                            "adds its Debrief section again\n", dir, dir);
    }
out:
    diag_list_free(&dl);
    result_free(&r);
    free(mp);
    free(hp);
    return rc;
}
