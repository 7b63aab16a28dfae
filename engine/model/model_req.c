/*
 * model_req.c: the request path.
 *
 * A request arrives at a pool, the load balancer picks a serving instance
 * (round-robin unless the service's `routing` says otherwise: the fewest
 * outstanding requests, or at random), admission control may turn it away,
 * and otherwise it takes a worker or waits in the instance's bounded queue.
 * Holding its worker, it does its own work (service time, plus injected
 * latency), checks the configuration it reads, then makes its calls one
 * after another. Each call attempt is a child request with a timeout; a
 * failed attempt is retried with backoff and jitter while the retry budget
 * lasts; a breaker on the edge can fail attempts fast. When the calls are
 * done it answers its caller (ok, degraded or failed, with a cause), frees
 * its worker, and the next queued request starts.
 *
 * The worker is held while waiting on calls: a hung dependency therefore
 * eats the caller's workers, then its queue, then its callers' patience,
 * which is how one stalled storage tier becomes 502s at the edge.
 *
 * Roots: a request without a caller answers its client's Intent, or the
 * instance whose scheduling or start-up call it was, or the pool whose telemetry it
 * carried to the monitoring service (model_metrics.c).
 *
 * Re-entrancy: answering may run the caller's code at once (a fast failure
 * propagates up synchronously). Every function here leaves the request it
 * touched in a consistent state before it calls out.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#define REQ_BLOCK 4096

/* ---- allocation ---- */

Req *req_new(Model *m)
{
    Req *r = m->req_free;
    if (r) m->req_free = r->next;
    else if (!(r = rec_take(m, &m->reqs, sizeof *r, REQ_BLOCK))) return NULL;
    uint32_t gen = r->gen;
    *r = (Req){ .gen = gen, .call = -1, .inst = -1, .origin = -1, .state = RQ_QUEUED };
    return r;
}

void req_free(Model *m, Req *r)
{
    sim_cancel(m->sim, r->ev);
    sim_cancel(m->sim, r->timeout);
    r->gen++;
    r->state = RQ_FREE;
    r->next = m->req_free;
    m->req_free = r;
}

/* ---- instance lists ---- */

static void list_push_back(Req **head, Req **tail, Req *r)
{
    r->next = NULL;
    r->prev = tail ? *tail : NULL;
    if (tail) {
        if (*tail) (*tail)->next = r;
        else *head = r;
        *tail = r;
    } else {
        /* active list: push front, no tail */
        r->prev = NULL;
        r->next = *head;
        if (*head) (*head)->prev = r;
        *head = r;
    }
}

static void list_remove(Req **head, Req **tail, Req *r)
{
    if (r->prev) r->prev->next = r->next;
    else *head = r->next;
    if (r->next) r->next->prev = r->prev;
    else if (tail) *tail = r->prev;
    r->next = r->prev = NULL;
}

static bool holds_worker(const Req *r)
{
    return r->state == RQ_WORKING || r->state == RQ_CALLING || r->state == RQ_BACKOFF ||
           r->state == RQ_STALLED;
}

/* ---- answering ---- */

static void start_request(Model *m, Pool *p, int i, Req *r);
static void child_done(Model *m, Req *parent, Outcome out, FailCause cause, int origin,
                       bool degraded);

/* Answers r: metrics at its pool, its worker freed, its caller told. */
static void finish(Model *m, Req *r, Outcome out, FailCause cause, int origin)
{
    Pool *p = r->pool;
    SimTime now = sim_now(m->sim);
    if (out == OUT_OK && r->degraded) out = OUT_DEGRADED;
    switch (out) {
    case OUT_OK: p->acc.ok += 1; break;
    case OUT_DEGRADED: p->acc.degraded += 1; break;
    case OUT_FAILED: p->acc.failed[cause] += 1; break;
    }
    if (r->orphaned) p->acc.wasted += 1;
    hist_add(&p->acc.latency, now - r->arrived);
    p->acc.latency_sum += fd_time_sec(now - r->arrived);
    if (out == OUT_FAILED && origin < 0) origin = p->index;
    if (p->code_acc && r->inst >= 0 && r->state != RQ_INBOUND) {
        CodeAccum *ca = &p->code_acc[p->inst[r->inst].code];
        if (out == OUT_OK) ca->ok += 1;
        else if (out == OUT_DEGRADED) ca->degraded += 1;
        else ca->failed += 1;
        hist_add(&ca->latency, now - r->arrived);
    }

    if (r->inst >= 0) {
        Inst *in = &p->inst[r->inst];
        int i = r->inst;
        if (holds_worker(r)) {
            pool_integrate(m, p);
            list_remove(&in->active, NULL, r);
            in->busy--;
            p->nbusy--;
            r->state = RQ_FREE;
            inst_dequeue(m, p, i);
        } else if (r->state == RQ_QUEUED) {
            pool_integrate(m, p);
            list_remove(&in->qhead, &in->qtail, r);
            in->qlen--;
            p->nqueued--;
        }
    }

    /* Tell whoever is waiting, after this request's own state is settled. */
    Req *parent = r->parent;
    Intent *it = r->intent;
    Pool *sched = r->sched_for;
    int sched_inst = r->sched_inst;
    Pool *tele = r->tele_for;
    Pool *cfg = r->cfg_for;
    int cfg_slot = r->cfg_slot;
    bool degraded = out == OUT_DEGRADED;
    if (parent) parent->child = NULL;
    if (it) it->req = NULL;
    req_free(m, r);
    if (parent) child_done(m, parent, out, cause, origin, degraded);
    else if (it) client_attempt_done(m, it, out);
    else if (sched) sched_done(m, sched, sched_inst, out, origin);
    else if (tele) telemetry_done(m, tele, out);
    else if (cfg) config_refresh_done(m, cfg, cfg_slot, out);
}

/* Instance i turns r away (its queue is full, or r waited too long in
 * it): the answer is the instance's, so it counts against the version the
 * instance runs, as a canary's own 503s do. */
static void reject(Model *m, Req *r, Pool *p, int i)
{
    if (p->code_acc) {
        CodeAccum *ca = &p->code_acc[p->inst[i].code];
        ca->failed += 1;
        hist_add(&ca->latency, sim_now(m->sim) - r->arrived);
    }
    r->inst = -1;
    finish(m, r, OUT_FAILED, FAIL_REJECTED, -1);
}

/* Starts queued requests while the instance has free workers. Requests
 * that waited longer than the admission limit are turned away unserved. */
void inst_dequeue(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    SimTime maxwait = p->ts->admission.max_queue_wait;
    while (in->qhead && in->busy < p->concurrency && in->state == INST_UP) {
        Req *r = in->qhead;
        pool_integrate(m, p);
        list_remove(&in->qhead, &in->qtail, r);
        in->qlen--;
        p->nqueued--;
        r->state = RQ_QUEUED;   /* not holding a worker yet */
        if (maxwait > 0 && sim_now(m->sim) - r->enqueued > maxwait) {
            reject(m, r, p, i);
            continue;
        }
        start_request(m, p, i, r);
    }
    if (in->draining && in->busy == 0 && in->qlen == 0) {
        pool_integrate(m, p);
        in->state = INST_STOPPED;
        in->draining = false;
        p->nup--;
    }
}

/* ---- own work ---- */

static void on_work_done(Sim *sim, void *obj, uint64_t arg);
static void next_call(Model *m, Req *r);

/* What the configuration data a pool's services read costs each request
 * in its region: extra CPU time or latency from bad items. */
static SimTime config_cost(const Model *m, const Pool *p, bool cpu)
{
    SimTime t = 0;
    if (p->region < 0) return 0;
    for (int c = 0; c < p->ts->nconfigs; c++) {
        int k = p->ts->configs[c] * m->topo->nregions + p->region;
        if (m->cfg_bad[k]) t += cpu ? m->cfg_cost[k].cpu : m->cfg_cost[k].latency;
    }
    return t;
}

static void begin_work(Model *m, Req *r)
{
    Pool *p = r->pool;
    double secs = dist_sample(&p->ts->service_time, &p->rng);
    const TopoCollapse *co = &p->ts->collapse;
    if (co->enabled && r->inst >= 0) {
        /* Past the knee every request on the instance slows down (see
         * TopoCollapse). Sampling keeps instances at their real size; a
         * resized one (model.c) is scaled back, so the knee stays put. */
        double n = p->inst[r->inst].busy * (double)p->ts->concurrency / p->concurrency;
        double x = n - co->knee;
        if (x > 0) secs *= 1 + co->contention * x + co->coherency * x * (n - 1);
    }
    /* A costly version or bad data adds CPU time: the worker is held for it. */
    SimTime work = fd_time_from_sec(secs) + p->extra_latency +
                   p->codes[p->inst[r->inst].code].cpu + config_cost(m, p, true);
    r->state = RQ_WORKING;
    p->acc.own_area += fd_time_sec(work);
    p->as_own_area += fd_time_sec(work);
    r->ev = sim_after(m->sim, work, on_work_done, r, r->gen);
}

static void start_request(Model *m, Pool *p, int i, Req *r)
{
    Inst *in = &p->inst[i];
    pool_integrate(m, p);
    in->busy++;
    p->nbusy++;
    r->inst = i;
    list_push_back(&in->active, NULL, r);
    if (p->hung || in->hung) {
        r->state = RQ_STALLED;   /* accepted, never answered while hung */
        return;
    }
    begin_work(m, r);
}

/* The tier came back: stalled requests carry on from where they stood. */
void pool_release_stalled(Model *m, Pool *p)
{
    for (int i = 0; i < p->ninst; i++) {
        Inst *in = &p->inst[i];
        if (in->hung) continue;
        for (Req *r = in->active; r; r = r->next)
            if (r->state == RQ_STALLED) begin_work(m, r);
    }
}

static void on_work_done(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Req *r = obj;
    if (r->gen != (uint32_t)arg || r->state != RQ_WORKING) return;
    Pool *p = r->pool;
    Model *m = p->m;
    r->ev = 0;
    if (config_fails(m, p, r->inst)) {
        finish(m, r, OUT_FAILED, FAIL_BAD_CONFIG, -1);
        return;
    }
    double err = p->codes[p->inst[r->inst].code].errors + p->inject_errors;
    if (err > 0 && rng_uniform(&p->rng) < err) {
        finish(m, r, OUT_FAILED, FAIL_ERROR, -1);
        return;
    }
    next_call(m, r);
}

/* ---- calls ---- */

static void on_call_timeout(Sim *sim, void *obj, uint64_t arg);
static void on_backoff_done(Sim *sim, void *obj, uint64_t arg);

SimTime backoff_delay(const TopoBackoff *b, int retry, Rng *rng)
{
    double d = (double)b->base;
    for (int k = 1; k < retry && d < (double)b->max; k++) d *= b->multiplier;
    if (d > (double)b->max) d = (double)b->max;
    d *= 1.0 - b->jitter * rng_uniform(rng);
    return (SimTime)d;
}

static void breaker_record(Model *m, Pool *p, int call, bool ok)
{
    const TopoBreaker *b = &p->ts->calls[call].breaker;
    if (!b->enabled) return;
    CallState *cs = &p->calls[call];
    SimTime now = sim_now(m->sim);
    if (cs->breaker == 2) {          /* half-open: the probes decide */
        if (!ok) {
            cs->breaker = 1;
            cs->open_until = now + b->open_for;
        } else if (++cs->probes_ok >= b->probes) {
            cs->breaker = 0;
            cs->win_start = now;
            cs->win_total = cs->win_failed = 0;
        }
        return;
    }
    if (now - cs->win_start > b->window) {
        cs->win_start = now;
        cs->win_total = cs->win_failed = 0;
    }
    cs->win_total++;
    cs->win_failed += !ok;
    if (cs->breaker == 0 && cs->win_total >= b->min_requests &&
        cs->win_failed >= b->error_rate * cs->win_total) {
        cs->breaker = 1;
        cs->open_until = now + b->open_for;
    }
}

/* Whether the breaker lets an attempt through now. */
static bool breaker_allows(Model *m, Pool *p, int call)
{
    CallState *cs = &p->calls[call];
    if (cs->forced_open) return false;
    const TopoBreaker *b = &p->ts->calls[call].breaker;
    if (!b->enabled || cs->breaker == 0) return true;
    SimTime now = sim_now(m->sim);
    if (cs->breaker == 1) {
        if (now < cs->open_until) return false;
        cs->breaker = 2;
        cs->probes_left = b->probes;
        cs->probes_ok = 0;
    }
    if (cs->probes_left <= 0) return false;
    cs->probes_left--;
    return true;
}

/* The current call failed for good: fall back, skip, or fail. */
static void call_exhausted(Model *m, Req *r, bool timed_out, int origin)
{
    const TopoCall *c = &r->pool->ts->calls[r->call];
    int8_t fb = r->pool->calls[r->call].fallback;
    if ((fb >= 0 ? fb : c->fallback) || !c->critical) {
        r->degraded = 1;
        next_call(m, r);
        return;
    }
    finish(m, r, OUT_FAILED, timed_out ? FAIL_TIMEOUT : FAIL_DEPENDENCY, origin);
}

/* An attempt failed; retry it if the policy and the budget allow. */
static void attempt_failed(Model *m, Req *r, bool timed_out, int origin, bool fast)
{
    Pool *p = r->pool;
    const TopoCall *c = &p->ts->calls[r->call];
    CallState *cs = &p->calls[r->call];
    if (!fast && r->attempt <= c->retries) {
        bool allowed = true;
        if (c->budget.enabled) {
            if (cs->tokens >= 1) cs->tokens -= 1;
            else allowed = false;
        }
        if (allowed) {
            r->state = RQ_BACKOFF;
            r->last_timeout = timed_out;
            r->origin = origin;
            r->ev = sim_after(m->sim, backoff_delay(&c->backoff, r->attempt, &p->rng),
                              on_backoff_done, r, r->gen);
            return;
        }
    }
    call_exhausted(m, r, timed_out, origin);
}

static void send_attempt(Model *m, Req *r)
{
    Pool *p = r->pool;
    const TopoCall *c = &p->ts->calls[r->call];
    CallState *cs = &p->calls[r->call];
    if (!breaker_allows(m, p, r->call)) {
        /* Failing fast is the point of an open breaker: no retry. */
        r->state = RQ_CALLING;
        attempt_failed(m, r, false, -1, true);
        return;
    }
    r->attempt++;
    if (r->attempt == 1 && c->budget.enabled) {
        double burst = c->budget.burst / m->sampling;
        if (burst < 1) burst = 1;
        cs->tokens += c->budget.ratio;
        if (cs->tokens > burst) cs->tokens = burst;
    }
    r->state = RQ_CALLING;
    r->timeout = sim_after_fifo(m->sim, c->timeout, on_call_timeout, r, r->gen);
    if (cs->partitioned) return;     /* lost on the way: it will time out */
    Req *child = req_new(m);
    if (!child) return;
    child->parent = r;
    r->child = child;
    req_arrive(m, child, model_pool_for_call(m, c->target, p->region, c->region));
}

static void next_call(Model *m, Req *r)
{
    Pool *p = r->pool;
    const TopoService *ts = p->ts;
    while (++r->call < ts->ncalls) {
        const TopoCall *c = &ts->calls[r->call];
        if (m->cut[p->svc][c->target]) continue;
        if (c->probability < 1 && rng_uniform(&p->rng) >= c->probability) continue;
        r->attempt = 0;
        send_attempt(m, r);
        return;
    }
    finish(m, r, OUT_OK, 0, -1);
}

static void child_done(Model *m, Req *r, Outcome out, FailCause cause, int origin,
                       bool degraded)
{
    (void)cause;
    sim_cancel(m->sim, r->timeout);
    r->timeout = 0;
    breaker_record(m, r->pool, r->call, out != OUT_FAILED);
    if (out == OUT_FAILED) {
        attempt_failed(m, r, false, origin, false);
        return;
    }
    if (degraded) r->degraded = 1;
    next_call(m, r);
}

static void on_call_timeout(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Req *r = obj;
    if (r->gen != (uint32_t)arg || r->state != RQ_CALLING) return;
    Model *m = r->pool->m;
    r->timeout = 0;
    int origin = -1;
    if (r->child) {
        Req *child = r->child;
        origin = child->pool->index;
        r->child = NULL;
        req_abandon(m, child);
    }
    breaker_record(m, r->pool, r->call, false);
    attempt_failed(m, r, true, origin, false);
}

static void on_backoff_done(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Req *r = obj;
    if (r->gen != (uint32_t)arg || r->state != RQ_BACKOFF) return;
    r->ev = 0;
    send_attempt(r->pool->m, r);
}

/* The caller of r gives up on it. A service keeps working on it (wasted
 * work); an external has no capacity to waste, so the request just ends. */
void req_abandon(Model *m, Req *r)
{
    r->parent = NULL;
    r->intent = NULL;
    r->orphaned = 1;
    if (r->state == RQ_EXTERNAL) finish(m, r, OUT_FAILED, FAIL_TIMEOUT, -1);
}

/* ---- arrival ---- */

static void on_external_done(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Req *r = obj;
    if (r->gen != (uint32_t)arg) return;
    Pool *p = r->pool;
    r->ev = 0;
    double err = p->codes[0].errors + p->inject_errors;
    if (p->hung) return;     /* an external that hangs never answers */
    if (err > 0 && rng_uniform(&p->rng) < err) finish(p->m, r, OUT_FAILED, FAIL_ERROR, -1);
    else finish(p->m, r, OUT_OK, 0, -1);
}

static bool takes_requests(const Inst *in)
{
    return in->state == INST_UP && !in->draining;
}

/* Round-robin over serving instances, starting after the last one picked. */
static int pick_round_robin(Pool *p)
{
    for (int k = 0; k < p->ninst; k++) {
        int i = (p->rr + k) % p->ninst;
        if (takes_requests(&p->inst[i])) {
            p->rr = (i + 1) % p->ninst;
            return i;
        }
    }
    return -1;
}

/* The serving instance with the fewest requests working and queued. Ties go
 * to the first such instance from the cursor on, and the cursor moves past
 * it, so an idle pool still spreads its load instead of piling onto
 * instance 0. Working requests include those waiting on their calls: that
 * is what a balancer counting open connections sees. */
static int pick_least_outstanding(Pool *p)
{
    int best = -1, best_n = 0;
    for (int k = 0; k < p->ninst; k++) {
        int i = (p->rr + k) % p->ninst;
        const Inst *in = &p->inst[i];
        if (!takes_requests(in)) continue;
        int n = in->busy + in->qlen;
        if (best < 0 || n < best_n) {
            best = i;
            best_n = n;
        }
    }
    if (best >= 0) p->rr = (best + 1) % p->ninst;
    return best;
}

/* Uniform over serving instances, drawn from the pool's routing stream
 * alone: the pool's other draws (service times, errors, shedding) stay
 * what they would be under another policy. */
static int pick_random(Pool *p)
{
    int serving = 0;
    for (int i = 0; i < p->ninst; i++) serving += takes_requests(&p->inst[i]);
    if (serving == 0) return -1;
    int n = (int)rng_below(&p->route_rng, (uint64_t)serving);
    for (int i = 0; i < p->ninst; i++)
        if (takes_requests(&p->inst[i]) && n-- == 0) return i;
    return -1;
}

static int pick_instance(Pool *p)
{
    switch (p->ts->routing) {
    case ROUTE_LEAST_OUTSTANDING: return pick_least_outstanding(p);
    case ROUTE_RANDOM: return pick_random(p);
    case ROUTE_ROUND_ROBIN: break;
    }
    return pick_round_robin(p);
}

static void admit(Model *m, Req *r, Pool *p, int i);

/* The latency cost held the request up; it goes on to the instance it was
 * routed to, or to another if that one stopped serving meanwhile. */
static void on_inbound_done(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Req *r = obj;
    if (r->gen != (uint32_t)arg || r->state != RQ_INBOUND) return;
    Pool *p = r->pool;
    Model *m = p->m;
    r->ev = 0;
    int i = r->inst;
    r->inst = -1;
    r->state = RQ_QUEUED;
    if (!takes_requests(&p->inst[i])) i = pick_instance(p);
    if (i < 0) {
        finish(m, r, OUT_FAILED, FAIL_NO_INSTANCE, -1);
        return;
    }
    admit(m, r, p, i);
}

void req_arrive(Model *m, Req *r, Pool *p)
{
    r->pool = p;
    r->arrived = sim_now(m->sim);
    p->acc.offered += 1;
    if (p->ts->kind == SVC_EXTERNAL) {
        r->state = RQ_EXTERNAL;
        double secs = dist_sample(&p->ts->service_time, &p->rng);
        r->ev = sim_after(m->sim, fd_time_from_sec(secs) + p->extra_latency, on_external_done,
                          r, r->gen);
        return;
    }
    int i = pick_instance(p);
    if (i < 0) {
        finish(m, r, OUT_FAILED, FAIL_NO_INSTANCE, -1);
        return;
    }
    /* A costly version or bad data adds latency: the request waits on its
     * way in, holding nothing. */
    SimTime delay = p->codes[p->inst[i].code].latency + config_cost(m, p, false);
    if (delay > 0) {
        r->state = RQ_INBOUND;
        r->inst = i;
        r->ev = sim_after(m->sim, delay, on_inbound_done, r, r->gen);
        return;
    }
    admit(m, r, p, i);
}

/* Admission control and the instance's workers or queue. */
static void admit(Model *m, Req *r, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    if (p->shed > 0 && rng_uniform(&p->rng) < p->shed) {
        reject(m, r, p, i);
        return;
    }
    double shed_above = p->ts->admission.shed_above;
    if (shed_above > 0 && (double)in->busy / p->concurrency >= shed_above && in->qlen > 0) {
        reject(m, r, p, i);
        return;
    }
    if (in->busy + in->qlen >= p->max_inflight) {
        reject(m, r, p, i);
        return;
    }
    if (in->busy < p->concurrency) {
        start_request(m, p, i, r);
    } else if (in->qlen < p->queue) {
        pool_integrate(m, p);
        r->state = RQ_QUEUED;
        r->inst = i;
        r->enqueued = sim_now(m->sim);
        list_push_back(&in->qhead, &in->qtail, r);
        in->qlen++;
        p->nqueued++;
    } else {
        reject(m, r, p, i);
    }
}

/* ---- crashes ---- */

/* Every request on a crashing instance fails at once (the connection
 * drops); children they were waiting on become orphans. The instance must
 * already be out of service, so nothing new lands on it meanwhile. */
void inst_kill_requests(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    assert(in->state != INST_UP);
    while (in->qhead) finish(m, in->qhead, OUT_FAILED, FAIL_ERROR, -1);
    while (in->active) {
        Req *r = in->active;
        if (r->child) {
            Req *child = r->child;
            r->child = NULL;
            req_abandon(m, child);
        }
        finish(m, r, OUT_FAILED, FAIL_ERROR, -1);
    }
}
