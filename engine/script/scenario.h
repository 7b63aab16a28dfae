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
 * scenario_live_command() for what people type, then scenario_finish().
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
#include "model/result.h"

typedef struct Scenario Scenario;

/* What a live run (live/gameday_feed.c) is told as the run goes. Every hook
 * may be NULL. Strings are valid for the call only. */
typedef struct ScenarioLive {
    void *ud;
    /* A line was added to the timeline (the whole timeline, hidden truth
     * included: the live run decides what people see). */
    void (*event)(void *ud, const RunEvent *e);
    /* A page to a team opened, escalated or went unanswered
     * (RESP_PAGE_OPEN, ... of model/resp.h); `from` may be NULL. */
    void (*page)(void *ud, const char *team, int state, const char *from, const char *why);
    /* A team acknowledged (its pages are answered). */
    void (*engaged)(void *ud, const char *team);
    /* A command from scenario_live_command() finished: what it returned,
     * as text, or why it failed. */
    void (*reply)(void *ud, uint64_t cookie, bool ok, const char *text);
} ScenarioLive;

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
    /* The teams people play (a game day; "*" alone: every team). Their
     * reference response does not run: their on_page handlers, and the
     * on_alert handlers of alerts that page them. Their pages wait for an
     * acknowledgement (ack). Names the scenario does not declare are an
     * error. */
    const char *const *play;
    int nplay;
    const ScenarioLive *live;
} ScenarioOptions;

/* Loads and runs the top level. The RunResult must be initialised; it is
 * filled as the run goes. */
int scenario_open(Scenario **out, const ScenarioOptions *o, RunResult *res, DiagList *dl);

/* Runs the simulation up to simulated time t (capped at the scenario's
 * duration). Returns 0, 1 when the end was reached, or -1/-3 on error. */
int scenario_advance(Scenario *s, SimTime t);

/* Runs a chunk of Lua for a person (live runs): `lua` is the command as
 * live/command.h translated it, `who` ("alice (api)") goes in the
 * timeline. It runs in a thread of its own, so it may wait (an act, a
 * diagnosis); when it ends, the live hooks' reply() gets `cookie` and
 * what it returned, or its error. A mistake in a command is the person's,
 * not the scenario's: the run goes on. Returns 0, or -1 when the chunk
 * does not compile (err says why). */
int scenario_live_command(Scenario *s, const char *lua, const char *who, uint64_t cookie,
                          char *err, size_t errsize);

/* Fires the named inject (inject{} in the scenario) now. Returns 0, or -1
 * when the scenario declares none by that name. */
int scenario_fire_inject(Scenario *s, const char *name);

/* The scenario's injects and hints, for the facilitator. */
int scenario_ninjects(const Scenario *s);
const char *scenario_inject_name(const Scenario *s, int i);
const char *scenario_inject_what(const Scenario *s, int i);
bool scenario_inject_fired(const Scenario *s, int i);
int scenario_nhints(const Scenario *s);
const char *scenario_hint(const Scenario *s, int i);

/* Teams: names, whether people play them, people on call. */
int scenario_nteams(const Scenario *s);
const char *scenario_team(const Scenario *s, int i);
bool scenario_team_played(const Scenario *s, int i);
int scenario_team_oncall(const Scenario *s, int i);
/* Alerts: names and conditions as declared ("error_rate > 5%"). */
int scenario_nalerts(const Scenario *s);
const char *scenario_alert_name(const Scenario *s, int i);
const char *scenario_alert_what(const Scenario *s, int i);
/* The states a status page notice can have, NULL-terminated:
 * "investigating", "identified" and "monitoring" make an incident notice,
 * "resolved" and "operational" an all-clear (status_page{ state }). */
extern const char *const scenario_page_states[];
#define SCENARIO_PAGE_ALL_CLEAR 3   /* the index of the first all-clear */

/* The state word of the status page's last notice that went out
 * ("investigating", "identified", "monitoring", "resolved", "operational"),
 * or NULL before the first. */
const char *scenario_status_state(const Scenario *s);
bool scenario_alert_is_firing(const Scenario *s, int i);
/* The scenario's name, its start as "YYYY-MM-DD HH:MM +HH:MM" or NULL,
 * and the start as seconds of the day (for clocks), or -1. */
const char *scenario_name(const Scenario *s);
const char *scenario_start_text(const Scenario *s);
/* The sandbox's Lua memory in use, in bytes. */
size_t scenario_memory(const Scenario *s);

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
