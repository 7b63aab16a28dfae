/*
 * model.h: the request-level service model.
 *
 * A Model turns a Topo into live state on a Sim: instances per service and
 * region, queues, requests in flight, clients with intents, schedulers,
 * autoscalers, configuration data, routing weights. Outages come out of the
 * mechanisms (bounded concurrency and queues, timeouts that leave work
 * behind, retries, breakers, restarts gated by a platform), never out of a
 * script that paints a curve: the scenario layer only injects faults and
 * responses through the calls below.
 *
 * Ownership: the Model borrows the Topo and the Sim; both must outlive it.
 * It owns everything else. One Model per Sim. Not thread-safe.
 *
 * Errors: calls that take a service, region, config or source index assert
 * it is in range (the scenario layer resolves names first and reports bad
 * names as user errors). Functions returning int return 0, or -1 when the
 * action does not apply (e.g. a service not deployed in that region), with
 * the reason left for model_last_error().
 *
 * Metrics: at the end of every interval the model calls the metrics
 * callback with a ModelInterval, then forgets that interval; memory does not
 * grow with simulated time.
 */
#ifndef FD_MODEL_H
#define FD_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include "base/fd_time.h"
#include "base/hist.h"
#include "des/sim.h"
#include "model/topo.h"

typedef struct Model Model;

/* Why a request failed. Degraded answers are not failures. */
typedef enum FailCause {
    FAIL_REJECTED,      /* queue full, admission limit, shed, breaker open */
    FAIL_TIMEOUT,       /* a downstream call (or the client) gave up waiting */
    FAIL_DEPENDENCY,    /* a critical downstream call failed */
    FAIL_BAD_CONFIG,    /* a configuration item it reads holds bad data */
    FAIL_NO_INSTANCE,   /* no healthy instance to take it */
    FAIL_ERROR,         /* the service's own error: intrinsic, injected, or a crash */
    FAIL_NCAUSES
} FailCause;

const char *fail_cause_name(FailCause c);

typedef enum InstState {
    INST_UP,            /* serving */
    INST_STARTING,      /* scheduled, booting: serving after restart_time */
    INST_WAITING,       /* down, waiting for its platform to schedule it */
    INST_STOPPED,       /* removed (scaled in) */
    INST_NSTATES
} InstState;

const char *inst_state_name(InstState s);

/* One service in one region over one interval. Counts are of real requests
 * (simulated counts times the sampling factor). */
typedef struct PoolStats {
    int service, region;
    double offered, ok, degraded;
    double failed[FAIL_NCAUSES];
    double wasted;          /* finished after every caller had given up */
    Hist latency;           /* of answered requests (ok, degraded, failed) */
    double latency_mean;    /* seconds, over the same requests */
    double utilisation;     /* busy workers / workers of serving instances, time-averaged */
    double queue;           /* mean queued requests (real), time-averaged */
    int instances[INST_NSTATES];  /* at the end of the interval */
    int hung;               /* serving instances that are hung */
    double capacity;        /* requests/s the serving instances can take at mean service time */
    int telemetry;          /* telemetry requests from this pool answered (ok or degraded)
                             * by the monitoring service during the interval: 0 means
                             * monitoring did not hear from it. Not scaled by sampling:
                             * each pool sends one per interval. */
} PoolStats;

/* One traffic source (entry point) over one interval. */
typedef struct SourceStats {
    int source;
    double intents;         /* new intents */
    double intents_ok, intents_degraded, intents_failed;  /* resolved this interval */
    double user_failures;   /* times a user saw a failure (the client gave up) */
    double attempts, attempts_ok;   /* requests sent by clients and users; answered ok or degraded */
    double attempts_failed; /* attempts that ended in a failure or a client timeout */
    double rate_offered;    /* attempts per second */
    double customers_affected;      /* distinct customers with a failed attempt so far */
    /* Attempts sent by users: first attempts of intents, user re-attempts,
     * rechecks of waiting customers and released deferred work; not the
     * clients' automatic retries (`attempts` counts every attempt). */
    double user_attempts;
    double deferred;        /* intents put aside this interval (client `defer`) */
    double released;        /* deferred intents taken back up this interval */
    double waiting_customers;       /* customers waiting with deferred work, at the end */
} SourceStats;

typedef struct ModelInterval {
    const Topo *topo;       /* names for the indexes below */
    SimTime start, end;
    const PoolStats *pools;
    int npools;
    const SourceStats *sources;
    int nsources;
} ModelInterval;

typedef void (*ModelIntervalFn)(void *ud, const ModelInterval *iv);

/* A circular wait found among schedulers: instances of the services in
 * `cycle` wait for platforms that need those very services to schedule. */
typedef struct ModelDeadlock {
    SimTime at;
    int region;
    int ncycle;
    int cycle[16];          /* service indexes, starting with the stalled service */
    bool startup;           /* some instance waits through a start-up call, not a scheduler */
} ModelDeadlock;

typedef struct ModelOptions {
    ModelIntervalFn on_interval;
    void *ud;
    /* Called once per deadlock episode, when it is found. */
    void (*on_deadlock)(void *ud, const ModelDeadlock *d);
} ModelOptions;

/* Builds the live state and schedules traffic, metrics and control loops
 * from time 0. Returns NULL when memory runs out. */
Model *model_new(const Topo *topo, Sim *sim, const ModelOptions *opt);
void model_free(Model *m);

const Topo *model_topo(const Model *m);
double model_sampling(const Model *m);
const char *model_last_error(const Model *m);
/* Pools that sampling cannot keep exact (their instance count is not a
 * multiple of the factor): one sentence each, and the pool's service and
 * region. The text lives as long as the Model. */
int model_nwarnings(const Model *m);
/* True once the running model could not allocate what an event needed
 * (a request, an instance, a record): the run's figures are then not
 * whole, and the run must end as out of memory. */
bool model_oom(const Model *m);
const char *model_warning(const Model *m, int i, int *svc, int *region);

/* Ends the current interval early (at sim_now) and emits it. Call once at
 * the end of a run so the last partial interval is reported. */
void model_flush(Model *m);

/* ---- faults ---- */

/* Crashes `count` serving instances (all when count < 0). They wait for
 * their platform to restart them. */
int model_crash(Model *m, int svc, int region, int count);
/* The whole tier hangs: requests are accepted and never answered while on. */
int model_hang(Model *m, int svc, int region, bool on);
/* Adds latency to every request's own work. */
int model_add_latency(Model *m, int svc, int region, SimTime extra);
/* Whether every pool of the service (in the region, or all) already has
 * exactly this extra latency: setting it again would change nothing. */
bool model_latency_is(const Model *m, int svc, int region, SimTime extra);
/* Makes a fraction of requests fail with FAIL_ERROR (on top of error_rate). */
int model_inject_errors(Model *m, int svc, int region, double rate);
/* Whether `from` calls `to` in the topology (a call edge). */
bool model_calls(const Model *m, int from, int to);
/* Drops the calls from `from` to `to` (they time out) while on, from the
 * caller's pool in `region` (-1: every region). An error when `from` does
 * not call `to`, or is not deployed in `region`. */
int model_partition(Model *m, int from, int to, int region, bool on);
/* Writes a configuration item's data in one region (-1: every region). */
int model_config_write(Model *m, int cfg, int region, bool bad);
/* What bad data costs the requests of the services that read it: the
 * share of them that fail (1: every one, as model_config_write's bad data)
 * and the extra CPU time and latency each pays (see ModelCode). Writing
 * good data clears it. */
int model_config_write_cost(Model *m, int cfg, int region, bool bad, double errors, SimTime cpu,
                            SimTime latency);

/* A version of a service's code. Versions belong to instances: a request
 * fails with the error rate of the version its instance runs, and pays
 * its costs. `cpu` is extra own work per request (it holds a worker and
 * counts in utilisation and the CPU autoscaling signal); `latency` holds
 * the request up on its way to the instance, before it is admitted,
 * holding no worker (it shows in latency and in callers' timeouts). */
typedef struct ModelCode {
    int version;            /* a label; every instance starts on version 0 */
    double errors;          /* < 0: as the version has it (new: the topology's error_rate) */
    SimTime cpu, latency;   /* < 0: as the version has it (new: 0) */
} ModelCode;

/* Puts a version on instances of svc in region (-1: every region).
 * Whole (share < 0 and count < 0, or share >= 1): every instance, and the
 * pool's new instances (scaled out, autoscaled) start on it from now on.
 * Partial: instances in index order move until ceil(share x live
 * instances), or `count`, run it (never fewer than already do); new
 * instances keep starting on the version the pool was deployed to.
 * from >= 0: only instances on version `from` move (a whole move then
 * changes what new instances start on only if that was `from`). A version
 * already present takes the error rate and costs given (those < 0 stay). -1 with the reason
 * in model_last_error() when a pool would hold more than POOL_NCODES
 * versions at once. */
int model_set_code(Model *m, int svc, int region, const ModelCode *code, double share, int count,
                   int from);
/* model_set_code of the whole pool, without costs. */
int model_set_version(Model *m, int svc, int region, int version, double error_rate);
/* The newest (highest) version any live instance of svc in region runs;
 * the version new instances start on when none is live; -1 when the
 * service is not deployed there. */
int model_version(const Model *m, int svc, int region);
/* Live (not stopped) instances of svc in region (-1: all) that run
 * `version`, and live instances in all, into *on and *live. */
void model_version_count(const Model *m, int svc, int region, int version, int *on, int *live);

/* Requests of svc in region (-1: every region) answered over the last
 * complete interval by instances that ran `version` when they answered
 * (real counts), and their latencies. A request an instance turned away
 * (queue full, waited too long) counts against the instance's version;
 * one that found no instance belongs to none. */
typedef struct VersionStats {
    double ok, degraded, failed;
    Hist latency;
} VersionStats;
void model_version_stats(const Model *m, int svc, int region, int version, VersionStats *out);
/* Multiplies a source's base rate (1 = normal). */
int model_set_rate_factor(Model *m, int src, double factor);

/* ---- responses ---- */

/* Restarts instances (count < 0: all, including those waiting). With
 * manual, the restart bypasses the platform: a person starts them by hand,
 * taking `manual_time` each. */
int model_restart(Model *m, int svc, int region, int count, bool manual, SimTime manual_time);
/* A rolling restart (a redeploy): `batch` instances at a time, each batch
 * once the one before it serves again. A batch that cannot come back (its
 * platform cannot schedule it) holds the rest. */
int model_rolling_restart(Model *m, int svc, int region, int batch);
/* The same, restarting only the instances that run `version` now (a
 * rollback redeploys only what got the bad version); version < 0: all. */
int model_rolling_restart_on(Model *m, int svc, int region, int batch, int version);
/* Sets the number of instances (scale out or in), through the platform. */
int model_scale(Model *m, int svc, int region, int instances);
/* Sets the autoscaler's maximum; an error for a service without one. */
int model_set_scale_max(Model *m, int svc, int region, int max);
/* A call edge's policy changed mid-run (set_call): in the pools of `from`
 * in `region` (-1: every region), every call to `to` takes the fields of
 * `pol` that `set` names (MODEL_CALL_* bits); the others keep the value
 * they have there. Nothing changes when the result would be invalid (a
 * backoff max below its base): -1, with the reason. The Topo is not
 * written: each pool holds its own copy of its calls. */
enum {
    MODEL_CALL_TIMEOUT = 1u << 0, MODEL_CALL_RETRIES = 1u << 1,
    MODEL_CALL_BACKOFF_BASE = 1u << 2, MODEL_CALL_BACKOFF_MAX = 1u << 3,
    MODEL_CALL_BACKOFF_MULTIPLIER = 1u << 4, MODEL_CALL_BACKOFF_JITTER = 1u << 5,
    MODEL_CALL_BUDGET_ENABLED = 1u << 6, MODEL_CALL_BUDGET_RATIO = 1u << 7,
    MODEL_CALL_BUDGET_BURST = 1u << 8,
};
int model_set_call(Model *m, int from, int to, int region, const TopoCall *pol, unsigned set);
/* The policy in force on the first call from `from` to `to` in region
 * (-1: the first pool of `from`), or NULL when there is none. */
const TopoCall *model_call_policy(const Model *m, int from, int to, int region);
/* The autoscaler changed mid-run (set_autoscale): the fields `set` names
 * (MODEL_AS_* bits), in region (-1: every region). An error for a service
 * without autoscaling, and for a result with min above max or a target out
 * of range (a utilisation or CPU target is in (0, 1]). A new period takes
 * effect after the decision already scheduled. */
enum {
    MODEL_AS_SIGNAL = 1u << 0, MODEL_AS_TARGET = 1u << 1, MODEL_AS_MIN = 1u << 2,
    MODEL_AS_MAX = 1u << 3, MODEL_AS_PERIOD = 1u << 4, MODEL_AS_STEP = 1u << 5,
};
int model_set_autoscale(Model *m, int svc, int region, const TopoAutoscale *as, unsigned set);
/* The autoscaler in force in region (-1: the first pool) into *out, max
 * included (as scale{} may have raised it); false when the service is not
 * deployed there. */
bool model_autoscale(const Model *m, int svc, int region, TopoAutoscale *out);
/* New routing weights for a source, effective after the topology's
 * propagation delay. weights has nregions entries summing to 1. */
int model_shift_traffic(Model *m, int src, const double *weights);
/* Removes (or restores) the dependency of `from` on `to`: its requests
 * skip those calls, as if the code no longer made them. For what-if runs
 * ("what if the platform did not need the API to schedule?"). */
int model_cut_call(Model *m, int from, int to, bool cut);
/* Replaces a source's client behaviour (retries, re-attempts, patience). */
int model_set_client(Model *m, int src, const TopoClient *client);
const TopoClient *model_client(const Model *m, int src);
/* Turns the fallback answer of calls from `from` to `to` on or off
 * (degrade instead of failing), overriding the topology. */
int model_set_fallback(Model *m, int from, int to, bool on);
/* Forces every breaker on calls to `to` open (or back to automatic). */
int model_force_breakers(Model *m, int to, bool open);
/* Sheds a fraction of new requests at a service in a region. */
int model_shed(Model *m, int svc, int region, double fraction);

/* ---- observation ---- */

int model_instances(const Model *m, int svc, int region, InstState st);
/* The routing weights in force for a source (nregions entries). */
const double *model_source_weights(const Model *m, int src);
/* Fraction of requests answered ok or degraded at svc/region over the last
 * complete interval; 1 when there were none. */
double model_availability(const Model *m, int svc, int region);
/* The availability of intents over the last interval, as users saw it:
 * intents answered ok or degraded, over those plus the times a user saw a
 * failure. A user who fails twice and then succeeds counts three times. */
double model_source_availability(const Model *m, int src);
const PoolStats *model_last_pool(const Model *m, int svc, int region);
const SourceStats *model_last_source(const Model *m, int src);

/* A source's nominal rate at time t: intents per second, real (sampling
 * undone), from the topology's rate and shape, without surges. */
double model_source_nominal_rate(const Model *m, int src, SimTime t);
bool model_config_bad(const Model *m, int cfg, int region);
/* Instances are waiting for a scheduler that has failed to schedule them. */
bool model_stalled(const Model *m, int svc, int region);
/* A deadlock episode is open for svc in region. */
bool model_deadlocked(const Model *m, int svc, int region);
/* Telemetry (when the topology names a monitoring service): every interval
 * each pool of each non-external service but monitoring that has an
 * instance serving sends one ordinary request to monitoring (in its region,
 * by the usual routing), with the interval as its timeout; monitoring's own
 * calls, queues and timeouts apply. model_telemetry: those answered ok or
 * degraded during the last complete interval, from svc in region (-1: all
 * regions summed). model_heard_from_any: any was, in the last complete
 * interval; true when the topology names no monitoring service (and before
 * the first interval ends). */
int model_telemetry(const Model *m, int svc, int region);
bool model_heard_from_any(const Model *m);
/* What svc's workers in region (-1: every region) are waiting on now: the
 * service most of its worker-holding requests are calling or backing off
 * to retry, or -1 when fewer than half of its busy workers wait on a call
 * (or none is busy). Ties go to the lower service index. */
int model_waiting_on(const Model *m, int svc, int region);
int model_ndeadlocks(const Model *m);
const ModelDeadlock *model_deadlock(const Model *m, int i);

#endif
