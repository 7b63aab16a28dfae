/*
 * mmc.c: the M/M/c station (see mmc.h).
 *
 * Customers are just arrival times in a ring buffer, so the run allocates
 * only when the queue reaches a new peak. Time-averaged figures (busy
 * servers, number in system) are integrated at every state change over the
 * measured window, which opens when the warm-up customer arrives.
 */
#include "model/mmc.h"

#include <math.h>
#include <stdlib.h>
#include "base/rng.h"
#include "des/sim.h"

typedef struct Station {
    MmcParams p;
    Rng arrivals, service;
    SimTime *ring;
    uint64_t head, len, cap;
    int busy;
    uint64_t arrived;
    bool measuring;
    SimTime t_start, t_last;
    double busy_area, sys_area;
    double wait_sum, sojourn_sum;
    uint64_t counted;
    uint64_t max_queue;
    bool oom;
} Station;

/* Per-customer record carried by a departure event: its arrival time and
 * whether it is counted, packed into the event's argument. */
#define COUNTED_BIT (1ull << 63)

static SimTime draw_exp(Rng *r, double rate)
{
    return fd_time_from_sec(-log(rng_uniform_pos(r)) / rate);
}

static void integrate(Station *st, SimTime now)
{
    if (st->measuring) {
        double dt = fd_time_sec(now - st->t_last);
        st->busy_area += dt * st->busy;
        st->sys_area += dt * (double)(st->busy + (int)st->len);
    }
    st->t_last = now;
}

static void on_departure(Sim *sim, void *obj, uint64_t arg);

static void start_service(Sim *sim, Station *st, SimTime arrived_at, bool counted)
{
    SimTime now = sim_now(sim);
    if (counted) st->wait_sum += fd_time_sec(now - arrived_at);
    st->busy++;
    uint64_t arg = (uint64_t)arrived_at | (counted ? COUNTED_BIT : 0);
    if (!sim_after(sim, draw_exp(&st->service, st->p.mu), on_departure, st, arg)) st->oom = true;
}

static void on_departure(Sim *sim, void *obj, uint64_t arg)
{
    Station *st = obj;
    SimTime now = sim_now(sim);
    integrate(st, now);
    st->busy--;
    if (arg & COUNTED_BIT) {
        st->sojourn_sum += fd_time_sec(now - (SimTime)(arg & ~COUNTED_BIT));
        st->counted++;
    }
    if (st->len) {
        SimTime a = st->ring[st->head];
        st->head = (st->head + 1) % st->cap;
        st->len--;
        /* Arrival order is FIFO order, so the counted flag follows from
         * how many customers have left the queue before this one. */
        start_service(sim, st, a, a >= st->t_start && st->measuring);
    }
}

static int enqueue(Station *st, SimTime t)
{
    if (st->len == st->cap) {
        uint64_t cap = st->cap ? st->cap * 2 : 256;
        SimTime *r = malloc(cap * sizeof *r);
        if (!r) return -1;
        for (uint64_t i = 0; i < st->len; i++) r[i] = st->ring[(st->head + i) % st->cap];
        free(st->ring);
        st->ring = r;
        st->head = 0;
        st->cap = cap;
    }
    st->ring[(st->head + st->len) % st->cap] = t;
    st->len++;
    if (st->len > st->max_queue) st->max_queue = st->len;
    return 0;
}

static void on_arrival(Sim *sim, void *obj, uint64_t arg)
{
    (void)arg;
    Station *st = obj;
    SimTime now = sim_now(sim);
    integrate(st, now);
    st->arrived++;
    if (st->arrived == st->p.warmup + 1) {
        st->measuring = true;
        st->t_start = now;
    }
    if (st->busy < st->p.servers) start_service(sim, st, now, st->measuring);
    else if (enqueue(st, now) < 0) { st->oom = true; sim_stop(sim); return; }

    if (st->arrived < st->p.customers &&
        !sim_after(sim, draw_exp(&st->arrivals, st->p.lambda), on_arrival, st, 0))
        st->oom = true;
}

int mmc_run(const MmcParams *p, MmcResult *out)
{
    if (!(p->lambda > 0) || !(p->mu > 0) || p->servers < 1 || p->customers <= p->warmup)
        return -1;
    Station st = { .p = *p };
    rng_init(&st.arrivals, p->seed, "mmc:arrivals");
    rng_init(&st.service, p->seed, "mmc:service");
    Sim *sim = sim_new(p->seed);
    if (!sim) return -1;

    sim_at(sim, 0, on_arrival, &st, 0);
    while (sim_step(sim)) {}
    SimTime end = sim_now(sim);
    integrate(&st, end);

    double span = fd_time_sec(end - st.t_start);
    *out = (MmcResult){
        .served = st.counted,
        .mean_wait = st.counted ? st.wait_sum / (double)st.counted : 0,
        .mean_sojourn = st.counted ? st.sojourn_sum / (double)st.counted : 0,
        .utilisation = span > 0 ? st.busy_area / (span * p->servers) : 0,
        .mean_in_system = span > 0 ? st.sys_area / span : 0,
        .arrival_rate = span > 0 ? (double)(p->customers - p->warmup) / span : 0,
        .end = end,
        .events = sim_events_run(sim),
        .max_queue = st.max_queue,
    };
    bool failed = st.oom || sim_failed(sim);
    sim_free(sim);
    free(st.ring);
    return failed ? -1 : 0;
}

int mmc_analytic(double lambda, double mu, int servers, double *mean_wait, double *utilisation)
{
    double a = lambda / mu;              /* offered load in Erlangs */
    double rho = a / servers;
    if (!(rho < 1) || servers < 1) return -1;
    /* Erlang C through the Erlang B recursion, which stays stable for
     * large c where a^c / c! would overflow. */
    double b = 1.0;
    for (int k = 1; k <= servers; k++) b = a * b / (k + a * b);
    double c = b / (1 - rho + rho * b);
    *mean_wait = c / (servers * mu - lambda);
    *utilisation = rho;
    return 0;
}
