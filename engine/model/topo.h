/*
 * topo.h: a topology, as loaded from YAML and validated.
 *
 * The Topo is plain data: the loader (load/topo_load.c) fills it, the
 * analyses (model/topo_check.c) read it, and the runtime model
 * (model/model.c) builds its live state from it. Nothing here changes while
 * a simulation runs; live state (instances, config versions, routing
 * weights) lives in the Model.
 *
 * References between objects are indexes into the Topo's arrays (-1 for
 * none), resolved by the loader, so a Topo can be copied into a worker
 * without fixing pointers. Every object keeps the FdLoc where it was
 * defined, so any later diagnostic can point at its YAML line.
 *
 * Units: durations are SimTime (ns); rates are per second of real traffic
 * (before sampling); fractions are 0..1 (the YAML says "90%" or 0.9);
 * service-time distributions are in seconds.
 *
 * Ownership: the Topo owns every string and array in it; topo_free()
 * releases them. FdLoc.file points at Topo.file.
 */
#ifndef FD_TOPO_H
#define FD_TOPO_H

#include <stdbool.h>
#include <stdint.h>
#include "base/diag.h"
#include "base/dist.h"
#include "base/digest.h"
#include "base/fd_time.h"

typedef enum SvcKind {
    SVC_SERVICE,      /* ordinary request-serving service */
    SVC_STORAGE,      /* block/object storage or a database: may hang instead of failing */
    SVC_EXTERNAL      /* outside the team's control: no instances, a latency and an error rate */
} SvcKind;

typedef struct TopoRegion {
    char *name;
    FdLoc loc;
} TopoRegion;

/* Exponential backoff with jitter: attempt k (1-based retry) waits
 * min(max, base * multiplier^(k-1)), then scaled by a uniform factor in
 * [1 - jitter, 1]. */
typedef struct TopoBackoff {
    SimTime base;          /* default 100ms */
    SimTime max;           /* default 10s */
    double multiplier;     /* default 2 */
    double jitter;         /* 0..1, default 1 (full jitter) */
} TopoBackoff;

/* A retry budget as a token bucket: every first attempt adds `ratio`
 * tokens (up to `burst`); a retry spends one token, and is not sent when
 * there is none. Disabled: retries are unlimited. */
typedef struct TopoRetryBudget {
    bool enabled;
    double ratio;          /* e.g. 0.1: retries may add 10% to the load */
    double burst;          /* bucket size, default 10 */
} TopoRetryBudget;

/* A circuit breaker on one call edge, kept per calling service and region.
 * Opens when, over `window`, at least `min_requests` attempts were made and
 * the failed fraction reached `error_rate`; stays open `open_for`, then lets
 * `probes` attempts through (half-open) and closes if they all succeed. */
typedef struct TopoBreaker {
    bool enabled;
    double error_rate;     /* default 0.5 */
    int min_requests;      /* default 20 */
    SimTime window;        /* default 10s */
    SimTime open_for;      /* default 30s */
    int probes;            /* default 5 */
    FdLoc loc;
} TopoBreaker;

/* TopoCall.region while loading `regions: all` (expanded before the load
 * returns: a loaded Topo never holds it). */
#define TOPO_CALL_ALL_REGIONS (-2)

typedef struct TopoCall {
    int target;            /* service index */
    FdLoc loc;
    int region;            /* the region it goes to; -1 (default): the caller's, with the
                            * load balancer's fallback rules */
    FdLoc region_loc;      /* where `region:` (or `regions: all`) was written */
    SimTime timeout;       /* per attempt; default 1s */
    int retries;           /* extra attempts after the first; default 0 */
    TopoBackoff backoff;
    TopoRetryBudget budget;
    bool critical;         /* default true: failure fails the request */
    bool fallback;         /* on failure answer with a fallback: degraded, not failed */
    double probability;    /* fraction of requests that make this call; default 1 */
    TopoBreaker breaker;
} TopoCall;

/* What the autoscaler watches: workers busy (including those waiting on
 * downstream calls), requests in flight per instance, or CPU: the time
 * workers spend on their own work only. Scaling on CPU while workers wait
 * on the network sees an idle tier and shrinks it. */
typedef enum ScaleSignal { SCALE_UTILISATION, SCALE_CONCURRENCY, SCALE_CPU } ScaleSignal;

/* Target tracking: every `period`, desired = ceil(current * signal / target)
 * bounded by `step` per decision and by [min, max]; new instances are
 * provisioned after `delay`, at most `rate` per minute, and only while the
 * platform the service runs on can schedule. */
typedef struct TopoAutoscale {
    bool enabled;
    ScaleSignal signal;
    double target;         /* utilisation 0..1, or in-flight requests per instance */
    SimTime period;        /* default 1m */
    SimTime delay;         /* provisioning delay, default 2m */
    int step;              /* most instances added or removed per decision; default 10 */
    int min, max;          /* per region */
    double rate;           /* most instances started per minute, per region; 0 = no limit */
    FdLoc loc;
} TopoAutoscale;

/* Health checks: an instance whose checks fail `failures` times in a row
 * (a crashed or hung instance fails them) is taken out of the load balancer
 * and restarted through its platform. */
typedef struct TopoHealth {
    bool enabled;
    SimTime interval;      /* default 10s */
    int failures;          /* default 3 */
} TopoHealth;

/* Admission control and load shedding at each instance. */
typedef struct TopoAdmission {
    int max_inflight;      /* per instance, workers + queue; 0 = concurrency + queue */
    SimTime max_queue_wait;/* drop requests that waited longer (they are "rejected"); 0 = off */
    double shed_above;     /* utilisation above which new requests are shed; 0 = off */
} TopoAdmission;

/* How the load balancer in front of a pool picks the instance a request
 * goes to. The choice shapes queueing: over k single-worker instances with
 * Poisson arrivals, round-robin gives each instance Erlang-k interarrival
 * times (E_k/M/1), random splits the stream into k independent M/M/1
 * queues, and least-outstanding comes close to one shared M/M/k queue. */
typedef enum RoutePolicy {
    ROUTE_ROUND_ROBIN,        /* the next serving instance in turn (default) */
    ROUTE_LEAST_OUTSTANDING,  /* fewest requests working and queued; ties in turn */
    ROUTE_RANDOM              /* uniform over serving instances */
} RoutePolicy;

/* How a platform schedules the instances that run on it, set on the
 * platform service (the one others name in `runs_on`); a service without
 * `runs_on` is its own platform. Every waiting instance asks on its own:
 * an attempt is a request to the platform in the instance's region that
 * fails after `timeout`. After a failed attempt, or a failed start, the
 * instance waits backoff(k) (k: failures in a row since it last served)
 * and asks again; after `retries` retries in a row have failed it gives up
 * and waits until the service is restarted, crashes or is scaled again.
 * Of the instances it has scheduled, at most `parallel` boot at once and
 * at most `rate` start per second, per platform and region; the others
 * wait their turn, first come first served. */
typedef struct TopoScheduler {
    SimTime timeout;       /* per attempt; default 30s */
    int retries;           /* default -1: never gives up */
    TopoBackoff backoff;   /* default 5s to 60s, doubling, 50% jitter */
    int parallel;          /* instances booting at once; 0 (default): no limit */
    double rate;           /* starts per second; 0 (default): no limit */
    FdLoc loc;
} TopoScheduler;
/* Overload collapse (off by default): past a concurrency knee an
 * instance's work slows down for every request on it, so throughput falls
 * under overload instead of levelling off. The slowdown is Gunther's
 * Universal Scalability Law counted from the knee: with n requests on the
 * instance (workers busy, real counts) and x = n - knee > 0, a request's
 * own work takes
 *     service_time * (1 + contention * x + coherency * x * (n - 1))
 * (N. J. Gunther, Guerrilla Capacity Planning, Springer 2007). The factor is
 * taken when the work starts. */
typedef struct TopoCollapse {
    bool enabled;
    int knee;              /* requests per instance before any slowdown */
    double contention;     /* sigma: serialisation, per request past the knee */
    double coherency;      /* kappa: crosstalk, per pair */
    FdLoc loc;
} TopoCollapse;

typedef struct TopoDeploy {
    int region;
    int instances;
    FdLoc loc;
} TopoDeploy;

typedef struct TopoService {
    char *name;
    FdLoc loc;
    SvcKind kind;
    TopoDeploy *deploy;    /* one per region the service runs in */
    int ndeploy;
    int concurrency;       /* workers per instance; default 16 */
    int queue;             /* bounded queue per instance; default 64 */
    Dist service_time;     /* seconds of own work per request */
    double error_rate;     /* intrinsic failure probability; default 0 */
    TopoCall *calls;
    int ncalls;
    int *configs;          /* config item indexes read on every request */
    int nconfigs;
    int runs_on;           /* platform service index, or -1 (not scheduled: restarts itself) */
    FdLoc runs_on_loc;
    SimTime restart_time;  /* from scheduled to serving, before start-up calls; default 30s */
    TopoCall *startup;     /* calls a booting instance makes, in order, before it serves */
    int nstartup;
    TopoScheduler scheduler; /* how it schedules what runs on it (or itself) */
    TopoHealth health;
    TopoAutoscale autoscale;
    TopoAdmission admission;
    TopoCollapse collapse;
    bool cross_region;     /* the load balancer may send to other regions when none is local */
    RoutePolicy routing;   /* how the load balancer picks an instance; default round-robin */
    char *owner;           /* owning team, or NULL */
} TopoService;

/* A configuration item. Without `ttl` its data is read straight from the
 * model's copy on every request (a write reaches every reader at once).
 * With `ttl` (and a store), each pool of a reading service keeps a cached
 * copy and refreshes it every ttl with an ordinary request to the store;
 * a failed refresh leaves the cached copy in use (stale-while-error) until
 * it is older than max_stale, after which the readers' requests fail
 * (FAIL_BAD_CONFIG). */
typedef struct TopoConfig {
    char *name;
    FdLoc loc;
    int store;             /* the service that holds it, or -1 */
    SimTime ttl;           /* 0: no cache, read as it is in the store */
    SimTime max_stale;     /* 0: a stale copy is served for ever */
    SimTime timeout;       /* of a refresh request; default 1s */
} TopoConfig;

typedef enum ShapeKind { SHAPE_CONSTANT, SHAPE_DIURNAL, SHAPE_STEPS, SHAPE_CSV } ShapeKind;

typedef struct ShapePoint {
    SimTime at;            /* from the start of the run */
    double factor;         /* multiplies the base rate */
} ShapePoint;

/* A rate's shape over time, as a multiplier of the base rate.
 * diurnal: 1 + amplitude * cos(2 pi (t - peak) / period).
 * steps: the factor of the latest point at or before t (1 before the first).
 * csv: linear interpolation between points (held flat past the ends). */
typedef struct TopoShape {
    ShapeKind kind;
    double amplitude;      /* diurnal, 0..1 */
    SimTime period;        /* diurnal, default 24h */
    SimTime peak;          /* diurnal: time of the peak */
    ShapePoint *points;    /* steps and csv */
    int npoints;
    char *csv_path;        /* csv: the file it came from */
} TopoShape;

/* How the clients and the people behind them behave. An intent is what a
 * user wants done; attempts are the requests sent for it. */
typedef struct TopoClient {
    SimTime timeout;       /* per attempt; default 10s */
    int retries;           /* automatic client retries per user attempt; default 0 */
    TopoBackoff backoff;
    double reattempt;      /* probability a user tries again after a failure; default 0 */
    SimTime reattempt_after; /* mean pause before trying again; default 30s */
    int max_reattempts;    /* default 3 */
    SimTime patience;      /* the user gives up on the intent after this long; 0 = never */
    double offline;        /* fraction of intents a local cache answers on failure (degraded) */
    /* Pent-up demand: when the user finally gives up on an intent, with
     * probability `defer` the work is put aside instead of dropped. The
     * customer then waits: new intents go to its backlog unsent, and it
     * checks back after an exponential time of mean `recheck` with one of
     * them; once that works, the rest is sent within `catch_up`. Needs the
     * source's `customers` (ignored without it). */
    double defer;          /* default 0: no deferral */
    SimTime recheck;       /* mean time between checks of a waiting customer; default 10m */
    SimTime catch_up;      /* the backlog is sent uniformly over this; default 5m */
} TopoClient;

typedef struct TopoSource {
    char *name;
    FdLoc loc;
    int entry;             /* entry service index */
    double rate;           /* intents per second, real */
    TopoShape shape;
    double *weights;       /* per region (nregions entries), summing to 1 */
    uint64_t customers;    /* population the intents come from; 0 = unknown */
    TopoClient client;
    double slo;            /* availability objective of intents; default 0.99 */
} TopoSource;

typedef struct Topo {
    char *file;            /* path as given; every FdLoc.file points here */
    TopoRegion *regions;
    int nregions;
    TopoService *services;
    int nservices;
    TopoConfig *configs;
    int nconfigs;
    TopoSource *sources;
    int nsources;
    double sampling;       /* one simulated request stands for this many real ones; >= 1,
                            * or 0: not set, topo_sampling() picks the default */
    double budget;         /* if > 0: pick sampling so that simulated requests/s <= budget */
    SimTime interval;      /* metrics interval; default 10s */
    SimTime propagation;   /* routing-weight change propagation delay; default 1m */
    int monitoring;        /* the service that carries alerting, or -1 */
    int status_page;       /* the service the public status page runs on, or -1 */
    uint64_t inputs;       /* base/digest.h over the file and each CSV it names, as read */
} Topo;

void topo_init(Topo *t);
void topo_free(Topo *t);

/* The default sampling factor, from the error table in docs/architecture.md
 * (bench/sampling.py): the largest factor that kept both bundled replays, an
 * M/M/c pool and a retry storm within 1 minute of sampling 1's incident
 * clock and 1 point of its availability. */
#define FD_SAMPLING_DEFAULT 2

/* The sampling factor in force: settings.sampling when set; otherwise
 * FD_SAMPLING_DEFAULT, or 1 when some service runs a single instance in a
 * region (sampling cannot keep one instance whole). settings.budget, when
 * set, is applied by the model on top. */
double topo_sampling(const Topo *t);

int topo_find_service(const Topo *t, const char *name);
int topo_find_region(const Topo *t, const char *name);
int topo_find_config(const Topo *t, const char *name);
int topo_find_source(const Topo *t, const char *name);

/* Default values for the sub-structures, as the loader applies them. */
TopoBackoff topo_default_backoff(void);
TopoCall topo_default_call(void);
TopoClient topo_default_client(void);
TopoScheduler topo_default_scheduler(void);

/* Instances of service s in region r per the deployment (0 if not deployed). */
int topo_instances(const TopoService *s, int region);

#endif
