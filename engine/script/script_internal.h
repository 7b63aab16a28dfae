/*
 * script_internal.h: the Scenario's state, shared by the script_*.c files.
 *
 * Stack discipline: every binding notes the Lua stack after each step that
 * changes it, as `// [a, b]`.
 *
 * Coroutines: every timer callback, alert handler and playbook runs in a
 * Lua thread of its own, so any of them may wait(). A thread that yields
 * ("fd.wait", ns) is parked in `cos` and resumed by a kernel event; the
 * registry holds a reference so it is not collected while parked.
 */
#ifndef FD_SCRIPT_INTERNAL_H
#define FD_SCRIPT_INTERNAL_H

#include <lua.h>
#include <lauxlib.h>
#include "base/rng.h"
#include "script/scenario.h"

typedef struct Timer {
    int fn;                 /* registry ref */
    SimTime every;          /* 0: once */
    SimEventId ev;
    bool cancelled;
} Timer;

typedef struct Co {
    int ref;                /* registry ref to the thread, LUA_NOREF when free */
    uint32_t gen;
    SimEventId ev;
    int team;               /* responder held while it waits, -1 */
    char what[64];          /* for error messages */
} Co;

typedef enum AlertMetric {
    AM_ERROR_RATE, AM_AVAILABILITY, AM_P50, AM_P90, AM_P99, AM_UTILISATION, AM_QUEUE,
    AM_OFFERED, AM_OK_RATE, AM_DEGRADED_RATE, AM_INSTANCES_UP, AM_NMETRICS
} AlertMetric;

typedef struct Alert {
    char *name;
    int service;            /* or -1 when on a source */
    int region;             /* -1: all regions together */
    int source;             /* for entry-point alerts, else -1 */
    AlertMetric metric;
    int op;                 /* '<' or '>' (and 'l' <=, 'g' >=) */
    double threshold;
    SimTime hold;
    SimTime since;          /* condition true since, or -1 */
    bool firing;
    int handlers;           /* number of on_alert handlers */
    char *where;            /* "file:line" of its declaration */
} Alert;

typedef struct Team {
    char *name;
    char **skills;
    int nskills;
    int oncall;
    int busy;
    SimTime ack, diagnose, unowned;   /* unowned: diagnosis time when nobody owns it */
} Team;

typedef struct SourceClock {
    double baseline_sum;    /* attempts/s summed over intervals before the start */
    int baseline_n;
    double peak;
    double good, bad;       /* whole-run user availability sums */
    double attempts, attempts_ok, attempts_failed;
    double intents_ok, intents_deg, intents_failed, intents;
    double inc_good, inc_bad;   /* intents over the incident window so far */
    double snap_good, snap_bad; /* inc_* when the current good streak began */
    bool below;                 /* below its objective in the last interval (said in the timeline) */
    double last_avail;          /* its availability of intents in the last interval */
} SourceClock;

struct Scenario {
    lua_State *L;
    ScenarioOptions opt;
    RunResult *res;
    DiagList *dl;
    char *path;
    char *dir;              /* the scenario's folder, for files it may read */
    Topo topo;
    bool have_topo;
    Sim *sim;
    Model *model;
    SimTime duration, settle;
    double slo, report_rate;
    bool declared;
    bool bad_param;         /* a --param names no declared param */
    bool finished;
    /* sandbox */
    size_t mem, mem_cap;
    uint64_t instr, instr_budget;
    const char *kill;       /* why the script is being stopped, or NULL */
    Rng rng;
    /* timers, coroutines, alerts, teams */
    Timer *timers;
    int ntimers, captimers;
    Co *cos;
    int ncos, capcos;
    Alert *alerts;
    int nalerts, capalerts;
    Team *teams;
    int nteams, capteams;
    /* incident clock */
    SourceClock *clock;
    SimTime good_since;     /* start of the current good streak, or -1 */
    bool started;
    bool inc_closed;        /* the incident window ended (recovered) */
    int expects_ref;        /* registry ref to the expectations list */
    bool *pool_bad;         /* per pool: noted as failing in the timeline */
    bool blind;             /* monitoring is down */
    bool failed;            /* a runtime error was recorded */
    bool oom;
};

/* script_sandbox.c */
lua_State *sandbox_new(Scenario *s);
void sandbox_arm(Scenario *s);
int sandbox_pcall(Scenario *s, lua_State *L, int nargs, int nresults);
void sandbox_error(Scenario *s, lua_State *L, int status);

/* script_api.c */
void api_register(Scenario *s, lua_State *L);
Scenario *api_scenario(lua_State *L);
int api_check_service(lua_State *L, Scenario *s, int idx, const char *field);
int api_opt_region(lua_State *L, Scenario *s, int idx, const char *field);
SimTime api_check_duration(lua_State *L, int idx, const char *what);
void api_note(Scenario *s, RunEventKind kind, const char *subject, const char *region,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* scenario.c */
int scenario_spawn(Scenario *s, lua_State *L, const char *what, int team);
void scenario_on_interval(void *ud, const ModelInterval *iv);
bool scenario_alert_firing(Scenario *s, const char *name);

#endif
