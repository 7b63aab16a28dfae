/*
 * sim.c: the kernel's clock, event records and stepping loop.
 *
 * Event records live in one growable array and are recycled through a free
 * list; the queue carries the record's index, and the record's generation
 * lets an id detect that its record was recycled. A cancelled record stays
 * queued with fn == NULL until its time comes, then returns to the free list.
 * Cancel is therefore O(1) and the queue never needs a "remove" operation.
 *
 * Invariant: a record is either free (on the list), or queued (live or
 * cancelled). `live` counts queued records whose fn is set.
 */
#include "des/sim.h"

#include <assert.h>
#include <stdlib.h>
#include "des/evq.h"

typedef struct SimEvent {
    SimEventFn fn;          /* NULL once cancelled, or while free */
    void *obj;
    uint64_t arg;
    uint32_t gen;
    uint32_t next_free;
} SimEvent;

#define NO_SLOT UINT32_MAX

struct Sim {
    SimTime now;
    uint64_t seed;
    Evq q;
    SimEvent *ev;
    uint32_t nev, cap;
    uint32_t free_head;
    size_t live;
    uint64_t ran;
    bool stop;
    bool failed;
};

Sim *sim_new(uint64_t seed)
{
    Sim *sim = calloc(1, sizeof *sim);
    if (!sim) return NULL;
    sim->seed = seed;
    sim->free_head = NO_SLOT;
    evq_init(&sim->q);
    return sim;
}

void sim_free(Sim *sim)
{
    if (!sim) return;
    evq_free(&sim->q);
    free(sim->ev);
    free(sim);
}

SimTime sim_now(const Sim *sim) { return sim->now; }
uint64_t sim_seed(const Sim *sim) { return sim->seed; }
size_t sim_pending(const Sim *sim) { return sim->live; }
uint64_t sim_events_run(const Sim *sim) { return sim->ran; }
bool sim_failed(const Sim *sim) { return sim->failed; }
void sim_stop(Sim *sim) { sim->stop = true; }
bool sim_stopped(const Sim *sim) { return sim->stop; }

static inline SimEventId make_id(uint32_t slot, uint32_t gen)
{
    return ((uint64_t)gen << 32) | ((uint64_t)slot + 1);
}

static uint32_t alloc_slot(Sim *sim)
{
    if (sim->free_head != NO_SLOT) {
        uint32_t s = sim->free_head;
        sim->free_head = sim->ev[s].next_free;
        return s;
    }
    if (sim->nev == sim->cap) {
        uint32_t cap = sim->cap ? sim->cap * 2 : 1024;
        if (cap <= sim->cap) return NO_SLOT;
        SimEvent *ev = realloc(sim->ev, (size_t)cap * sizeof *ev);
        if (!ev) return NO_SLOT;
        sim->ev = ev;
        sim->cap = cap;
    }
    sim->ev[sim->nev].gen = 0;
    return sim->nev++;
}

static void free_slot(Sim *sim, uint32_t s)
{
    SimEvent *e = &sim->ev[s];
    e->fn = NULL;
    e->gen++;
    e->next_free = sim->free_head;
    sim->free_head = s;
}

SimEventId sim_at(Sim *sim, SimTime t, SimEventFn fn, void *obj, uint64_t arg)
{
    assert(fn);
    assert(t >= sim->now && "sim: event scheduled in the past");
    uint32_t s = alloc_slot(sim);
    if (s == NO_SLOT || evq_push(&sim->q, t, s) < 0) {
        if (s != NO_SLOT) free_slot(sim, s);
        sim->failed = sim->stop = true;
        return 0;
    }
    SimEvent *e = &sim->ev[s];
    e->fn = fn;
    e->obj = obj;
    e->arg = arg;
    sim->live++;
    return make_id(s, e->gen);
}

SimEventId sim_after(Sim *sim, SimTime delay, SimEventFn fn, void *obj, uint64_t arg)
{
    assert(delay >= 0);
    SimTime t = delay > FD_TIME_NEVER - sim->now ? FD_TIME_NEVER : sim->now + delay;
    return sim_at(sim, t, fn, obj, arg);
}

static SimEvent *lookup(const Sim *sim, SimEventId id)
{
    if (id == 0) return NULL;
    uint64_t slot = (id & 0xffffffffu) - 1;
    if (slot >= sim->nev) return NULL;
    SimEvent *e = &sim->ev[slot];
    if (e->gen != (uint32_t)(id >> 32) || !e->fn) return NULL;
    return e;
}

bool sim_cancel(Sim *sim, SimEventId id)
{
    SimEvent *e = lookup(sim, id);
    if (!e) return false;
    e->fn = NULL;
    sim->live--;
    return true;
}

bool sim_is_pending(const Sim *sim, SimEventId id)
{
    return lookup(sim, id) != NULL;
}

/* Pops the earliest record if its time is <= limit. Cancelled records are
 * recycled on the way. Returns the live record's slot, or NO_SLOT. The
 * clock only moves to times that are popped, so the queue's push floor
 * never passes the clock. */
static uint32_t pop_live(Sim *sim, SimTime limit)
{
    EvqEntry top;
    while (evq_size(&sim->q) && evq_peek_time(&sim->q) <= limit) {
        evq_pop(&sim->q, &top);
        uint32_t s = (uint32_t)top.payload;
        sim->now = top.time;
        if (sim->ev[s].fn) return s;
        free_slot(sim, s);
    }
    return NO_SLOT;
}

static void run_slot(Sim *sim, uint32_t s)
{
    SimEvent e = sim->ev[s];
    /* Recycle before running, so the event may schedule into its own slot. */
    free_slot(sim, s);
    sim->live--;
    sim->ran++;
    e.fn(sim, e.obj, e.arg);
}

bool sim_step(Sim *sim)
{
    uint32_t s = pop_live(sim, FD_TIME_NEVER);
    if (s == NO_SLOT) return false;
    run_slot(sim, s);
    return true;
}

uint64_t sim_run_until(Sim *sim, SimTime t)
{
    uint64_t before = sim->ran;
    sim->stop = sim->failed;
    while (!sim->stop) {
        uint32_t s = pop_live(sim, t);
        if (s == NO_SLOT) {
            if (t > sim->now) sim->now = t;
            break;
        }
        run_slot(sim, s);
    }
    return sim->ran - before;
}

SimTime sim_next_time(Sim *sim)
{
    return evq_peek_time(&sim->q);
}
