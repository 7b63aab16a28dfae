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
 * cancelled). `live` counts queued records whose fn is set, plus live lane
 * timers, plus armed lanes (`armed`, subtracted again by sim_pending).
 *
 * Lanes (sim_after_fifo): a ring of (time, fn, obj, arg) entries per delay,
 * in the order set, which is time order because the clock never goes back.
 * Entries are named by a sequence number that only grows, so an id never
 * comes back to life: ids of lane timers are LANE_BIT | lane << 48 | seq. A
 * lane with live entries has one queued event (its wake) at the time of an
 * entry that was its earliest live one when it was armed; when the wake
 * runs it drops the dead entries at the head, runs the head if it is due,
 * and arms itself for the next live one. Since most timers are cancelled
 * long before they are due, a wake typically drops a long run of dead
 * entries, sequentially, and the event set sees about one event per lane per
 * delay instead of one per timer.
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

typedef struct LaneEntry {
    SimTime t;
    SimEventFn fn;          /* NULL once run or cancelled */
    void *obj;
    uint64_t arg;
} LaneEntry;

typedef struct SimLane {
    Sim *sim;
    SimTime delay;
    LaneEntry *ring;
    uint64_t mask;          /* ring size - 1; the size is a power of two */
    uint64_t head, tail;    /* entries head..tail-1 are in the ring */
    SimEventId wake;        /* the queued wake, or 0 */
    uint32_t index;
} SimLane;

#define LANE_BIT (1ull << 63)
#define LANE_SHIFT 48
#define LANE_SEQ_MASK ((1ull << LANE_SHIFT) - 1)

struct Sim {
    SimTime now;
    uint64_t seed;
    Evq q;
    SimEvent *ev;
    uint32_t nev, cap;
    uint32_t free_head;
    size_t live;
    uint64_t ran;
    SimLane *lanes[SIM_MAX_LANES];
    int nlanes;
    size_t armed;           /* lanes with a queued wake */
    uint64_t wakeups;       /* wakes run (not counted as events) */
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
    for (int i = 0; i < sim->nlanes; i++) {
        free(sim->lanes[i]->ring);
        free(sim->lanes[i]);
    }
    free(sim->ev);
    free(sim);
}

SimTime sim_now(const Sim *sim) { return sim->now; }
uint64_t sim_seed(const Sim *sim) { return sim->seed; }
size_t sim_pending(const Sim *sim)
{
    assert(sim->live >= sim->armed);
    return sim->live - sim->armed;
}
uint64_t sim_events_run(const Sim *sim) { return sim->ran - sim->wakeups; }
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
        assert(s < sim->nev && !sim->ev[s].fn);   /* a free record is not queued live */
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

/* ---- lanes ---- */

static void lane_wake(Sim *sim, void *obj, uint64_t arg);

static LaneEntry *lane_entry(const Sim *sim, SimEventId id)
{
    uint64_t li = (id & ~LANE_BIT) >> LANE_SHIFT, seq = id & LANE_SEQ_MASK;
    if (li >= (uint64_t)sim->nlanes) return NULL;
    SimLane *l = sim->lanes[li];
    if (seq < l->head || seq >= l->tail) return NULL;
    LaneEntry *e = &l->ring[seq & l->mask];
    return e->fn ? e : NULL;
}

static SimLane *lane_for(Sim *sim, SimTime delay)
{
    for (int i = 0; i < sim->nlanes; i++)
        if (sim->lanes[i]->delay == delay) return sim->lanes[i];
    if (sim->nlanes == SIM_MAX_LANES) return NULL;
    SimLane *l = calloc(1, sizeof *l);
    LaneEntry *ring = malloc(64 * sizeof *ring);
    if (!l || !ring) {
        free(l);
        free(ring);
        return NULL;
    }
    l->sim = sim;
    l->delay = delay;
    l->ring = ring;
    l->mask = 63;
    l->index = (uint32_t)sim->nlanes;
    sim->lanes[sim->nlanes++] = l;
    return l;
}

static int lane_grow(SimLane *l)
{
    uint64_t size = (l->mask + 1) * 2;
    LaneEntry *ring = malloc(size * sizeof *ring);
    if (!ring) return -1;
    for (uint64_t s = l->head; s < l->tail; s++) ring[s & (size - 1)] = l->ring[s & l->mask];
    free(l->ring);
    l->ring = ring;
    l->mask = size - 1;
    return 0;
}

static void lane_drop_dead(SimLane *l)
{
    while (l->head < l->tail && !l->ring[l->head & l->mask].fn) l->head++;
}

static void lane_arm(Sim *sim, SimLane *l)
{
    assert(l->head < l->tail && !l->wake);   /* one wake per lane, for a live entry */
    l->wake = sim_at(sim, l->ring[l->head & l->mask].t, lane_wake, l, 0);
    if (l->wake) sim->armed++;
}

SimEventId sim_after_fifo(Sim *sim, SimTime delay, SimEventFn fn, void *obj, uint64_t arg)
{
    assert(fn && delay >= 0);
    SimLane *l = lane_for(sim, delay);
    if (!l) return sim_after(sim, delay, fn, obj, arg);
    if (l->tail - l->head > l->mask && lane_grow(l) < 0) {
        sim->failed = sim->stop = true;
        return 0;
    }
    assert(l->tail < LANE_SEQ_MASK);
    SimTime t = delay > FD_TIME_NEVER - sim->now ? FD_TIME_NEVER : sim->now + delay;
    uint64_t seq = l->tail++;
    l->ring[seq & l->mask] = (LaneEntry){ t, fn, obj, arg };
    sim->live++;
    if (!l->wake) lane_arm(sim, l);
    return LANE_BIT | (uint64_t)l->index << LANE_SHIFT | seq;
}

static void lane_wake(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    SimLane *l = obj;
    l->wake = 0;
    assert(sim->armed > 0);
    sim->armed--;
    sim->wakeups++;
    lane_drop_dead(l);
    if (l->head == l->tail) return;
    LaneEntry *e = &l->ring[l->head & l->mask];
    if (e->t > sim->now) {      /* the entry it was armed for was cancelled */
        lane_arm(sim, l);
        return;
    }
    LaneEntry due = *e;
    e->fn = NULL;
    l->head++;
    sim->live--;
    sim->ran++;
    lane_drop_dead(l);
    if (l->head < l->tail) lane_arm(sim, l);
    due.fn(sim, due.obj, due.arg);
}

/* ---- events ---- */

static SimEvent *lookup(const Sim *sim, SimEventId id)
{
    if (id == 0 || (id & LANE_BIT)) return NULL;
    uint64_t slot = (id & 0xffffffffu) - 1;
    if (slot >= sim->nev) return NULL;
    SimEvent *e = &sim->ev[slot];
    if (e->gen != (uint32_t)(id >> 32) || !e->fn) return NULL;
    return e;
}

bool sim_cancel(Sim *sim, SimEventId id)
{
    if (id & LANE_BIT) {
        LaneEntry *le = lane_entry(sim, id);
        if (!le) return false;
        le->fn = NULL;
        assert(sim->live > 0);
        sim->live--;
        return true;
    }
    SimEvent *e = lookup(sim, id);
    if (!e) return false;
    e->fn = NULL;
    assert(sim->live > 0);
    sim->live--;
    return true;
}

bool sim_is_pending(const Sim *sim, SimEventId id)
{
    if (id & LANE_BIT) return lane_entry(sim, id) != NULL;
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
        if (!evq_pop(&sim->q, &top)) {
            sim->failed = sim->stop = true;   /* out of memory (q.oom) */
            return NO_SLOT;
        }
        uint32_t s = (uint32_t)top.payload;
        assert(s < sim->nev && top.time >= sim->now);   /* the clock never goes back */
        sim->now = top.time;
        if (sim->ev[s].fn) {
            /* What this event's function reads first is its object, and
             * the record of the event after it is somewhere cold in the
             * pool (last touched when it was scheduled): start fetching
             * both. Finding the next one is the scan the next pop would
             * make anyway. With 100k events pending (the Tencent replay)
             * each is a cache miss that the run otherwise waits on. */
            __builtin_prefetch(sim->ev[s].obj);
            const EvqEntry *next = evq_peek(&sim->q);
            if (next) __builtin_prefetch(&sim->ev[next->payload]);
            return s;
        }
        free_slot(sim, s);
    }
    return NO_SLOT;
}

static void run_slot(Sim *sim, uint32_t s)
{
    SimEvent e = sim->ev[s];
    assert(e.fn && sim->live > 0);
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
