/*
 * scenario.h: running a Lua scenario against the model.
 *
 * A Scenario owns one Lua state (sandboxed), the topology the scenario
 * names, and the Sim and Model built from it. Loading runs the script's top
 * level, which declares the scenario and schedules its faults, responses,
 * alerts, responders and expectations; advancing runs the simulation, and
 * with it the scenario's timers and playbooks (Lua coroutines resumed in
 * simulated time); finishing computes the incident clock, the per-entry
 * figures and the expectations into the RunResult.
 *
 * A batch worker calls scenario_run(); a live run calls scenario_open(),
 * then scenario_advance() in small steps paced by the wall clock, and
 * scenario_command() for what people type, then scenario_finish().
 *
 * Errors: bad input (a Lua error, an unknown name, a bad value) is recorded
 * in the DiagList as "file:line: error: message (at HH:MM:SS)" and the call
 * returns -1; out of memory returns -3. After an error the Scenario may only
 * be closed.
 */
#ifndef FD_SCENARIO_H
#define FD_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include "base/diag.h"
#include "model/model.h"
#include "report/result.h"

typedef struct Scenario Scenario;

typedef struct ScenarioOptions {
    const char *path;             /* the scenario file */
    uint64_t seed;
    const char *const *params;    /* "name=value" overrides for param() */
    int nparams;
    uint64_t instr_budget;        /* Lua instructions for the whole run; 0: 500 million */
    size_t mem_cap;               /* bytes of Lua memory; 0: 256 MiB */
    /* Streams every metrics interval (after the scenario has seen it). */
    ModelIntervalFn on_interval;
    void *ud;
} ScenarioOptions;

/* Loads and runs the top level. The RunResult must be initialised; it is
 * filled as the run goes. */
int scenario_open(Scenario **out, const ScenarioOptions *o, RunResult *res, DiagList *dl);

/* Runs the simulation up to simulated time t (capped at the scenario's
 * duration). Returns 0, 1 when the end was reached, or -1/-3 on error. */
int scenario_advance(Scenario *s, SimTime t);

/* Runs a line of Lua as if a responder typed it (live runs). Its output
 * and errors go to the timeline. Returns 0 or -1. */
int scenario_command(Scenario *s, const char *line, char *err, size_t errsize);

/* Ends the run at the current time: incident clock, entries, expectations. */
int scenario_finish(Scenario *s);

void scenario_close(Scenario *s);

SimTime scenario_now(const Scenario *s);
SimTime scenario_duration(const Scenario *s);
const Topo *scenario_topo(const Scenario *s);
Model *scenario_model(Scenario *s);

/* Runs the top level only and checks the --param overrides against the
 * params it declared. Returns 0 when they are all declared; 1 when one is
 * not (its diagnostic is in dl); -1 when the top level itself failed (dl
 * holds why; a run with this seed would meet the same error); -3 on OOM.
 * What a batch asks before it starts any run. */
int scenario_check_params(const ScenarioOptions *o, DiagList *dl);

/* The wall-clock limit of the command running a scenario: with up = 1
 * the running scenario stops at its next Lua hook ("scenario stopped: its
 * wall-clock time limit ran out"); 0 clears it before the next run. Async-
 * signal-safe: an alarm's handler calls it. */
void scenario_set_time_up(int up);

/* Where the last pattern function (string.find, match, gmatch, gsub) was
 * called from, as "file:line: error: scenario stopped in string.find", or
 * "": the start of the message a signal handler writes when a match
 * outlives the limit. */
const char *scenario_where(void);

/* `firedrill check`'s static pass (script_lint.c): every call of an API
 * function anywhere in the scenario file, callbacks included, against the
 * options schema (api_schema.h), the topology and the scenario's teams and
 * alerts. Call after scenario_open succeeded. Findings go to dl as
 * file:line:col. Returns the number of errors found, or -3 on OOM. */
int scenario_lint(Scenario *s, DiagList *dl);

/* Open, run to the end, finish, close. */
int scenario_run(const ScenarioOptions *o, RunResult *res, DiagList *dl);

#endif
