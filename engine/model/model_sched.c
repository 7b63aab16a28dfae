/*
 * model_sched.c: instances coming and going, and who has to agree.
 *
 * An instance that crashes (or fails its health checks, or is restarted)
 * waits until its platform (`runs_on`) schedules it again. Each waiting
 * instance asks for itself: its own scheduling request to the platform in
 * its region, an ordinary request, so it goes through the platform's own
 * calls. The platform's `scheduler` policy says how long an attempt may
 * take, how the instance backs off after a failure (and with how much
 * jitter), when it gives up, and how many of the instances it scheduled
 * may boot at once and how fast they may start; the instances it cannot
 * start yet wait their turn in its start queue, first come first served.
 * A service without `runs_on` is its own platform: its instances are
 * scheduled at once, under its own policy's throttle and backoff.
 *
 * If the platform needs the very service that is down in order to
 * schedule it, every request fails, each instance retries with backoff,
 * and fails again. That is the Tencent 2024-04-08 Shanghai pattern, and it
 * comes out of the topology, not out of a rule written for it.
 *
 * Booting takes `restart_time`, then the instance makes its start-up calls
 * (`startup: { calls }`) one after another, with their timeouts and
 * retries, and serves once they are done. A start-up call that fails for
 * good fails the start: the instance is down again, backs off under the
 * policy and asks the platform again, a crash loop. Many instances doing
 * that at once, in step, is a restart herd on whatever the start-up calls
 * reach (Google Cloud 2025-06-12); jitter and the throttle break the step.
 *
 * A failed scheduling attempt or start records the pool where its failure
 * started; model_deadlock.c follows those records to find circular waits.
 *
 * Invariants: an instance has at most one request of its own in flight
 * (in->req: a scheduling request while it waits, a start-up call while it
 * boots); whoever moves it out of that state detaches the request first
 * (sched_for = NULL), so an answer that arrives always finds the state it
 * was sent from. A start slot is held from boot to serving or failing
 * (boot_plat), and every path out of INST_STARTING gives it back.
 *
 * Autoscaling and health checks run as periodic events per pool.
 */
#include "model/model_internal.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void on_boot_done(Sim *sim, void *obj, uint64_t arg);
static void on_inst_event(Sim *sim, void *obj, uint64_t arg);
static void on_startup_event(Sim *sim, void *obj, uint64_t arg);
static bool inst_ask(Model *m, Pool *p, int i);
static void poke(Model *m, Pool *p, bool unpark);
static void startup_next(Model *m, Pool *p, int i);

int pool_add_instances(Model *m, Pool *p, int n)
{
    if (n <= 0) return 0;
    /* Reuse stopped slots first, so scaling in and out does not grow the
     * array without bound. */
    for (int i = 0; i < p->ninst && n > 0; i++) {
        Inst *in = &p->inst[i];
        if (in->state != INST_STOPPED) continue;
        assert(in->boot_plat < 0 && !in->req);   /* a stopped one holds nothing */
        uint32_t gen = in->gen + 1;
        *in = (Inst){ .state = INST_WAITING, .fresh = true, .gen = gen, .boot_plat = -1,
                      .code = (uint8_t)p->target };
        p->waiting++;
        n--;
    }
    if (n == 0) return 0;
    if (p->ninst + n > p->cap) {
        int cap = p->cap ? p->cap : 4;
        while (cap < p->ninst + n) cap *= 2;
        Inst *v = realloc(p->inst, sizeof *v * (size_t)cap);
        if (!v) return -1;
        p->inst = v;
        p->cap = cap;
        if (config_grow(m, p) < 0) return -1;
    }
    for (int k = 0; k < n; k++) {
        p->inst[p->ninst++] = (Inst){ .state = INST_WAITING, .fresh = true, .boot_plat = -1,
                                      .code = (uint8_t)p->target };
        p->waiting++;
    }
    return 0;
}

/* The policy p's instances are scheduled under: their platform's, or
 * their own without one. */
static const TopoScheduler *policy(const Model *m, const Pool *p)
{
    int plat = p->ts->runs_on;
    return plat >= 0 ? &m->topo->services[plat].scheduler : &p->ts->scheduler;
}

/* Detaches the instance's own request in flight: its answer will find
 * nobody. */
static void drop_req(Model *m, Inst *in)
{
    Req *r = in->req;
    in->req = NULL;
    if (!r) return;
    assert(r->state != RQ_FREE && r->sched_for);   /* still attached to it */
    r->sched_for = NULL;
    req_abandon(m, r);
}

/* A waiting instance stops asking (it is started by hand, or removed). */
static void sched_cancel(Model *m, Pool *p, Inst *in)
{
    if (in->sched == SCHED_ASKING || in->sched == SCHED_QUEUED) p->asking--;
    assert(p->asking >= 0);
    if (in->sched == SCHED_ASKING) drop_req(m, in);
    sim_cancel(m->sim, in->sched_ev);
    in->sched_ev = 0;
    in->sched = SCHED_IDLE;
}

/* ---- the platform's start slots ---- */

/* Whether plat may start one more simulated instance standing for w real
 * ones. The throttle counts real starts, so that it means the same at
 * every sampling factor; one instance may always start when none boots,
 * however many it stands for. */
static bool slots_full(const Pool *plat, double w)
{
    const TopoScheduler *sc = &plat->ts->scheduler;
    return sc->parallel > 0 && plat->booting > 0 && plat->boot_real + w > sc->parallel + 1e-9;
}

static bool slot_free(const Model *m, const Pool *plat, double w)
{
    const TopoScheduler *sc = &plat->ts->scheduler;
    if (slots_full(plat, w)) return false;
    return sc->rate <= 0 || sim_now(m->sim) >= plat->throttle_next;
}

static void boot(Model *m, Pool *p, int i, SimTime after)
{
    Inst *in = &p->inst[i];
    assert(in->state == INST_WAITING && p->waiting > 0);
    pool_integrate(m, p);
    in->state = INST_STARTING;
    in->boot_call = -1;
    p->waiting--;
    in->ev = sim_after(m->sim, after, on_boot_done, p, gen_arg(in->gen, (uint32_t)i));
}

static SimTime boot_time(const Pool *p, const Inst *in)
{
    SimTime t = p->ts->restart_time;
    if (in->fresh && p->ts->autoscale.enabled && p->ts->autoscale.delay > t)
        t = p->ts->autoscale.delay;
    return t;
}

/* Boots instance i of p in a slot of plat. */
static void start_in_slot(Model *m, Pool *p, int i, Pool *plat)
{
    const TopoScheduler *sc = &plat->ts->scheduler;
    Inst *in = &p->inst[i];
    assert(in->boot_plat < 0);   /* one slot per start */
    plat->booting++;
    plat->boot_real += p->isc;
    in->boot_plat = plat->index;
    if (sc->rate > 0) plat->throttle_next = sim_now(m->sim) + fd_time_from_sec(p->isc / sc->rate);
    p->started_this_min += 1;
    boot(m, p, i, boot_time(p, in));
}

static void on_throttle(Sim *sim, void *obj, uint64_t arg);

/* Starts queued instances while plat has slots. */
static void drain_startq(Model *m, Pool *plat)
{
    while (plat->startq_len > 0) {
        StartTicket t = plat->startq[plat->startq_head];
        Pool *p = &m->pools[t.pool];
        Inst *in = t.inst < p->ninst ? &p->inst[t.inst] : NULL;
        /* Still queued: not started by hand or removed since. */
        bool queued = in && in->state == INST_WAITING && in->sched == SCHED_QUEUED &&
                      in->ticket == t.ticket;
        if (queued && !slot_free(m, plat, p->isc)) {
            /* Held by the rate, not by the slots: wake when it allows. */
            if (!slots_full(plat, p->isc) && !plat->throttle_ev)
                plat->throttle_ev = sim_at(m->sim, plat->throttle_next, on_throttle, plat, 0);
            return;
        }
        plat->startq_head = (plat->startq_head + 1) % plat->startq_cap;
        plat->startq_len--;
        if (!queued) continue;
        in->sched = SCHED_IDLE;
        p->asking--;
        assert(p->asking >= 0);
        start_in_slot(m, p, t.inst, plat);
    }
}

static void on_throttle(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    (void)arg;
    Pool *plat = obj;
    plat->throttle_ev = 0;
    drain_startq(plat->m, plat);
}

/* Gives back the start slot instance in holds, if any. */
static void release_slot(Model *m, const Pool *p, Inst *in)
{
    if (in->boot_plat < 0) return;
    Pool *plat = &m->pools[in->boot_plat];
    in->boot_plat = -1;
    assert(plat->booting > 0);
    plat->booting--;
    plat->boot_real = plat->booting > 0 ? plat->boot_real - p->isc : 0;
    drain_startq(m, plat);
}

/* The platform scheduled instance i: it boots now, or when a slot frees. */
static void granted(Model *m, Pool *p, int i, Pool *plat)
{
    Inst *in = &p->inst[i];
    if (plat->startq_len == 0 && slot_free(m, plat, p->isc)) {
        start_in_slot(m, p, i, plat);
        return;
    }
    if (plat->startq_len == plat->startq_cap) {
        int cap = plat->startq_cap ? plat->startq_cap * 2 : 16;
        StartTicket *v = malloc(sizeof *v * (size_t)cap);
        if (!v) { m->oom = true; sim_stop(m->sim); return; }
        for (int k = 0; k < plat->startq_len; k++)
            v[k] = plat->startq[(plat->startq_head + k) % plat->startq_cap];
        free(plat->startq);
        plat->startq = v;
        plat->startq_cap = cap;
        plat->startq_head = 0;
    }
    assert(plat->startq_len < plat->startq_cap);
    in->sched = SCHED_QUEUED;
    in->ticket = ++plat->next_ticket;
    p->asking++;
    plat->startq[(plat->startq_head + plat->startq_len++) % plat->startq_cap] =
        (StartTicket){ p->index, i, in->ticket };
    drain_startq(m, plat);    /* arms the rate timer if that is what holds it */
}

/* ---- failing and coming back ---- */

/* After a failed attempt or a failed start: back off, or give up. */
static void retry_later(Model *m, Pool *p, int i)
{
    const TopoScheduler *sc = policy(m, p);
    Inst *in = &p->inst[i];
    in->sched_fails++;
    if (sc->retries >= 0 && in->sched_fails > sc->retries) {
        in->sched = SCHED_PARKED;
        return;
    }
    in->sched = SCHED_BACKOFF;
    in->sched_ev = sim_after(m->sim, backoff_delay(&sc->backoff, in->sched_fails, &p->sched_rng),
                             on_inst_event, p, gen_arg(in->gen, (uint32_t)i));
}

void inst_crash(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    if (in->state == INST_WAITING) {
        /* Already down: restarting it cuts its backoff short (or ends its
         * giving up), and it asks again when poked. */
        if (in->sched == SCHED_BACKOFF || in->sched == SCHED_PARKED) sched_cancel(m, p, in);
        return;
    }
    if (in->state != INST_UP && in->state != INST_STARTING) return;
    pool_integrate(m, p);
    if (in->state == INST_STARTING) {
        sim_cancel(m->sim, in->ev);
        drop_req(m, in);
        release_slot(m, p, in);
    }
    in->ev = 0;
    in->gen++;
    if (in->state == INST_UP) p->nup--;
    in->state = INST_WAITING;
    in->sched = SCHED_IDLE;
    in->draining = false;
    in->hung = false;
    in->health_fails = 0;
    in->fresh = false;
    p->waiting++;     /* a rolling instance crashing again still has to come back */
    inst_kill_requests(m, p, i);
}

/* A start-up call failed for good: the start fails, and the instance is
 * down again, to ask its platform once its backoff is over. */
static void start_failed(Model *m, Pool *p, int i, int origin)
{
    Inst *in = &p->inst[i];
    assert(in->state == INST_STARTING && !in->req);
    /* Where the failure started, for the deadlock walk: a start that
     * needs the very service that is down never succeeds. */
    p->start_blocked_by = origin;
    p->start_via = p->ts->startup[in->boot_call].target;
    pool_integrate(m, p);
    release_slot(m, p, in);
    in->ev = 0;
    in->gen++;
    in->state = INST_WAITING;
    in->sched = SCHED_IDLE;
    p->waiting++;
    p->start_failures++;
    check_deadlock(m, p);
    retry_later(m, p, i);
}

static void became_up(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    assert(in->state == INST_STARTING && !in->req);   /* its start-up calls are done */
    pool_integrate(m, p);
    release_slot(m, p, in);
    in->state = INST_UP;
    p->nup++;
    in->fresh = false;
    in->ev = 0;
    in->sched_fails = 0;
    if (in->rolling) {
        in->rolling = false;
        if (p->roll_batch && --p->roll_pending <= 0) sched_roll_next(m, p);
    }
    p->deadlock_open = false;
    p->start_blocked_by = -1;
    if (p->hung) in->hung = false;   /* the tier's hang is the pool's, not the instance's */
    config_boot(m, p, i);
    inst_dequeue(m, p, i);
}

static void on_boot_done(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Pool *p = obj;
    int i = (int)(uint32_t)arg;
    Inst *in = &p->inst[i];
    if (in->gen != (uint32_t)(arg >> 32) || in->state != INST_STARTING) return;
    in->ev = 0;
    startup_next(p->m, p, i);
}

/* ---- start-up calls ---- */

static void startup_send(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    const TopoCall *c = &p->ts->startup[in->boot_call];
    in->boot_attempt++;
    Req *r = req_new(m);
    if (!r) return;
    assert(!in->req);   /* at most one request of its own in flight */
    r->sched_for = p;
    r->sched_inst = i;
    in->req = r;
    in->ev = sim_after(m->sim, c->timeout, on_startup_event, p, gen_arg(in->gen, (uint32_t)i));
    req_arrive(m, r, model_pool_for_call(m, c->target, p->region, c->region));
}

/* The next start-up call, or serving when there is none left. */
static void startup_next(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    const TopoService *ts = p->ts;
    while (++in->boot_call < ts->nstartup) {
        const TopoCall *c = &ts->startup[in->boot_call];
        if (m->cut[p->svc][c->target]) continue;
        if (c->probability < 1 && rng_uniform(&p->sched_rng) >= c->probability) continue;
        in->boot_attempt = 0;
        startup_send(m, p, i);
        return;
    }
    became_up(m, p, i);
}

/* origin: the pool where the call's failure started; -1 (it timed out):
 * the pool it went to. */
static void startup_failed(Model *m, Pool *p, int i, int origin)
{
    Inst *in = &p->inst[i];
    const TopoCall *c = &p->ts->startup[in->boot_call];
    if (in->boot_attempt <= c->retries) {
        in->ev = sim_after(m->sim, backoff_delay(&c->backoff, in->boot_attempt, &p->sched_rng),
                           on_startup_event, p, gen_arg(in->gen, (uint32_t)i));
        return;
    }
    if (!c->critical || c->fallback) {
        startup_next(m, p, i);
        return;
    }
    if (origin < 0) {
        Pool *to = model_pool_for_call(m, c->target, p->region, c->region);
        origin = to ? to->index : -1;
    }
    start_failed(m, p, i, origin);
}

/* A start-up call's timeout (a request in flight), or its backoff. */
static void on_startup_event(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Pool *p = obj;
    Model *m = p->m;
    int i = (int)(uint32_t)arg;
    Inst *in = &p->inst[i];
    if (in->gen != (uint32_t)(arg >> 32) || in->state != INST_STARTING) return;
    in->ev = 0;
    if (in->req) {
        drop_req(m, in);
        startup_failed(m, p, i, -1);
    } else {
        startup_send(m, p, i);
    }
}

void sched_manual_start(Model *m, Pool *p, int i, SimTime manual_time)
{
    Inst *in = &p->inst[i];
    if (in->state != INST_WAITING) return;
    sched_cancel(m, p, in);
    boot(m, p, i, manual_time + boot_time(p, in));
}

/* ---- asking the platform ---- */

/* How many more instances may be scheduled now under the pool's
 * provisioning rate limit (autoscale.rate). The limit is in real instances
 * per minute; a simulated instance stands for isc of them, so the simulated
 * rate may be fractional: starts beyond a minute's share are carried into
 * the next minute, so the long-run rate is right. */
static int start_budget(Model *m, Pool *p)
{
    double rate = p->ts->autoscale.enabled ? p->ts->autoscale.rate / p->isc : 0;
    if (rate <= 0) return p->waiting;
    SimTime now = sim_now(m->sim);
    if (now - p->minute_start >= FD_MIN) {
        p->minute_start = now;
        p->started_this_min = p->started_this_min > rate ? p->started_this_min - rate : 0;
    }
    double left = rate - p->started_this_min - p->asking;
    return left <= 1e-9 ? 0 : (int)ceil(left - 1e-9);
}

static void on_pool_event(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    (void)arg;
    Pool *p = obj;
    p->sched_ev = 0;
    poke(p->m, p, false);
}

/* Instance i (waiting, idle) asks its platform to schedule it. Returns
 * false when the provisioning rate holds it (and every other) back. */
static bool inst_ask(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    if (start_budget(m, p) <= 0) {
        if (!p->sched_ev)
            p->sched_ev = sim_after(m->sim, FD_MIN - (sim_now(m->sim) - p->minute_start),
                                    on_pool_event, p, 0);
        return false;
    }
    if (p->ts->runs_on < 0) {
        /* Nothing schedules it: it restarts by itself. */
        granted(m, p, i, p);
        return true;
    }
    Pool *plat = model_pool_for_call(m, p->ts->runs_on, p->region, -1);
    Req *r = req_new(m);
    if (!r) return false;
    assert(!in->req);   /* at most one request of its own in flight */
    r->sched_for = p;
    r->sched_inst = i;
    in->req = r;
    in->sched = SCHED_ASKING;
    in->sched_plat = plat->index;
    p->asking++;
    in->sched_ev = sim_after(m->sim, policy(m, p)->timeout, on_inst_event, p,
                             gen_arg(in->gen, (uint32_t)i));
    req_arrive(m, r, plat);
    return true;
}

/* Every waiting instance that is not asking yet asks; with unpark, one
 * that had given up starts over. */
static void poke(Model *m, Pool *p, bool unpark)
{
    for (int i = 0; i < p->ninst && p->waiting > 0; i++) {
        Inst *in = &p->inst[i];
        if (in->state != INST_WAITING) continue;
        if (in->sched == SCHED_PARKED && unpark) {
            in->sched = SCHED_IDLE;
            in->sched_fails = 0;
        }
        if (in->sched == SCHED_IDLE && !inst_ask(m, p, i)) return;
    }
}

/* Something happened to the pool (a crash, a restart, a scaling
 * decision): everything waiting asks, even what had given up. */
void sched_poke(Model *m, Pool *p)
{
    poke(m, p, true);
}

/* A scheduling attempt of instance i failed; origin: the pool where the
 * failure started. */
static void ask_failed(Model *m, Pool *p, int i, int origin)
{
    p->sched_failed = true;
    p->blocked_by = origin;
    check_deadlock(m, p);
    retry_later(m, p, i);
}

/* The scheduling attempt timed out (sched_ev while asking), or the
 * backoff is over. */
static void on_inst_event(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Pool *p = obj;
    Model *m = p->m;
    int i = (int)(uint32_t)arg;
    Inst *in = &p->inst[i];
    if (in->gen != (uint32_t)(arg >> 32) || in->state != INST_WAITING) return;
    in->sched_ev = 0;
    if (in->sched == SCHED_ASKING) {
        /* The platform is not answering. */
        drop_req(m, in);
        p->asking--;
        assert(p->asking >= 0);
        in->sched = SCHED_IDLE;
        ask_failed(m, p, i, in->sched_plat);
        return;
    }
    if (in->sched != SCHED_BACKOFF) return;
    in->sched = SCHED_IDLE;
    inst_ask(m, p, i);
}

/* The answer to instance i's own request: to its scheduling request while
 * it waits, to its start-up call while it boots. */
void sched_done(Model *m, Pool *p, int i, Outcome out, int origin)
{
    Inst *in = &p->inst[i];
    /* Whoever moved it out of the state it asked from detached the
     * request, so an answer finds that state still. */
    assert(in->req && (in->state == INST_STARTING ||
                       (in->state == INST_WAITING && in->sched == SCHED_ASKING)));
    in->req = NULL;
    if (in->state == INST_STARTING) {
        sim_cancel(m->sim, in->ev);
        in->ev = 0;
        if (out == OUT_FAILED) startup_failed(m, p, i, origin);
        else startup_next(m, p, i);
        return;
    }
    sim_cancel(m->sim, in->sched_ev);
    in->sched_ev = 0;
    p->asking--;
    assert(p->asking >= 0);
    in->sched = SCHED_IDLE;
    if (out == OUT_FAILED) {
        ask_failed(m, p, i, origin);
        return;
    }
    p->sched_failed = false;
    p->blocked_by = -1;
    granted(m, p, i, &m->pools[in->sched_plat]);
}

/* Restarts the next batch of a rolling restart, or ends it. */
void sched_roll_next(Model *m, Pool *p)
{
    int n = 0;
    while (p->roll_next < p->ninst && n < p->roll_batch) {
        int i = p->roll_next++;
        Inst *in = &p->inst[i];
        if (in->state != INST_UP && in->state != INST_STARTING) continue;
        if (p->roll_filter && !in->roll_mark) continue;
        inst_crash(m, p, i);
        in->rolling = true;
        n++;
    }
    p->roll_pending = n;
    if (n == 0) {
        p->roll_batch = 0;
        p->roll_filter = false;
    } else {
        sched_poke(m, p);
    }
}

void sched_scale_in(Model *m, Pool *p, int n)
{
    /* Cancel instances not yet serving first, then idle ones, then drain. */
    for (int i = p->ninst - 1; i >= 0 && n > 0; i--) {
        Inst *in = &p->inst[i];
        if (in->state == INST_WAITING || in->state == INST_STARTING) {
            pool_integrate(m, p);
            if (in->state == INST_WAITING) {
                assert(p->waiting > 0);
                p->waiting--;
                sched_cancel(m, p, in);
            } else {
                drop_req(m, in);
                release_slot(m, p, in);
            }
            sim_cancel(m->sim, in->ev);
            in->ev = 0;
            in->gen++;
            in->state = INST_STOPPED;
            n--;
        }
    }
    for (int i = p->ninst - 1; i >= 0 && n > 0; i--) {
        Inst *in = &p->inst[i];
        if (in->state != INST_UP || in->draining) continue;
        pool_integrate(m, p);
        in->draining = true;
        inst_dequeue(m, p, i);     /* stops it at once when idle */
        n--;
    }
}

/* ---- health checks and autoscaling ---- */

static void on_health(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Pool *p = obj;
    Model *m = p->m;
    const TopoHealth *h = &p->ts->health;
    bool crashed = false;
    for (int i = 0; i < p->ninst; i++) {
        Inst *in = &p->inst[i];
        if (in->state != INST_UP) continue;
        if (p->hung || in->hung) {
            if (++in->health_fails >= h->failures) {
                inst_crash(m, p, i);
                crashed = true;
            }
        } else {
            in->health_fails = 0;
        }
    }
    if (crashed) sched_poke(m, p);
    sim_after(sim, h->interval, on_health, p, 0);
}

static int live_instances(const Pool *p)
{
    int n = 0;
    for (int i = 0; i < p->ninst; i++)
        if (p->inst[i].state != INST_STOPPED && !p->inst[i].draining) n++;
    return n;
}

static void on_autoscale(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Pool *p = obj;
    Model *m = p->m;
    const TopoAutoscale *as = &p->ts->autoscale;
    pool_integrate(m, p);
    int serving = pool_serving(p);
    double signal;
    if (as->signal == SCALE_CONCURRENCY)
        signal = serving ? p->as_busy_area / fd_time_sec(as->period) / serving : 0;
    else if (as->signal == SCALE_CPU)
        signal = p->as_slot_area > 0 ? p->as_own_area / p->as_slot_area : 0;
    else
        signal = p->as_slot_area > 0 ? p->as_busy_area / p->as_slot_area : 0;
    p->as_busy_area = p->as_slot_area = p->as_own_area = 0;

    int live = live_instances(p);
    int desired = serving > 0 ? (int)ceil(serving * signal / as->target) : live;
    /* The topology's limits are in real instances; the pool's are simulated. */
    int max = p->scale_max > 0 ? p->scale_max : pool_to_sim(p, as->max);
    int min = pool_to_sim(p, as->min), step = pool_to_sim(p, as->step);
    if (desired > max) desired = max;
    if (desired < min) desired = min;
    if (desired > live) {
        int add = desired - live;
        if (add > step) add = step;
        if (pool_add_instances(m, p, add) < 0) { m->oom = true; sim_stop(m->sim); }
        sched_poke(m, p);
    } else if (desired < live && serving == live) {
        int cut = live - desired;
        if (cut > step) cut = step;
        sched_scale_in(m, p, cut);
    }
    sim_after(sim, as->period, on_autoscale, p, 0);
}

void sched_start(Model *m)
{
    for (int i = 0; i < m->npools; i++) {
        Pool *p = &m->pools[i];
        if (p->ts->kind == SVC_EXTERNAL) continue;
        char name[200];
        snprintf(name, sizeof name, "sched:%s:%s", p->ts->name,
                 p->region >= 0 ? m->topo->regions[p->region].name : "-");
        rng_init(&p->sched_rng, sim_seed(m->sim), name);
        if (p->ts->health.enabled && p->ts->health.interval > 0)
            sim_after(m->sim, p->ts->health.interval, on_health, p, 0);
        if (p->ts->autoscale.enabled && p->ts->autoscale.period > 0)
            sim_after(m->sim, p->ts->autoscale.period, on_autoscale, p, 0);
    }
}
