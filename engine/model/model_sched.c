/*
 * model_sched.c: instances coming and going, and who has to agree.
 *
 * An instance that crashes (or fails its health checks, or is restarted)
 * waits until its platform (`runs_on`) schedules it again. Scheduling is an
 * ordinary request to the platform in the same region, so it goes through
 * the platform's own calls: if the platform needs the very service that is
 * down in order to schedule it, the request fails, retries with backoff,
 * and fails again. That is the Tencent 2024-04-08 Shanghai pattern, and it
 * comes out of the topology, not out of a rule written for it.
 *
 * Deadlock detection: each failed scheduling attempt records the pool
 * where its failure started (a pool with nothing serving). Following those
 * records from pool to pool, a walk that comes back to where it started is
 * a circular wait. It is reported once per episode; the episode ends when
 * any instance of the pool serves again.
 *
 * Autoscaling and health checks run as periodic events per pool.
 */
#include "model/model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_TIMEOUT     (30 * FD_SEC)
#define SCHED_BACKOFF_MIN (5 * FD_SEC)
#define SCHED_BACKOFF_MAX (60 * FD_SEC)

static void on_boot_done(Sim *sim, void *obj, uint64_t arg);
static void sched_attempt(Model *m, Pool *p);

int pool_add_instances(Model *m, Pool *p, int n)
{
    (void)m;
    if (n <= 0) return 0;
    /* Reuse stopped slots first, so scaling in and out does not grow the
     * array without bound. */
    for (int i = 0; i < p->ninst && n > 0; i++) {
        Inst *in = &p->inst[i];
        if (in->state != INST_STOPPED) continue;
        uint32_t gen = in->gen + 1;
        *in = (Inst){ .state = INST_WAITING, .fresh = true, .gen = gen,
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
    }
    for (int k = 0; k < n; k++) {
        p->inst[p->ninst++] = (Inst){ .state = INST_WAITING, .fresh = true,
                                      .code = (uint8_t)p->target };
        p->waiting++;
    }
    return 0;
}

void inst_crash(Model *m, Pool *p, int i)
{
    Inst *in = &p->inst[i];
    pool_integrate(m, p);
    if (in->state == INST_STARTING) sim_cancel(m->sim, in->ev);
    in->gen++;
    if (in->state == INST_UP) p->nup--;
    in->state = INST_WAITING;
    in->draining = false;
    in->hung = false;
    in->health_fails = 0;
    in->fresh = false;
    p->waiting++;     /* a rolling instance crashing again still has to come back */
    inst_kill_requests(m, p, i);
}

static void boot(Model *m, Pool *p, int i, SimTime after)
{
    Inst *in = &p->inst[i];
    pool_integrate(m, p);
    in->state = INST_STARTING;
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

static void on_boot_done(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    Pool *p = obj;
    Model *m = p->m;
    int i = (int)(uint32_t)arg;
    Inst *in = &p->inst[i];
    if (in->gen != (uint32_t)(arg >> 32) || in->state != INST_STARTING) return;
    pool_integrate(m, p);
    in->state = INST_UP;
    p->nup++;
    in->fresh = false;
    in->ev = 0;
    if (in->rolling) {
        in->rolling = false;
        if (p->roll_batch && --p->roll_pending <= 0) sched_roll_next(m, p);
    }
    p->deadlock_open = false;
    if (p->hung) in->hung = false;   /* the tier's hang is the pool's, not the instance's */
    inst_dequeue(m, p, i);
}

void sched_manual_start(Model *m, Pool *p, int i, SimTime manual_time)
{
    Inst *in = &p->inst[i];
    if (in->state != INST_WAITING) return;
    boot(m, p, i, manual_time + boot_time(p, in));
}

/* How many waiting instances a successful scheduling round may start,
 * under the pool's provisioning rate limit. */
static int start_budget(Model *m, Pool *p)
{
    double rate = p->ts->autoscale.enabled ? p->ts->autoscale.rate : 0;
    if (rate <= 0) return p->waiting;
    SimTime now = sim_now(m->sim);
    if (now - p->minute_start >= FD_MIN) {
        p->minute_start = now;
        p->started_this_min = 0;
    }
    double left = rate - p->started_this_min;
    return left < 1 ? 0 : (int)left;
}

static void start_waiting(Model *m, Pool *p)
{
    int budget = start_budget(m, p);
    for (int i = 0; i < p->ninst && budget > 0; i++) {
        Inst *in = &p->inst[i];
        if (in->state != INST_WAITING) continue;
        boot(m, p, i, boot_time(p, in));
        p->started_this_min += 1;
        budget--;
    }
}

static void on_sched_event(Sim *sim, void *obj, uint64_t arg)
{
    (void)sim;
    (void)arg;
    Pool *p = obj;
    p->sched_ev = 0;
    if (p->sched_inflight) {
        /* The scheduling request timed out: the platform is not answering. */
        p->sched_inflight = false;
        Req *r = p->sched_req;
        p->sched_req = NULL;
        if (r) {
            r->sched_for = NULL;
            req_abandon(p->m, r);
        }
        sched_done(p->m, p, OUT_FAILED, p->sched_platform);
        return;
    }
    sched_attempt(p->m, p);
}

static void sched_attempt(Model *m, Pool *p)
{
    if (p->waiting <= 0) return;
    if (p->ts->runs_on < 0) {
        /* Nothing schedules it: it restarts by itself. */
        start_waiting(m, p);
        if (p->waiting > 0)
            p->sched_ev = sim_after(m->sim, FD_MIN - (sim_now(m->sim) - p->minute_start),
                                    on_sched_event, p, 0);
        return;
    }
    if (start_budget(m, p) <= 0) {
        p->sched_ev = sim_after(m->sim, FD_MIN - (sim_now(m->sim) - p->minute_start),
                                on_sched_event, p, 0);
        return;
    }
    Pool *plat = model_pool_for_call(m, p->ts->runs_on, p->region, -1);
    Req *r = req_new(m);
    if (!r) return;
    r->sched_for = p;
    p->sched_req = r;
    p->sched_platform = plat->index;
    p->sched_inflight = true;
    p->sched_ev = sim_after(m->sim, SCHED_TIMEOUT, on_sched_event, p, 0);
    req_arrive(m, r, plat);
}

void sched_poke(Model *m, Pool *p)
{
    if (p->waiting > 0 && !p->sched_inflight && !p->sched_ev) sched_attempt(m, p);
}

/* Follows failed-scheduling records from p; returns the cycle length (in
 * pools) when the walk returns to p, else 0. */
static int find_cycle(Model *m, Pool *p, int *chain, int max)
{
    int n = 0;
    Pool *cur = p;
    while (n < max) {
        chain[n++] = cur->index;
        if (cur->blocked_by < 0) return 0;
        Pool *next = &m->pools[cur->blocked_by];
        if (pool_serving(next) > 0) return 0;
        if (next == p) return n;
        if (!(next->waiting > 0 && next->sched_failed)) return 0;
        for (int k = 0; k < n; k++)
            if (chain[k] == next->index) return 0;   /* a cycle, but not through p */
        cur = next;
    }
    return 0;
}

static void check_deadlock(Model *m, Pool *p)
{
    if (p->deadlock_open) return;
    int chain[8];
    int n = find_cycle(m, p, chain, 8);
    if (!n) return;
    ModelDeadlock d = { .at = sim_now(m->sim), .region = p->region };
    for (int k = 0; k < n; k++) {
        Pool *q = &m->pools[chain[k]];
        q->deadlock_open = true;
        if (d.ncycle < 16) d.cycle[d.ncycle++] = q->svc;
        if (q->ts->runs_on >= 0 && d.ncycle < 16) d.cycle[d.ncycle++] = q->ts->runs_on;
    }
    if (m->ndeadlocks == m->capdeadlocks) {
        int cap = m->capdeadlocks ? m->capdeadlocks * 2 : 8;
        ModelDeadlock *v = realloc(m->deadlocks, sizeof *v * (size_t)cap);
        if (!v) { m->oom = true; return; }
        m->deadlocks = v;
        m->capdeadlocks = cap;
    }
    m->deadlocks[m->ndeadlocks++] = d;
    if (m->opt.on_deadlock) m->opt.on_deadlock(m->opt.ud, &d);
}

void sched_done(Model *m, Pool *p, Outcome out, int origin)
{
    p->sched_req = NULL;
    if (p->sched_inflight) {
        p->sched_inflight = false;
        sim_cancel(m->sim, p->sched_ev);
        p->sched_ev = 0;
    }
    if (out != OUT_FAILED) {
        p->sched_failed = false;
        p->blocked_by = -1;
        p->sched_backoff = SCHED_BACKOFF_MIN;
        start_waiting(m, p);
        sched_poke(m, p);
        return;
    }
    p->sched_failed = true;
    p->blocked_by = origin;
    check_deadlock(m, p);
    SimTime wait = p->sched_backoff;
    wait -= (SimTime)((double)wait * 0.5 * rng_uniform(&p->rng));
    p->sched_backoff = p->sched_backoff * 2 > SCHED_BACKOFF_MAX ? SCHED_BACKOFF_MAX
                                                                 : p->sched_backoff * 2;
    if (!p->sched_ev) p->sched_ev = sim_after(m->sim, wait, on_sched_event, p, 0);
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
            if (in->state == INST_WAITING) p->waiting--;
            sim_cancel(m->sim, in->ev);
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
    int max = p->scale_max > 0 ? p->scale_max : as->max;
    if (desired > max) desired = max;
    if (desired < as->min) desired = as->min;
    if (desired > live) {
        int add = desired - live;
        if (add > as->step) add = as->step;
        if (pool_add_instances(m, p, add) < 0) m->oom = true;
        sched_poke(m, p);
    } else if (desired < live && serving == live) {
        int cut = live - desired;
        if (cut > as->step) cut = as->step;
        sched_scale_in(m, p, cut);
    }
    sim_after(sim, as->period, on_autoscale, p, 0);
}

void sched_start(Model *m)
{
    for (int i = 0; i < m->npools; i++) {
        Pool *p = &m->pools[i];
        if (p->ts->kind == SVC_EXTERNAL) continue;
        if (p->ts->health.enabled && p->ts->health.interval > 0)
            sim_after(m->sim, p->ts->health.interval, on_health, p, 0);
        if (p->ts->autoscale.enabled && p->ts->autoscale.period > 0)
            sim_after(m->sim, p->ts->autoscale.period, on_autoscale, p, 0);
    }
}
