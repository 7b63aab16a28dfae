/*
 * mmc.h: a single M/M/c station on the event kernel.
 *
 * The smallest model that exercises the kernel the way the service model
 * does: Poisson arrivals, c servers, a FIFO queue, exponential service. It is
 * the yardstick for the kernel (the closed forms of Erlang C hold it to
 * account) and the workload of the SimPy comparison in bench/.
 *
 * Statistics skip the first `warmup` customers to cut the empty-start bias.
 */
#ifndef FD_MMC_H
#define FD_MMC_H

#include <stdint.h>
#include "base/fd_time.h"

typedef struct MmcParams {
    double lambda;      /* arrivals per second */
    double mu;          /* services per second, per server */
    int servers;        /* c >= 1 */
    uint64_t customers; /* stop after this many have arrived */
    uint64_t warmup;    /* customers excluded from the statistics */
    uint64_t seed;
} MmcParams;

typedef struct MmcResult {
    uint64_t served;        /* customers counted */
    double mean_wait;       /* seconds in queue, per counted customer */
    double mean_sojourn;    /* seconds in the system */
    double utilisation;     /* busy server-time / (c * measured time) */
    double mean_in_system;  /* time-average number in the system (L) */
    double arrival_rate;    /* counted arrivals / measured time */
    SimTime end;            /* simulated time when the run ended */
    uint64_t events;        /* kernel events run */
    uint64_t max_queue;     /* longest queue seen */
} MmcResult;

/* Runs the station to completion. Returns 0, or -1 on bad parameters or
 * when memory runs out. */
int mmc_run(const MmcParams *p, MmcResult *out);

/* Erlang C: the analytic mean wait in queue (seconds) and utilisation.
 * Returns -1 when the queue is unstable (lambda >= c * mu). */
int mmc_analytic(double lambda, double mu, int servers, double *mean_wait, double *utilisation);

#endif
