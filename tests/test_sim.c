/* test_sim.c: the kernel's clock, cancellation and stepping API. */
#include "fdtest.h"
#include "des/sim.h"

typedef struct Log {
    int n;
    uint64_t args[64];
    SimTime at[64];
} Log;

static void record(Sim *sim, void *obj, uint64_t arg)
{
    Log *log = obj;
    if (log->n < 64) {
        log->args[log->n] = arg;
        log->at[log->n] = sim_now(sim);
    }
    log->n++;
}

static void test_order_and_ties(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    sim_at(sim, 30, record, &log, 3);
    sim_at(sim, 10, record, &log, 1);
    sim_at(sim, 30, record, &log, 4);   /* tie: after arg 3 */
    sim_at(sim, 20, record, &log, 2);
    CHECK_EQ_INT(sim_pending(sim), 4);
    while (sim_step(sim)) {}
    CHECK_EQ_INT(log.n, 4);
    for (int i = 0; i < 4; i++) CHECK_EQ_INT(log.args[i], i + 1);
    CHECK_EQ_INT(log.at[3], 30);
    CHECK_EQ_INT(sim_now(sim), 30);
    CHECK_EQ_INT(sim_events_run(sim), 4);
    sim_free(sim);
}

static void test_cancel(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    SimEventId a = sim_at(sim, 10, record, &log, 1);
    SimEventId b = sim_at(sim, 20, record, &log, 2);
    CHECK(sim_is_pending(sim, b));
    CHECK(sim_cancel(sim, b));
    CHECK(!sim_cancel(sim, b));           /* twice is harmless */
    CHECK(!sim_is_pending(sim, b));
    CHECK_EQ_INT(sim_pending(sim), 1);
    sim_run_until(sim, 100);
    CHECK_EQ_INT(log.n, 1);
    CHECK(!sim_cancel(sim, a));           /* already ran */
    /* A recycled slot does not resurrect the stale id. */
    SimEventId c = sim_at(sim, 150, record, &log, 3);
    CHECK(c != a && c != b);
    CHECK(!sim_cancel(sim, a));
    CHECK(sim_is_pending(sim, c));
    sim_free(sim);
}

static void test_run_until_moves_clock(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    sim_at(sim, 100, record, &log, 1);
    CHECK_EQ_INT(sim_run_until(sim, 50), 0);
    CHECK_EQ_INT(sim_now(sim), 50);
    /* Earlier than the queued event but not than the clock: allowed. */
    sim_at(sim, 60, record, &log, 2);
    CHECK_EQ_INT(sim_run_until(sim, 100), 2);
    CHECK_EQ_INT(log.args[0], 2);
    CHECK_EQ_INT(log.args[1], 1);
    CHECK_EQ_INT(sim_now(sim), 100);
    sim_free(sim);
}

static void stopper(Sim *sim, void *obj, uint64_t arg)
{
    record(sim, obj, arg);
    sim_stop(sim);
}

static void test_stop(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    sim_at(sim, 10, record, &log, 1);
    sim_at(sim, 20, stopper, &log, 2);
    sim_at(sim, 30, record, &log, 3);
    CHECK_EQ_INT(sim_run_until(sim, 1000), 2);
    CHECK(sim_stopped(sim));
    CHECK_EQ_INT(sim_now(sim), 20);
    CHECK_EQ_INT(sim_run_until(sim, 1000), 1);   /* resumes */
    CHECK_EQ_INT(sim_now(sim), 1000);
    sim_free(sim);
}

/* An event that reschedules itself: steady state must not grow the pool. */
typedef struct Ticker { int left; SimEventId timeout; Log *log; } Ticker;

static void on_timeout(Sim *sim, void *obj, uint64_t arg) { record(sim, obj, arg); }

static void tick(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Ticker *t = obj;
    /* Most timeouts are cancelled before they fire. */
    sim_cancel(sim, t->timeout);
    if (--t->left > 0) {
        t->timeout = sim_after(sim, 1000, on_timeout, t->log, 9);
        sim_after(sim, 10, tick, t, 0);
    }
}

static void test_cancel_heavy_steady_state(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    Ticker t = { 100000, 0, &log };
    sim_at(sim, 0, tick, &t, 0);
    sim_run_until(sim, FD_HOUR);
    CHECK_EQ_INT(log.n, 0);           /* every timeout was cancelled in time */
    CHECK_EQ_INT(sim_pending(sim), 0);
    CHECK(!sim_failed(sim));
    sim_free(sim);
}

/* Lane timers (sim_after_fifo) run at their times, in the order set among
 * equal delays, interleaved with plain events by time; cancel, is_pending,
 * stale ids, the counts, and a ring that grows past its first size. */
static void test_lanes(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    SimEventId a = sim_after_fifo(sim, 100, record, &log, 1);   /* t 100 */
    sim_at(sim, 50, record, &log, 2);
    SimEventId b = sim_after_fifo(sim, 100, record, &log, 3);   /* t 100, after 1 */
    SimEventId c = sim_after_fifo(sim, 30, record, &log, 4);    /* another lane: t 30 */
    CHECK(a != 0 && b != 0 && c != 0 && a != b);
    CHECK_EQ_INT(sim_pending(sim), 4);
    CHECK(sim_is_pending(sim, b));
    CHECK(sim_cancel(sim, a));
    CHECK(!sim_cancel(sim, a));
    CHECK(!sim_is_pending(sim, a));
    CHECK_EQ_INT(sim_pending(sim), 3);
    sim_run_until(sim, 1000);
    CHECK_EQ_INT(log.n, 3);
    CHECK_EQ_INT(log.args[0], 4);
    CHECK_EQ_INT(log.at[0], 30);
    CHECK_EQ_INT(log.args[1], 2);
    CHECK_EQ_INT(log.args[2], 3);
    CHECK_EQ_INT(log.at[2], 100);
    CHECK(!sim_cancel(sim, b));                 /* ran */
    CHECK(!sim_is_pending(sim, c));
    CHECK_EQ_INT(sim_pending(sim), 0);
    CHECK_EQ_INT(sim_events_run(sim), 3);       /* the lanes' wakes do not count */

    /* 1000 timers set 1 ns apart (the ring grows from 64), every other one
     * cancelled: the rest run in order, each at its own time. */
    Log big = { 0 };
    SimEventId ids[1000];
    SimTime t0 = sim_now(sim);
    for (int i = 0; i < 1000; i++) {
        ids[i] = sim_after_fifo(sim, 5000, record, &big, (uint64_t)i);
        sim_run_until(sim, sim_now(sim) + 1);
    }
    for (int i = 0; i < 1000; i += 2) CHECK(sim_cancel(sim, ids[i]));
    sim_run_until(sim, t0 + 10000);
    CHECK_EQ_INT(big.n, 500);
    int ordered = 0;
    for (int i = 0; i < 64; i++)
        ordered += big.args[i] == (uint64_t)(2 * i + 1) && big.at[i] == t0 + 2 * i + 1 + 5000;
    CHECK_EQ_INT(ordered, 64);

    /* More distinct delays than lanes: the rest take the plain path. */
    Log many = { 0 };
    for (int i = 0; i < SIM_MAX_LANES + 8; i++) sim_after_fifo(sim, 10 + i, record, &many, (uint64_t)i);
    sim_run_until(sim, sim_now(sim) + 100);
    CHECK_EQ_INT(many.n, SIM_MAX_LANES + 8);
    int in_order = 0;
    for (int i = 0; i < SIM_MAX_LANES + 8; i++) in_order += many.args[i] == (uint64_t)i;
    CHECK_EQ_INT(in_order, SIM_MAX_LANES + 8);
    CHECK(!sim_failed(sim));
    sim_free(sim);
}

/* The cancel-heavy steady state again, through a lane. */
static void tick_fifo(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Ticker *t = obj;
    sim_cancel(sim, t->timeout);
    if (--t->left > 0) {
        t->timeout = sim_after_fifo(sim, 1000, on_timeout, t->log, 9);
        sim_after(sim, 10, tick_fifo, t, 0);
    }
}

static void test_lane_cancel_heavy(void)
{
    Sim *sim = sim_new(1);
    Log log = { 0 };
    Ticker t = { 100000, 0, &log };
    sim_at(sim, 0, tick_fifo, &t, 0);
    sim_run_until(sim, FD_HOUR);
    CHECK_EQ_INT(log.n, 0);
    CHECK_EQ_INT(sim_pending(sim), 0);
    CHECK_EQ_INT(sim_events_run(sim), 100000);
    CHECK(!sim_failed(sim));
    sim_free(sim);
}

/* Two sims in one process do not share anything. */
static void test_independent_sims(void)
{
    Sim *a = sim_new(1), *b = sim_new(2);
    Log la = { 0 }, lb = { 0 };
    sim_at(a, 5, record, &la, 1);
    sim_at(b, 7, record, &lb, 2);
    sim_run_until(a, 10);
    CHECK_EQ_INT(la.n, 1);
    CHECK_EQ_INT(lb.n, 0);
    CHECK_EQ_INT(sim_now(b), 0);
    CHECK_EQ_INT(sim_seed(b), 2);
    sim_free(a);
    sim_free(b);
}

int main(void)
{
    test_order_and_ties();
    test_cancel();
    test_run_until_moves_clock();
    test_stop();
    test_cancel_heavy_steady_state();
    test_lanes();
    test_lane_cancel_heavy();
    test_independent_sims();
    return fdt_finish();
}
