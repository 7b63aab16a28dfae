/*
 * sim.h: the discrete-event kernel.
 *
 * A Sim owns a clock, a pending-event set and a pool of event records. There
 * is no global state: a process may hold any number of Sims, and a batch
 * worker, a live run and a test all drive the same one through the stepping
 * calls below.
 *
 * Events are (fn, obj, arg) triples run at a simulated time. Simultaneous
 * events run in the order they were scheduled. Scheduling returns an id that
 * can cancel the event; cancelling is O(1) (the record is flagged and
 * skipped when its time comes), because most timeouts are cancelled long
 * before they would fire.
 *
 * Timeouts get a cheaper path still, sim_after_fifo(): timers that all wait
 * the same delay come due in the order they were set, so they queue in a
 * FIFO lane per delay instead of the event set. Setting one appends to the
 * lane, cancelling one clears a flag in it, and a cancelled one is dropped
 * by a sequential scan when the lane's head passes it; the event set holds
 * one event per lane, for its earliest live timer.
 *
 * Ownership: the Sim never owns `obj`. Event records are pooled; in steady
 * state scheduling and running events allocate nothing.
 *
 * Errors: scheduling fails only when memory runs out, which sets a sticky
 * flag (sim_failed) and stops the run; the caller reports it as a system
 * error. Scheduling into the past is a programmer bug and asserts.
 *
 * Threads: a Sim belongs to one thread at a time.
 */
#ifndef FD_SIM_H
#define FD_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/fd_time.h"

typedef struct Sim Sim;

/* An event id: 0 is "no event"; ids of run or cancelled events go stale and
 * are then harmless to cancel again. */
typedef uint64_t SimEventId;

typedef void (*SimEventFn)(Sim *sim, void *obj, uint64_t arg);

/* Returns NULL when memory runs out. */
Sim *sim_new(uint64_t seed);
void sim_free(Sim *sim);

SimTime sim_now(const Sim *sim);
uint64_t sim_seed(const Sim *sim);

/* Schedules fn(sim, obj, arg) at absolute time t >= sim_now(). */
SimEventId sim_at(Sim *sim, SimTime t, SimEventFn fn, void *obj, uint64_t arg);
/* Schedules it `delay` (>= 0) from now. */
SimEventId sim_after(Sim *sim, SimTime delay, SimEventFn fn, void *obj, uint64_t arg);

/* Like sim_after, through the lane of timers with this delay (see the top).
 * For timers of which there are many with the same delay and most are
 * cancelled: the timeouts of calls. Ties: a lane timer runs at its time, but
 * among other events at that instant it runs when its lane's event was
 * scheduled, which may be after the timer was set. That order is as
 * deterministic as the rest. A Sim keeps up to SIM_MAX_LANES lanes; timers
 * with further delays take the plain sim_after path. */
#define SIM_MAX_LANES 32
SimEventId sim_after_fifo(Sim *sim, SimTime delay, SimEventFn fn, void *obj, uint64_t arg);

/* Cancels a pending event or lane timer. Returns true if it was pending. */
bool sim_cancel(Sim *sim, SimEventId id);
bool sim_is_pending(const Sim *sim, SimEventId id);

/* Runs the earliest pending event. Returns false when none is pending. */
bool sim_step(Sim *sim);

/* Runs every event with time <= t, then sets the clock to t, unless
 * sim_stop() was called from an event, in which case it returns at once with
 * the clock at that event's time. Returns the number of events run. */
uint64_t sim_run_until(Sim *sim, SimTime t);

/* Asks sim_run_until() to return after the current event. */
void sim_stop(Sim *sim);
bool sim_stopped(const Sim *sim);

/* A lower bound on the time of the next event to run (a cancelled record may
 * still be queued at the front), or FD_TIME_NEVER when nothing is queued. */
SimTime sim_next_time(Sim *sim);

/* Events and lane timers scheduled and not yet run or cancelled. */
size_t sim_pending(const Sim *sim);
/* Events and lane timers run (a lane's own wake-ups are not counted). */
uint64_t sim_events_run(const Sim *sim);

/* True once an allocation has failed; the run cannot be trusted after it. */
bool sim_failed(const Sim *sim);

#endif
