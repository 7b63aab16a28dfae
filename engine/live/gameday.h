/*
 * gameday.h: a live run that people play.
 *
 * A Gameday owns a Scenario opened with the played teams (scenario.h) and
 * advances it on a libuv loop in slices paced against the wall clock: at
 * speed X, one wall second is X simulated seconds. It never blocks the
 * loop: a slice is a few milliseconds of simulation, and skipping ahead is
 * done in bounded steps, tick by tick.
 *
 * It is the hub of hub.h: the dashboard's connections and the console are
 * its clients. People's commands (live/command.h) run through the
 * scenario; alerts, pages, the public timeline, status posts and metrics
 * go out to every client. What the model knows and an on-call would not
 * (faults, which data is bad, deadlocks, the incident clock) stays hidden.
 *
 * Every command that ran, and every inject fired, goes to DIR/session.jsonl
 * with the simulated time it took effect (docs/gameday.md, "The session
 * journal"); gameday_replay() runs such a journal again without people and
 * gets byte-identical outputs. Commands take effect at slice boundaries,
 * and slices end on the half millisecond, so an exported playbook's at()
 * times are exact.
 *
 * At the end (the scenario's duration, or the facilitator's `end`) the
 * run's outputs are written to DIR as `firedrill run --out DIR` writes
 * them, then the `ended` callback runs.
 *
 * Threading: the loop's thread only.
 */
#ifndef FD_GAMEDAY_H
#define FD_GAMEDAY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "base/diag.h"
#include "live/hub.h"

typedef struct Gameday Gameday;

typedef struct GamedayOptions {
    const char *path;               /* the scenario file */
    uint64_t seed;
    const char *const *params;
    int nparams;
    const char *const *play;        /* teams people play; NULL: every team */
    int nplay;
    double speed;                   /* simulated seconds per wall second */
    bool paused;                    /* start paused (the facilitator starts the clock) */
    const char *out;                /* DIR: session.jsonl and the outputs */
    /* Called once the outputs are written (ok: they were). */
    void (*ended)(void *ud, bool ok);
    void *ud;
} GamedayOptions;

/* Loads the scenario and starts the clock's timer on `loop`. Returns 0; -1
 * for bad input (dl says why); -3 out of memory; -2 when DIR cannot be
 * written (dl says why). */
int gameday_open(Gameday **out, uv_loop_t *loop, const GamedayOptions *o, DiagList *dl);

/* Ends the drill now, as the facilitator's `end` does; `why` goes in the
 * journal ("interrupted" for Ctrl-C). */
void gameday_end(Gameday *g, const char *why);

/* The hub that transports talk to. */
Hub *gameday_hub(Gameday *g);

/* Stops the timer and closes the run (unfinished: no outputs). Call after
 * the loop has run the handles' close callbacks, or before it runs again. */
void gameday_close(Gameday *g);

/* For the pacing test and the benchmark: simulated seconds since the
 * start, wall seconds since the clock started, and whether it ended. */
double gameday_sim_seconds(const Gameday *g);
bool gameday_ended(const Gameday *g);

/* Replays DIR/session.jsonl without people into `out` (a folder): the
 * same events.jsonl, summary.json and metrics.csv as the session. With
 * `lua`, also writes the played teams' response as a playbook there.
 * Returns 0, -1 for bad input (dl), -2 when writing fails, -3 OOM. */
int gameday_replay(const char *dir, const char *out, const char *lua, DiagList *dl);

#endif
