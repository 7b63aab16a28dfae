/*
 * model_internal.h: the Model's live state, shared by the model_*.c files.
 *
 * Who owns what:
 *   Model   owns Pools (one per service x region where it is deployed, plus
 *           one per external service), the Req and Intent free lists, the
 *           per-interval stats and the deadlock log.
 *   Pool    owns its Insts (a growable array; instances are never moved
 *           while a request is on them, only appended).
 *   Req     one attempt at one service. Links to its caller (parent) or its
 *           Intent or the instance it schedules or starts (sched_for and
 *           sched_inst) or the Pool whose telemetry it carries, and to at
 *           most one outstanding
 *           child attempt. A Req that has lost its caller (timed out) is an
 *           orphan: it still runs to the end, as real servers do, and its
 *           answer is dropped. That wasted work is what keeps a retry storm
 *           going after its trigger has passed.
 *
 *   SourceRt owns, once deferral is first used, one DeferCust per simulated
 *           customer (the backlog of work it put aside).
 *
 * Events carry a pointer and a generation number in their argument, so an
 * event for a Req that has since been recycled is recognised and ignored.
 */
#ifndef FD_MODEL_INTERNAL_H
#define FD_MODEL_INTERNAL_H

#include "base/rng.h"
#include "model/model.h"

typedef struct Req Req;
typedef struct Intent Intent;
typedef struct Pool Pool;

typedef enum Outcome { OUT_OK, OUT_DEGRADED, OUT_FAILED } Outcome;

typedef enum ReqState {
    RQ_FREE,
    RQ_QUEUED,      /* in an instance's queue */
    RQ_WORKING,     /* own work in progress (holds a worker) */
    RQ_CALLING,     /* waiting on a downstream call (holds a worker) */
    RQ_BACKOFF,     /* waiting to retry a downstream call (holds a worker) */
    RQ_STALLED,     /* on a hung tier: holds a worker, no progress */
    RQ_EXTERNAL,    /* at an external service: no instance */
    RQ_INBOUND      /* held up before admission by its instance's latency cost: holds
                     * nothing; `inst` is the instance it was routed to */
} ReqState;

/* Records of one kind in blocks of `per` zeroed records, handed out in
 * order (rec_take, model.c) and freed with the model (rec_free). */
typedef struct RecBlocks {
    void **blocks;
    int n;
    int unused;             /* records never handed out, at the end of the last block */
} RecBlocks;

struct Req {
    uint32_t gen;
    uint8_t state;
    uint8_t degraded;       /* some optional call failed or a fallback was used */
    uint8_t last_timeout;   /* the last failed attempt of the current call timed out */
    uint8_t orphaned;       /* its caller gave up on it */
    int16_t call;           /* index of the call in progress, -1 before the first */
    int16_t attempt;        /* attempts made for that call */
    Pool *pool;
    int32_t inst;           /* instance index in pool, -1 if none */
    SimTime arrived;        /* at this service */
    SimTime enqueued;
    SimEventId ev;          /* work done / backoff over */
    SimEventId timeout;     /* timeout of the outstanding child */
    Req *parent;            /* caller, NULL for roots and orphans */
    Req *child;             /* outstanding downstream attempt */
    Intent *intent;         /* for client attempts */
    Pool *sched_for;        /* for scheduling requests and start-up calls: the pool... */
    int32_t sched_inst;     /* ...and the instance they are for */
    Pool *tele_for;         /* for telemetry requests: the pool that sent it */
    Pool *cfg_for;          /* for configuration refreshes: the pool whose cache it fills */
    int cfg_slot;           /* ...and the copy in it (instance x reads + item) */
    Req *next, *prev;       /* queue or stalled list; free list uses next */
    int origin;             /* pool index where a failure started, -1 */
};

struct Intent {
    Model *m;
    uint32_t gen;
    int source, region;
    uint32_t customer;
    SimTime start;
    int reattempts;         /* user re-attempts made */
    int retries;            /* client retries within this user attempt */
    bool failed_once;       /* some attempt failed (for customers affected) */
    bool probe;             /* a waiting customer checking back with deferred work */
    Req *req;               /* outstanding attempt */
    SimEventId timeout;
    SimEventId ev;
    Intent *next_free;
};

/* Where a waiting instance stands on its way back (model_sched.c). */
typedef enum SchedState {
    SCHED_IDLE,     /* not asking: asks when poked */
    SCHED_ASKING,   /* its scheduling request is at the platform (sched_ev: timeout) */
    SCHED_BACKOFF,  /* waiting to ask again (sched_ev) */
    SCHED_QUEUED,   /* scheduled; waiting for a start slot at the platform */
    SCHED_PARKED    /* gave up after the policy's retries; waits for a poke */
} SchedState;

typedef struct Inst {
    uint8_t state;
    uint8_t sched;          /* SchedState, while waiting */
    bool hung;              /* this instance is wedged */
    bool draining;
    bool fresh;             /* newly provisioned: boots after the provisioning delay */
    bool rolling;           /* restarted by the rolling restart in progress */
    bool roll_mark;         /* chosen for the rolling restart in progress (roll_filter) */
    uint8_t code;           /* the version it runs: an index into its Pool's codes */
    int busy;
    int qlen;
    int health_fails;
    Req *qhead, *qtail;     /* FIFO of queued requests (doubly linked) */
    Req *active;            /* requests holding a worker (doubly linked) */
    SimEventId ev;          /* boot completion; then a start-up call's timeout or backoff */
    uint32_t gen;           /* bumped on crash: stale boot events are ignored */
    /* way back (model_sched.c) */
    Req *req;               /* scheduling request or start-up call in flight, or NULL */
    SimEventId sched_ev;    /* scheduling timeout or backoff */
    int sched_fails;        /* failed attempts and failed starts since it last served */
    int sched_plat;         /* the platform pool it asked */
    int boot_plat;          /* the platform pool whose start slot it holds, -1 */
    uint32_t ticket;        /* its place in that platform's start queue */
    int16_t boot_call;      /* start-up call in progress */
    int16_t boot_attempt;   /* attempts made for it */
} Inst;

/* A scheduled instance waiting for a start slot at its platform. */
typedef struct StartTicket {
    int pool, inst;
    uint32_t ticket;
} StartTicket;
/* A version of a pool's code and what it does to the requests it serves.
 * Instances name theirs by index, so that moving one is a byte store and
 * the per-version statistics are an array. A slot no instance runs (and
 * that new instances would not start on) is reused for the next version. */
#define POOL_NCODES 6
typedef struct Code {
    int version;            /* the label the scenario gave it; -1: slot free */
    double errors;          /* share of requests it fails */
    SimTime cpu;            /* extra own work per request: holds a worker, counts as CPU */
    SimTime latency;        /* extra delay per request before admission: holds nothing */
} Code;

/* Requests answered by the instances on one code over an interval
 * (simulated counts). */
typedef struct CodeAccum {
    double ok, degraded, failed;
    Hist latency;
} CodeAccum;

/* Per configuration item and region: what its data does when bad. */
typedef struct CfgCost {
    double errors;          /* share of reading requests that fail (1 for plain bad data) */
    SimTime cpu, latency;   /* as Code's */
} CfgCost;

/* Per call edge of a pool: retry budget and breaker. */
typedef struct CallState {
    double tokens;
    uint8_t breaker;        /* 0 closed, 1 open, 2 half-open */
    bool forced_open;
    bool partitioned;       /* attempts are lost on the way (partition{}) */
    int8_t fallback;        /* -1: as the topology says; 0 off; 1 on */
    int win_total, win_failed;
    SimTime win_start, open_until;
    int probes_left, probes_ok;
} CallState;

/* A pool's cached copy of one configuration item it reads (an item with a
 * ttl; model_config.c). */
typedef struct CfgCache {
    SimTime fetched;        /* when the copy in use was asked for */
    SimTime asked;          /* when the refresh in flight was asked for */
    bool bad;               /* the copy holds bad data */
    Req *req;               /* the refresh in flight, or NULL */
    SimEventId timeout;     /* its timeout */
} CfgCache;

typedef struct PoolAccum {
    double offered, ok, degraded, failed[FAIL_NCAUSES], wasted;
    Hist latency;
    double latency_sum;     /* seconds */
    double busy_area;       /* worker-seconds busy */
    double slot_area;       /* worker-seconds available on serving instances */
    double queue_area;      /* request-seconds queued */
    double own_area;        /* worker-seconds of own work (the CPU signal) */
    int telemetry;          /* telemetry from this pool answered by monitoring */
} PoolAccum;

struct Pool {
    Model *m;
    int index;
    int svc, region;
    /* The service's settings in force here: `own`, a copy of the topology's
     * with its own copy of the calls, so that the scenario can change a
     * call's policy or the autoscaler mid-run (set_call, set_autoscale) in
     * one region without writing into the Topo, which is read-only and may
     * be shared. ts points at own. */
    const TopoService *ts;
    TopoService own;
    TopoCall *own_calls;
    Inst *inst;
    int ninst, cap;
    int rr;                 /* round-robin cursor (also where least-outstanding's ties start) */
    int nbusy, nqueued;     /* workers busy and requests queued, over all instances */
    int nup;                /* instances in state INST_UP (draining ones included) */
    double isc;             /* real instances each simulated one stands for (sampling) */
    int concurrency, queue; /* per simulated instance: the real ones unless isc != sampling */
    int max_inflight;
    /* faults and responses */
    bool hung;
    SimTime extra_latency;
    double inject_errors, shed;
    /* versions: every instance runs one of codes[]; new instances start on
     * codes[target], the version the pool is deployed to */
    Code codes[POOL_NCODES];
    int target;
    CodeAccum *code_acc;    /* [POOL_NCODES] this interval; NULL until a second version */
    CodeAccum *code_last;   /* [POOL_NCODES] the last complete interval */
    bool roll_filter;       /* the rolling restart restarts only instances with roll_mark */
    /* scheduling: this pool's instances on their way back */
    int waiting;            /* instances waiting for the platform */
    int asking;             /* of them, asking or queued for a start slot */
    SimEventId sched_ev;    /* poke when the provisioning rate allows again */
    bool sched_failed;      /* the last scheduling attempt failed */
    int blocked_by;         /* pool index a failed scheduling attempt ran into, -1 */
    int start_blocked_by;   /* pool index the last failed start ran into (a start-up
                             * call), -1 once an instance serves */
    int start_via;          /* the service that start-up call went to */
    bool deadlock_open;
    int start_failures;     /* starts that failed (a start-up call failed), ever */
    Rng sched_rng;          /* "sched:": backoff jitter and start-up draws */
    /* scheduling: this pool as the platform of others (or of itself) */
    int booting;            /* instances it scheduled that hold a start slot */
    double boot_real;       /* the real instances those stand for (sampling): what
                             * the throttle counts */
    StartTicket *startq;    /* scheduled instances waiting for a slot (FIFO ring) */
    int startq_head, startq_len, startq_cap;
    uint32_t next_ticket;
    SimTime throttle_next;  /* the next start may begin at this time (`rate`) */
    SimEventId throttle_ev; /* drains the queue then */
    /* rolling restart */
    int roll_batch;         /* 0: none in progress */
    int roll_next;          /* next instance index to restart */
    int roll_pending;       /* instances of the current batch not serving yet */
    /* autoscaling */
    int scale_max;
    int pending_starts;     /* instances asked for, not yet waiting or up */
    double started_this_min;
    SimTime minute_start;
    double as_busy_area, as_slot_area, as_own_area;
    SimTime area_last;      /* last time the areas were integrated */
    CallState *calls;
    CfgCache *cfg;          /* per instance slot, per item the service reads:
                             * [inst * ts->nconfigs + c]; NULL when none has a ttl */
    int cfg_slots;          /* instance slots it covers (grown with cap) */
    /* telemetry to the monitoring service */
    Req *tele_req;          /* in flight, or NULL */
    SimEventId tele_ev;     /* its timeout */
    Rng rng;
    Rng route_rng;          /* routing: random draws only, so that choosing the policy leaves
                             * the pool's other draws as they were */
    PoolAccum acc;
    PoolStats last;         /* the last complete interval */
    bool has_last;
};

typedef struct ModelWarning {
    int svc, region;
    char *text;
} ModelWarning;

/* A customer's deferred work (client `defer`). */
typedef struct DeferCust {
    uint16_t backlog;       /* intents put aside (saturating) */
    uint8_t region;         /* where the customer was when it began waiting */
    uint8_t waiting;        /* it is waiting: new intents join the backlog */
} DeferCust;

typedef struct SourceRt {
    Model *m;
    const TopoSource *ts;
    TopoClient client;      /* in force; starts as the topology's */
    int index;
    double factor;          /* surge multiplier */
    double *weights;        /* in force */
    double *pending_weights;
    SimEventId *arrival;    /* per region */
    SimEventId shift_ev;
    SimEventId step_ev;
    int next_point;         /* steps/csv: next rate change */
    Rng rng;
    uint8_t *affected;      /* bitset over simulated customers */
    uint32_t ncustomers;
    double affected_count;
    DeferCust *defer;       /* per simulated customer; NULL until deferral is first used */
    uint32_t nwaiting;      /* customers waiting */
    Rng drng;               /* "defer:NAME": deferral and rechecks */
    struct {
        double intents, ok, degraded, failed, attempts, attempts_ok, attempts_failed, user_failures;
        double user_attempts, deferred, released;
    } acc;
    SourceStats last;
    bool has_last;
} SourceRt;

struct Model {
    const Topo *topo;
    Sim *sim;
    ModelOptions opt;
    double sampling;
    bool config_started;    /* config_start ran: instance slots get copies as they come */
    Pool *pools;
    int npools;
    int *pool_of;           /* [svc * nregions + region] -> pool index or -1 */
    int *ext_pool;          /* external service -> pool index */
    SourceRt *sources;
    bool **cut;             /* [from][to]: dependency removed */
    bool *cfg_bad;          /* [cfg * nregions + region] */
    CfgCost *cfg_cost;      /* [cfg * nregions + region]: meaningful where cfg_bad */
    /* Requests and intents come from blocks, recycled through free lists;
     * a block's records are handed out in order as the lists run dry, so a
     * block's pages are touched only as far as the run needs them. */
    Req *req_free;
    Intent *intent_free;
    RecBlocks reqs, intents;
    SimTime interval_start;
    SimEventId interval_ev;
    PoolStats *stats_pools;
    SourceStats *stats_sources;
    ModelDeadlock *deadlocks;
    int ndeadlocks, capdeadlocks;
    int *wait_count;        /* [service]: scratch for model_waiting_on, kept all zero */
    /* telemetry: senders spread over the first half of each interval */
    SimEventId tele_ev;
    int tele_next;          /* next pool index to consider */
    int tele_nsenders;      /* pools that may send (non-external, not monitoring) */
    int tele_sent;          /* senders considered this interval */
    SimTime tele_start;     /* start of the interval being sent for */
    ModelWarning *warnings; /* what sampling does to pools it cannot keep exact */
    int nwarnings, capwarnings;
    char err[160];
    bool oom;
};

/* Event arguments: a generation in the high half. */
static inline uint64_t gen_arg(uint32_t gen, uint32_t extra)
{
    return ((uint64_t)gen << 32) | extra;
}

/* model.c */
Pool *model_pool(const Model *m, int svc, int region);
/* The pool of svc in region, or NULL with the error set ("not deployed"). */
Pool *pool_or_error(Model *m, int svc, int region);
/* Where a call to svc from from_region goes; to_region >= 0 names the
 * region (a call's `region:`), -1 routes as the load balancer does. */
Pool *model_pool_for_call(Model *m, int svc, int from_region, int to_region);
void model_set_error(Model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pool_integrate(Model *m, Pool *p);
int pool_serving(const Pool *p);
int pool_to_sim(const Pool *p, int real);
int pool_to_real(const Pool *p, int sim);

/* Runs fn over one region's pool, or every pool of the service when
 * region < 0. Returns -1 when no pool matched. */
#define FOR_POOLS(m, svc, region, p, body)                                  \
    do {                                                                    \
        int matched_ = 0;                                                   \
        for (int pi_ = 0; pi_ < (m)->npools; pi_++) {                       \
            Pool *p = &(m)->pools[pi_];                                     \
            if (p->svc != (svc) || ((region) >= 0 && p->region >= 0 &&      \
                                    p->region != (region)))                 \
                continue;                                                   \
            matched_++;                                                     \
            body;                                                           \
        }                                                                   \
        if (!matched_) {                                                    \
            if ((region) >= 0) pool_or_error((m), (svc), (region));         \
            return -1;                                                      \
        }                                                                   \
    } while (0)

/* model_req.c */
SimTime backoff_delay(const TopoBackoff *b, int retry, Rng *rng);
void req_abandon(Model *m, Req *r);
Req *req_new(Model *m);
void req_free(Model *m, Req *r);
/* A record never handed out before (zeroed), from a new block of `per`
 * when the last is used up; NULL, with the model stopped as out of memory,
 * when none can be had. */
void *rec_take(Model *m, RecBlocks *b, size_t size, int per);
void rec_free(RecBlocks *b);
void req_arrive(Model *m, Req *r, Pool *p);
void inst_kill_requests(Model *m, Pool *p, int i);
void pool_release_stalled(Model *m, Pool *p);
void inst_dequeue(Model *m, Pool *p, int i);

/* model_client.c */
void sources_start(Model *m);
void client_attempt_done(Model *m, Intent *it, Outcome out);
void source_apply_rates(Model *m, SourceRt *s);
void source_schedule_shift(Model *m, SourceRt *s);
double source_rate(const Model *m, const SourceRt *s, int region);

/* model_sched.c */
void sched_start(Model *m);
void sched_poke(Model *m, Pool *p);
void sched_manual_start(Model *m, Pool *p, int i, SimTime manual_time);
void sched_scale_in(Model *m, Pool *p, int n);
void sched_roll_next(Model *m, Pool *p);
void sched_done(Model *m, Pool *p, int i, Outcome out, int origin);
void inst_crash(Model *m, Pool *p, int i);
int pool_add_instances(Model *m, Pool *p, int n);

/* model_deadlock.c */
/* After a failed scheduling attempt or start of p: reports the circular
 * wait p is in, if any, once per episode. */
void check_deadlock(Model *m, Pool *p);

/* model_config.c */
int config_start(Model *m);
/* Extends p's copies to its instance capacity (after the array grew). */
int config_grow(Model *m, Pool *p);
/* Instance i of p came up: its copies are the store's data as it boots. */
void config_boot(Model *m, Pool *p, int i);
void config_refresh_done(Model *m, Pool *p, int slot, Outcome out);
bool config_fails(const Model *m, Pool *p, int inst);

/* model_metrics.c */
void metrics_start(Model *m);
void metrics_emit(Model *m, SimTime end);
void telemetry_done(Model *m, Pool *from, Outcome out);

#endif
