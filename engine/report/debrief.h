/*
 * debrief.h: a game day's debrief, the played run against the scenario's
 * own (reference) response.
 *
 * A game day (`firedrill gameday SCENARIO --out DIR`) leaves in DIR the
 * journal DIR/session.jsonl (docs/gameday.md, "The session journal") and
 * the ordinary outputs of a run (summary.json, events.jsonl, metrics.csv,
 * report.html). The debrief
 *   1. reads the journal's header (scenario, seed, params, played teams)
 *      and its lines, and the played run back from summary.json and
 *      events.jsonl (report/run_read.h);
 *   2. runs the reference response, the scenario as written with no team
 *      played, at the session's seed and params (what `firedrill run`
 *      does), and over the reference seeds 1..N, keeping the figures of
 *      each run (DebriefFigures);
 *   3. compares: detection, mitigation, recovery, the response to the first
 *      page, customers affected and error budget burned, the first notice
 *      on the status page and the time it misinformed; the share of the
 *      reference seeds whose outage lasted longer than the team's; and a
 *      score out of 100 whose every line says what it measured, against
 *      what, and how the points follow;
 *   4. writes DIR/debrief.json (debrief_json.c) and DIR/report.html again
 *      with a "Debrief" section at the top (debrief_html.c), atomically.
 *
 * Determinism: every figure is a function of the files in DIR and the
 * scenario's files; times are kept in whole milliseconds, availabilities
 * floored to 6 decimals (the policy of run_json.h), so the played run read
 * back from files and the reference run in memory are measured alike and
 * debrief.json comes out byte-identical on every run.
 *
 * Errors: functions returning int return 0, DEBRIEF_BAD_INPUT (dl says
 * why, located "file:line" for the journal), DEBRIEF_SYSTEM (a write
 * failed; dl says which file) or DEBRIEF_NOMEM.
 */
#ifndef FD_DEBRIEF_H
#define FD_DEBRIEF_H

#include <stdbool.h>
#include <stdint.h>
#include "base/diag.h"
#include "model/result.h"

enum { DEBRIEF_BAD_INPUT = -1, DEBRIEF_SYSTEM = -2, DEBRIEF_NOMEM = -3 };

#define DEBRIEF_DEFAULT_SEEDS 40

/* What one run is measured by. Times are whole milliseconds; -1 when the
 * moment never came. */
typedef struct DebriefFigures {
    bool incident;            /* an incident started */
    int64_t start_ms;         /* the incident's start since the run's start, or -1 */
    int64_t outage_ms;        /* recovered - start; 0 without an incident; -1 never recovered */
    int64_t detect_ms;        /* detected - start */
    int64_t mitigate_ms;      /* mitigated - start */
    /* The response: from the first page to a played team (or, never paged,
     * from detection, or from the start) to that team's first command or
     * acknowledgement. respond_from_ms is that first moment since the
     * run's start; respond_ms the delay, -1 when the team never answered. */
    int64_t respond_from_ms;
    int64_t respond_ms;
    double customers_affected;   /* summed over the entry points, whole */
    int expects_held, expects;
    /* Communication: `page` the run had a status page (it named one, or
     * someone posted); notice_ms from detection (the start when nobody
     * detected it) to the first notice that went out, -1 none;
     * misinformed_ms the time, while an entry point was below its
     * objective, that customers read an all-clear or could not reach the
     * page. */
    bool page;
    int64_t notice_ms, misinformed_ms;
} DebriefFigures;

/* Measures a finished run. `teams` are the played teams (their pages and
 * acknowledgements count; with none, every team's do). For the played run,
 * `cmd_ms` is the time of the team's first command (-1: none); for a
 * reference run pass -1 (its playbooks' acknowledgements stand in). */
void debrief_measure(const RunResult *r, const char *const *teams, int nteams, int64_t cmd_ms,
                     DebriefFigures *out);

/* Runs the scenario at one seed (no team played) and measures it. On
 * success `res` (initialised by the caller; may be NULL) keeps the run. */
int debrief_run_reference(const char *path, uint64_t seed, const char *const *params,
                          int nparams, const char *const *teams, int nteams, RunResult *res,
                          DebriefFigures *out, DiagList *dl);

/* One command of the journal (the `cmd` lines). */
typedef struct DebriefCmd {
    int64_t ms;               /* simulated time */
    char *player, *team, *line;
    bool ok;
    int lineno;               /* in session.jsonl */
} DebriefCmd;

/* The journal: its header and the lines the debrief uses. */
typedef struct DebriefSession {
    char *scenario;           /* the scenario file */
    uint64_t seed;
    char **params;            /* "name=value" */
    int nparams;
    char **play;              /* the played teams */
    int nplay;
    char *digest_scenario;    /* as journalled, or NULL */
    DebriefCmd *cmds;
    int ncmds;
    int ncontrols;            /* `control` lines */
    char *end_why;            /* `end` line's why, or NULL */
} DebriefSession;

/* Reads DIR/session.jsonl. A missing file, a malformed line or a header
 * without scenario/seed is an error located file:line. */
int debrief_read_session(DebriefSession *s, const char *path, DiagList *dl);
void debrief_session_free(DebriefSession *s);

/* One line of the score. */
typedef struct DebriefScoreLine {
    const char *name;         /* "recovery", "mitigation", "response", "customers",
                               * "expectations", "communication" */
    double max, points;       /* points rounded to 0.01 */
    char measured[160];       /* the team's figure */
    char reference[160];      /* the reference figure it is held against */
    char rule[480];           /* how the points follow */
} DebriefScoreLine;

#define DEBRIEF_NLINES 6

/* Everything the debrief found. */
typedef struct Debrief {
    DebriefSession session;
    RunResult team;           /* the played run, from DIR's files */
    RunResult ref;            /* the reference at the session's seed */
    DebriefFigures team_fig, ref_fig;
    /* The reference over seeds first_seed .. first_seed + nseeds - 1. */
    uint64_t first_seed;
    int nseeds;
    DebriefFigures *seeds;
    /* Medians over the seeds (nearest rank; -1 when the median run never
     * reached the moment). */
    int64_t med_outage_ms, med_mitigate_ms, med_detect_ms, med_respond_ms, med_notice_ms;
    double med_customers;
    /* The share of reference seeds whose outage was longer than the
     * team's (0..1), and their count. */
    double faster_than;
    int longer;
    /* Some run (the team's, the reference's, a seed's) had a status page. */
    bool any_page;
    DebriefScoreLine lines[DEBRIEF_NLINES];
    double total;             /* the sum of the lines' points */
    int digest_ok;            /* 1 the scenario matches the journal's digest, 0 not, -1 unknown */
} Debrief;

/* Runs the reference seeds for debrief_compute: fills out[0..n) with the
 * figures of seeds first .. first + n - 1. The default runs them one after
 * another in this process; `firedrill debrief --jobs N` runs them in worker
 * processes. Returns 0 or a DEBRIEF_ error. */
typedef int (*DebriefSeedsFn)(void *ud, const char *path, uint64_t first, int n,
                              const char *const *params, int nparams,
                              const char *const *teams, int nteams, DebriefFigures *out,
                              DiagList *dl);

typedef struct DebriefOptions {
    int seeds;                /* reference seeds; <= 0: DEBRIEF_DEFAULT_SEEDS */
    DebriefSeedsFn run_seeds; /* NULL: in this process, one after another */
    void *ud;
    /* When not NULL, debrief_write_opts leaves what it computed here
     * (initialised by it; the caller frees it with debrief_free). */
    struct Debrief *keep;
} DebriefOptions;

void debrief_init(Debrief *d);
void debrief_free(Debrief *d);

/* Steps 1 to 3 for the game day in dir. */
int debrief_compute(Debrief *d, const char *dir, const DebriefOptions *o, DiagList *dl);

/* DIR/debrief.json (debrief_json.c); 0 or -errno. */
int debrief_write_json(const Debrief *d, const char *path);

/* DIR/report.html with the Debrief section (debrief_html.c), from DIR's
 * metrics.csv and topology.yaml (without it, the graph is drawn from the
 * services metrics.csv names); 0 or -errno. */
int debrief_write_html(const Debrief *d, const char *dir);

/* The whole debrief: compute, then write debrief.json and report.html.
 * What `firedrill debrief DIR` runs, and what the game day calls at the
 * end of a session: debrief_write(dir, 0, dl) runs the 40 reference seeds
 * one after another in the calling thread (a few seconds for a pattern,
 * about 3 s per seed for the Tencent replay); pass a DebriefOptions with
 * run_seeds to run them elsewhere. Returns 0 or a DEBRIEF_ error; dl holds
 * the diagnostics (warnings too: a changed scenario) for the caller to
 * print. */
int debrief_write_opts(const char *dir, const DebriefOptions *o, DiagList *dl);
int debrief_write(const char *dir, int seeds, DiagList *dl);

/* The figures as one JSON line and back, for worker processes
 * (`firedrill debrief --worker`). to_json returns a malloc'd string or
 * NULL; from_json returns 0 or -1. */
char *debrief_figures_to_json(const DebriefFigures *f);
int debrief_figures_from_json(const char *text, DebriefFigures *f);

#endif
