/*
 * script_internal.h: the Scenario's state, shared by the script_*.c and
 * scenario_*.c files.
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
#include "model/resp.h"
#include "script/scenario.h"

typedef struct Timer {
    int fn;                 /* registry ref */
    SimTime every;          /* 0: once */
    SimEventId ev;
    bool cancelled;
} Timer;

/* A parked engine thread: waiting for a time (ev) or for a responder's
 * page or work (wait, a token from Scenario.next_wait). What it waits for
 * is kept here, in C, never on the thread's stack, and only the engine
 * resumes its own threads (coroutine.resume refuses them). */
typedef struct Co {
    int ref;                /* registry ref to the thread, LUA_NOREF when free */
    uint32_t gen;
    SimEventId ev;
    uint64_t wait;          /* 0, or the token of the page or work it waits on */
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
    char *what;             /* its condition as written ("error_rate > 5%") */
    bool absent;            /* a dead-man alert: fires when telemetry stops */
    int *pages;             /* teams it pages when it fires */
    int npages;
} Alert;

/* inject{ name, what, run }: a second failure or a surprise the
 * facilitator of a game day may fire (the function is in the registry's
 * "fd.injects"[name]). */
typedef struct Inject {
    char *name, *what;
    bool fired;
} Inject;

/* What the scenario layer keeps of a team; the people, their queue and
 * their pages live in the Resp (model/resp.h), under the same index. */
typedef struct Team {
    char *name;
    char **skills;
    int nskills;
    char *where;            /* "file:line" of its declaration */
} Team;

/* The support channel: affected customers report, some of them, after a
 * delay; past a threshold within a window it pages a team. Reports are
 * counted per metrics interval, so memory is bounded by the run's length. */
typedef struct Support {
    bool declared;
    double rate;            /* share of affected customers who report */
    Dist delay;             /* seconds from being affected to the report */
    int pages;              /* team, or -1 */
    double threshold;       /* reports within `window` */
    SimTime window;
    double *slots;          /* reports arriving per interval */
    int nslots;
    double *affected_before;/* per source: customers affected at the last look */
    double arrived;         /* reports arrived so far */
    bool fired;
    Rng rng;
} Support;

/* The status page (script_comms.c): what it says, where it runs, what
 * customers make of it. A notice is an incident notice (investigating,
 * identified, monitoring) or an all-clear (resolved, operational). */
typedef enum PageSays { PAGE_NOTHING, PAGE_INCIDENT, PAGE_ALL_CLEAR } PageSays;
typedef enum PageRead { READ_NOTHING, READ_ACCURATE, READ_WRONG } PageRead;

typedef struct Comms {
    int host;               /* the service the page runs on; -1: hosted apart, always up */
    PageSays says;
    SimTime posted;         /* when the notice up now went out, or -1 */
    const char *state;      /* its state word (static), or NULL before the first */
    /* What reading it does to customers (status_effects{}). */
    double accurate_reports;    /* report rate x this while an accurate notice is read */
    double accurate_reattempt;  /* user re-attempt probability x this, likewise */
    double wrong_reports;       /* report rate x this while the page wrongly says all is well */
    SimTime stale_after;        /* an incident notice older than this is not read as news */
    /* The reading side, per interval. */
    bool down;              /* its host was found down (said in the timeline) */
    PageRead read;          /* what customers read in the last interval */
    double *reattempt_set;  /* per source: the probability we set, or -1 when untouched */
    double *reattempt_base; /* per source: what it was before */
    /* The record. */
    SimTime *posts;
    int nposts, capposts;
    int failed;
    double wrong_s, unreachable_s, accurate_s;
    bool used;              /* a page is named or something was posted */
} Comms;

typedef struct SourceClock {
    double baseline_sum;    /* attempts/s summed over intervals before the start */
    int baseline_n;
    double user_base_sum;   /* users' attempts/s, likewise */
    double busy_base_sum;   /* entry service busy workers, likewise */
    double answered_base_sum;   /* its requests answered per second, likewise */
    double peak;            /* attempts/s, retries included */
    double user_peak;       /* users' attempts/s */
    SimTime user_peak_at;
    double need_peak;       /* workers the entry service needed */
    SimTime need_peak_at;
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
    Resp *resp;
    uint64_t next_wait;     /* tokens for parked threads */
    Rng leads;              /* which wrong lead a misdiagnosis follows */
    Support support;
    Comms comms;
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
    /* a live run (script_live.c) */
    bool *played;           /* per team: people play it */
    char **play_names;      /* teams a response_for{} file plays, until resolved */
    int nplay_names;
    Inject *injects;
    int ninjects, capinjects;
    char **hints;
    int nhints, caphints;
};

/* script_sandbox.c */
lua_State *sandbox_new(Scenario *s);
void sandbox_arm(Scenario *s);
int sandbox_pcall(Scenario *s, lua_State *L, int nargs, int nresults);
void sandbox_error(Scenario *s, lua_State *L, int status);

/* script_api.c and the api_*.c files it registers (api_internal.h lists
 * them): api_scenario() and the argument checks are api_args.c's. */
void api_register(Scenario *s, lua_State *L);
Scenario *api_scenario(lua_State *L);
int api_check_service(lua_State *L, Scenario *s, int idx, const char *field);
int api_opt_region(lua_State *L, Scenario *s, int idx, const char *field);
SimTime api_check_duration(lua_State *L, int idx, const char *what);
/* A duration or a distribution table ({ dist = "lognormal", median = "10m",
 * p99 = "1h" }, ...), in seconds, into *out (dist_free it). */
void api_check_dist(lua_State *L, int idx, const char *what, Dist *out);
/* A distribution (api_check_dist) into *out, or a copy of *dflt. */
void api_opt_dist(lua_State *L, int idx, const char *field, Dist *out, const Dist *dflt);
void api_note_restart(Scenario *s, int svc, int r, int count, bool manual);
bool api_charge(Scenario *s, size_t bytes);
void api_note(Scenario *s, RunEventKind kind, const char *subject, const char *region,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Parks the calling thread until the responders answer `token`; with k,
 * resumes in k (lua_yieldk) with (ok, team) on the stack. */
int api_park(lua_State *L, Scenario *s, uint64_t token, lua_KFunction k, lua_KContext ctx);
/* Queues w for the team, taking *takes, then frees *takes and parks the
 * calling thread as api_park() does until the work is done. */
int api_work(lua_State *L, Scenario *s, int team, RespWork *w, Dist *takes, lua_KFunction k,
             lua_KContext ctx);
int api_team_ready(lua_State *L, Scenario *s, int idx, const char *field, const char *fn);
int api_check_config(lua_State *L, Scenario *s, int idx, const char *field);
/* Refuses keys the options schema (api_schema.c) does not list for fn. */
void api_check_keys(lua_State *L, int idx, const char *fn);

/* api_observe.c: whether a service serves well (>= 99% of its requests
 * answered well over the last interval, an instance up), in region r or
 * every region (r < 0). */
bool api_pool_healthy(Scenario *s, int svc, int r);

/* script_comms.c */
void comms_init(Scenario *s);
/* A post: true when it went out (its host is up), with the timeline line
 * written either way. state indexes scenario_page_states (the first three
 * make an incident notice, the others an all-clear); host < 0: the page's
 * own host (settings.status_page), if any. */
bool comms_post(Scenario *s, const char *text, int state, int host);
/* Each interval, before the support channel draws its reports: what
 * customers read now. Returns the factor on the report rate. */
double comms_interval(Scenario *s, const ModelInterval *iv);
/* A source's client was replaced (client{}): the notice's effect applies
 * to the new one. */
void comms_client_changed(Scenario *s, int src);
/* At the end of the run: the CommsResult. */
void comms_finish(Scenario *s);
void comms_free(Scenario *s);

/* script_live.c */
void live_register(Scenario *s, lua_State *L);
/* Resolves the played teams (options and response_for{}): -1 with a
 * diagnostic when one is unknown, -3 on OOM. */
int live_resolve(Scenario *s);
/* Whether the handlers of this alert / this team's on_page are reference
 * response that people replace. */
bool live_skip_alert(const Scenario *s, int alert);
bool live_skip_team(const Scenario *s, int team);
void live_free(Scenario *s);
/* What diagnose{} found (a text for people), after the work. */
void live_finding(Scenario *s, const char *component, luaL_Buffer *b);

/* scenario_threads.c */
/* Pops a function and its nargs arguments off the top of s->L (whatever
 * lies below) and runs them in a new engine thread. */
void scenario_spawn_top(Scenario *s, int nargs);
/* Resp hooks (model/resp.h): timeline lines, work starting, waiters woken. */
void scenario_resp_note(void *ud, int team, const char *text);
void scenario_resp_start(void *ud, int team, const RespWork *w, SimTime takes);
void scenario_resp_done(void *ud, uint64_t token, bool ok, int team);
void scenario_resp_engaged(void *ud, int team);
void scenario_resp_page(void *ud, int team, int state, int from, const char *why);
/* Whether L is one of the engine's own threads (timers, handlers). */
bool scenario_engine_thread(lua_State *L);

/* scenario_load.c */
/* Records a Lua error (message plus traceback) as a located diagnostic
 * and stops the run. */
void scenario_record_error(Scenario *s, const char *text);

/* scenario_interval.c */
void scenario_on_interval(void *ud, const ModelInterval *iv);
/* Marks the incident detected now, and how (printf-style), if it is not yet. */
void scenario_detected(Scenario *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* At the end of a run whose incident was not mitigated: the timeline's
 * last lines, what still fails and why. */
void scenario_explain_unmitigated(Scenario *s);

/* scenario_alerts.c */
/* Each interval: the alerts that fire (timeline line, detection, pages,
 * on_alert handlers) or resolve. */
void scenario_eval_alerts(Scenario *s, const ModelInterval *iv);
bool scenario_alert_firing(Scenario *s, const char *name);

#endif
