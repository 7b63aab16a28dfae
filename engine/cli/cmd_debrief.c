/*
 * cmd_debrief.c: `firedrill debrief DIR`, a game day's debrief (see
 * report/debrief.h for what it computes and writes).
 *
 * The reference seeds run in this process one after another (--jobs 1),
 * or in worker processes of this same binary, N at a time
 * (batch/batch_pool.h), each printing its figures as one JSON line
 * (`firedrill debrief --worker`, not for people). Either way the figures
 * are the same numbers, in seed order, so debrief.json does not depend on
 * --jobs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch/batch_pool.h"
#include "cli/cli.h"
#include "report/debrief.h"

static int cmd_debrief(int argc, char **argv);

const CliCommand cli_debrief = {
    "debrief", "Score a game day against the scenario's own response",
    "usage: firedrill debrief DIR [--seeds N] [--jobs N]\n"
    "\n"
    "Reads the game day in DIR (DIR/session.jsonl, and the run's summary.json,\n"
    "events.jsonl and metrics.csv), runs the scenario's reference response (the\n"
    "scenario as written, no team played) at the session's seed and params and\n"
    "over the reference seeds 1..N, and writes DIR/debrief.json and\n"
    "DIR/report.html with a Debrief section at the top: detection, the answer to\n"
    "the first page, mitigation and recovery against the reference, customers\n"
    "affected and error budget burned, where the team's outage falls among the\n"
    "reference runs (\"faster than X% of them\"), the two timelines side by side,\n"
    "the players' commands on the charts, and a score out of 100 whose every\n"
    "line says what it measured and how its points follow. Both files are\n"
    "written whole or not at all; the same DIR gives the same bytes.\n"
    "\n"
    "  --seeds N   reference seeds 1..N (default 40)\n"
    "  --jobs N    run the reference seeds in N worker processes (default: the\n"
    "              number of CPUs; 1: one after another in this process)\n"
    "\n"
    "A scenario whose SHA-256 no longer matches the journal's is run as it is\n"
    "now, with a warning.\n"
    "\n"
    "Exit codes: 0 written, 2 bad input (no session.jsonl, a malformed line,\n"
    "named file:line; a run's files missing; the scenario failing), 3 a system\n"
    "error.\n",
    cmd_debrief,
};

/* ---- the worker: one reference seed, its figures on stdout ---- */

static int worker(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t seed = 1;
    const char **params = calloc((size_t)argc + 1, sizeof *params);
    const char **teams = calloc((size_t)argc + 1, sizeof *teams);
    int np = 0, nt = 0;
    if (!params || !teams) {
        free(params);
        free(teams);
        return FD_EXIT_SYSTEM;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--worker") == 0) continue;
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) cli_parse_u64(argv[++i], &seed);
        else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) params[np++] = argv[++i];
        else if (strcmp(argv[i], "--play") == 0 && i + 1 < argc) teams[nt++] = argv[++i];
        else path = argv[i];
    }
    int rc = FD_EXIT_USAGE;
    if (path) {
        DiagList dl;
        diag_list_init(&dl);
        DebriefFigures f;
        int r = debrief_run_reference(path, seed, params, np, teams, nt, NULL, &f, &dl);
        if (r == 0) {
            char *s = debrief_figures_to_json(&f);
            if (s) {
                printf("%s\n", s);
                free(s);
                rc = FD_EXIT_OK;
            } else {
                rc = FD_EXIT_SYSTEM;
            }
        } else {
            diag_list_print(&dl, stdout);
            rc = r == DEBRIEF_NOMEM ? FD_EXIT_SYSTEM : FD_EXIT_USAGE;
        }
        diag_list_free(&dl);
    }
    free(params);
    free(teams);
    return rc;
}

/* ---- the parent: the seeds on a pool of workers ---- */

typedef struct Pool {
    int jobs;
    char exe[4096];
    const char *path;
    uint64_t first;
    const char *const *params;
    int nparams;
    const char *const *teams;
    int nteams;
    DebriefFigures *out;
    char ***argvs;
    DiagList *dl;
    int failed;
} Pool;

static void free_argv(char **argv)
{
    if (!argv) return;
    for (char **a = argv; *a; a++) free(*a);
    free(argv);
}

static char **pool_argv(void *ud, int job)
{
    Pool *p = ud;
    int n = 6 + 2 * p->nparams + 2 * p->nteams + 1, k = 0;
    char **argv = calloc((size_t)n, sizeof *argv);
    if (!argv) return NULL;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)(p->first + (uint64_t)job));
    const char *fixed[] = { p->exe, "debrief", "--worker", "--seed", seed };
    for (int i = 0; i < 5; i++)
        if (!(argv[k++] = strdup(fixed[i]))) goto oom;
    for (int i = 0; i < p->nparams; i++)
        if (!(argv[k++] = strdup("--param")) || !(argv[k++] = strdup(p->params[i]))) goto oom;
    for (int i = 0; i < p->nteams; i++)
        if (!(argv[k++] = strdup("--play")) || !(argv[k++] = strdup(p->teams[i]))) goto oom;
    if (!(argv[k++] = strdup(p->path))) goto oom;
    p->argvs[job] = argv;
    return argv;
oom:
    free_argv(argv);
    return NULL;
}

static int pool_done(void *ud, int job, const BatchOutcome *o)
{
    Pool *p = ud;
    free_argv(p->argvs[job]);
    p->argvs[job] = NULL;
    unsigned long long seed = (unsigned long long)(p->first + (uint64_t)job);
    if (o->exit_status == 0 && !o->term_signal && !o->timed_out && !o->spawn_error &&
        debrief_figures_from_json(o->out, &p->out[job]) == 0)
        return 0;
    if (p->failed++ == 0) {
        const char *why = o->spawn_error ? "could not start"
                          : o->timed_out  ? "ran out of time"
                          : o->term_signal ? "crashed"
                                           : "failed";
        size_t n = strlen(o->out);
        while (n > 0 && o->out[n - 1] == '\n') n--;
        diag_error(p->dl, ((FdLoc){ diag_intern(p->dl, p->path), 0, 0 }),
                   "the reference run at seed %llu %s%s%.*s", seed, why, n ? ":\n" : "", (int)n,
                   o->out);
    }
    return 0;
}

static int run_pool(void *ud, const char *path, uint64_t first, int n, const char *const *params,
                    int nparams, const char *const *teams, int nteams, DebriefFigures *out,
                    DiagList *dl)
{
    Pool *p = ud;
    p->path = path;
    p->first = first;
    p->params = params;
    p->nparams = nparams;
    p->teams = teams;
    p->nteams = nteams;
    p->out = out;
    p->dl = dl;
    p->argvs = calloc((size_t)n, sizeof *p->argvs);
    if (!p->argvs) return DEBRIEF_NOMEM;
    BatchPoolOptions bo = { .njobs = n, .parallel = p->jobs, .timeout_s = 300,
                            .argv_for = pool_argv, .done = pool_done, .ud = p };
    int rc = batch_pool_run(&bo);
    for (int i = 0; i < n; i++) free_argv(p->argvs[i]);
    free(p->argvs);
    if (rc == -ENOMEM) return DEBRIEF_NOMEM;
    if (rc < 0) {
        diag_error(dl, ((FdLoc){ NULL, 0, 0 }), "cannot run the reference seeds: %s",
                   strerror(-rc));
        return DEBRIEF_SYSTEM;
    }
    return p->failed ? DEBRIEF_BAD_INPUT : 0;
}

static int cmd_debrief(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--worker") == 0) return worker(argc, argv);
    const char *dir = NULL;
    uint64_t seeds = DEBRIEF_DEFAULT_SEEDS, jobs = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--seeds") == 0) {
            if (i + 1 >= argc || !cli_parse_u64(argv[i + 1], &seeds) || seeds < 1 ||
                seeds > 100000) {
                cli_usage_error("debrief", "--seeds needs a whole number from 1 to 100000");
                return FD_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            if (i + 1 >= argc || !cli_parse_u64(argv[i + 1], &jobs) || jobs < 1 || jobs > 1024) {
                cli_usage_error("debrief", "--jobs needs a whole number from 1 to 1024");
                return FD_EXIT_USAGE;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("debrief", "unknown option '%s'", a);
            return FD_EXIT_USAGE;
        } else if (dir) {
            cli_usage_error("debrief", "one game day at a time (got '%s' and '%s')", dir, a);
            return FD_EXIT_USAGE;
        } else {
            dir = a;
        }
    }
    if (!dir) {
        cli_usage_error("debrief", "which game day? (the DIR of `firedrill gameday --out DIR`)");
        return FD_EXIT_USAGE;
    }
    if (jobs == 0) jobs = (uint64_t)batch_pool_cpus();
    Pool pool;
    memset(&pool, 0, sizeof pool);
    pool.jobs = (int)jobs;
    DebriefOptions o = { .seeds = (int)seeds };
    if (jobs > 1 && seeds > 1) {
        int e = batch_pool_exepath(pool.exe, sizeof pool.exe);
        if (e == 0) {
            o.run_seeds = run_pool;
            o.ud = &pool;
        }
    }
    Debrief d;
    o.keep = &d;
    DiagList dl;
    diag_list_init(&dl);
    int rc = debrief_write_opts(dir, &o, &dl);
    diag_list_print(&dl, stderr);
    diag_list_free(&dl);
    if (rc == 0) {
        printf("score %.2f / 100\n", d.total);
        for (int i = 0; i < DEBRIEF_NLINES; i++)
            printf("  %-13s %6.2f / %-3g %s; %s\n", d.lines[i].name, d.lines[i].points,
                   d.lines[i].max, d.lines[i].measured, d.lines[i].reference);
        if (d.team_fig.incident && d.team_fig.outage_ms < 0)
            printf("the outage never recovered: faster than none of the %d reference runs\n",
                   d.nseeds);
        else
            printf("faster than %.1f%% of %d reference runs (seeds %llu..%llu)\n",
                   d.faster_than * 100, d.nseeds, (unsigned long long)d.first_seed,
                   (unsigned long long)(d.first_seed + (uint64_t)d.nseeds - 1));
    }
    debrief_free(&d);
    if (rc == DEBRIEF_NOMEM) {
        fprintf(stderr, "firedrill debrief: out of memory\n");
        return FD_EXIT_SYSTEM;
    }
    if (rc == DEBRIEF_SYSTEM) return FD_EXIT_SYSTEM;
    if (rc < 0) return FD_EXIT_USAGE;
    printf("debrief written: %s/debrief.json, %s/report.html\n", dir, dir);
    return FD_EXIT_OK;
}
