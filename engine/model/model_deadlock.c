/*
 * model_deadlock.c: circular waits among schedulers, found as they form,
 * recorded once per episode, and the calls that report them.
 *
 * Each failed scheduling attempt, and each start a start-up call failed,
 * records the pool where its failure started (a pool with nothing serving;
 * model_sched.c). Following those records from pool to pool, a walk that
 * comes back to where it started is a circular wait. It is reported once
 * per episode; the episode ends when any instance of the pool serves again.
 */
#include "model/model_internal.h"

#include <stdlib.h>

/* What pool q's instances wait on: the pool its failed scheduling ran
 * into, else the one its failed start ran into; -1 none. */
static int blocker(const Pool *q)
{
    return q->sched_failed ? q->blocked_by : q->start_blocked_by;
}

/* Follows failed-scheduling and failed-start records from p; returns the
 * cycle length (in pools) when the walk returns to p, else 0. */
static int find_cycle(Model *m, Pool *p, int *chain, int max)
{
    int n = 0;
    Pool *cur = p;
    while (n < max) {
        chain[n++] = cur->index;
        if (blocker(cur) < 0) return 0;
        Pool *next = &m->pools[blocker(cur)];
        if (pool_serving(next) > 0) return 0;
        if (next == p) return n;
        if (!(next->waiting > 0 && blocker(next) >= 0)) return 0;
        for (int k = 0; k < n; k++)
            if (chain[k] == next->index) return 0;   /* a cycle, but not through p */
        cur = next;
    }
    return 0;
}

void check_deadlock(Model *m, Pool *p)
{
    if (p->deadlock_open) return;
    int chain[8];
    int n = find_cycle(m, p, chain, 8);
    if (!n) return;
    ModelDeadlock d = { .at = sim_now(m->sim), .region = p->region };
    for (int k = 0; k < n; k++) {
        Pool *q = &m->pools[chain[k]];
        q->deadlock_open = true;
        /* The edge it waits through: its platform, or its start-up call. */
        int via = q->sched_failed ? q->ts->runs_on : q->start_via;
        d.startup = d.startup || !q->sched_failed;
        if (d.ncycle < 16) d.cycle[d.ncycle++] = q->svc;
        if (via >= 0 && via != q->svc && d.ncycle < 16) d.cycle[d.ncycle++] = via;
    }
    if (m->ndeadlocks == m->capdeadlocks) {
        int cap = m->capdeadlocks ? m->capdeadlocks * 2 : 8;
        ModelDeadlock *v = realloc(m->deadlocks, sizeof *v * (size_t)cap);
        if (!v) { m->oom = true; sim_stop(m->sim); return; }
        m->deadlocks = v;
        m->capdeadlocks = cap;
    }
    m->deadlocks[m->ndeadlocks++] = d;
    if (m->opt.on_deadlock) m->opt.on_deadlock(m->opt.ud, &d);
}

bool model_deadlocked(const Model *m, int svc, int region)
{
    const Pool *p = model_pool(m, svc, region);
    return p && p->deadlock_open;
}

int model_ndeadlocks(const Model *m) { return m->ndeadlocks; }

const ModelDeadlock *model_deadlock(const Model *m, int i)
{
    return i >= 0 && i < m->ndeadlocks ? &m->deadlocks[i] : NULL;
}
