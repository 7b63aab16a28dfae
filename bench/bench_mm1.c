/*
 * bench_mm1.c: how fast the kernel runs a whole model, and whether its memory
 * stays flat as the run gets longer.
 *
 * The model is the M/M/1 station of model/mmc.h (lambda 8/s, mu 10/s, so
 * rho = 0.8), the same model bench/mm1_simpy.py builds in SimPy, so the two
 * wall times compare like for like. Each customer costs two kernel events,
 * an arrival and a departure.
 *
 * Memory: the kernel pools its event records and the station keeps waiting
 * customers in a ring buffer, so peak RSS should depend on the longest queue
 * (which grows only like the log of the run length) and not on the number of
 * customers. bench/run.sh runs this at 10^6 and 10^7 customers and compares
 * the two peaks; ru_maxrss is the whole process, so it includes the C
 * runtime and the shared libraries the engine links.
 *
 * A fast but wrong model is no benchmark: the mean wait is checked against
 * Erlang C (for c = 1, rho / (mu - lambda)), and the program exits 1 when it
 * is more than 10% off on a run of at least 10^5 customers (the statistical
 * error at 10^5 is a few percent; shorter runs are not checked).
 *
 *   usage: bench_mm1 [customers]      (default 1000000; 1e7 is accepted)
 *
 * The last line is machine-readable for run.sh:
 *   mm1-result customers=N wall_s=S events=E mean_wait=W analytic=A rss_kb=K
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "model/mmc.h"

#define LAMBDA 8.0      /* arrivals per second */
#define MU     10.0     /* services per second */
#define SEED   1u

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) < 0) return -1;
    return ru.ru_maxrss;   /* kilobytes on Linux */
}

int main(int argc, char **argv)
{
    uint64_t customers = 1000000;
    if (argc > 2) {
        fprintf(stderr, "usage: bench_mm1 [customers]\n");
        return 2;
    }
    if (argc == 2) {
        char *end;
        double v = strtod(argv[1], &end);
        if (end == argv[1] || *end || !(v >= 100) || v > 1e12) {
            fprintf(stderr, "bench_mm1: bad customer count '%s' (want 100 .. 1e12)\n", argv[1]);
            return 2;
        }
        customers = (uint64_t)v;
    }

    /* 1% warm-up: enough to forget the empty start at rho 0.8 (the queue's
     * relaxation time is under a hundred customers), small enough not to
     * matter to the timing. */
    MmcParams p = {
        .lambda = LAMBDA, .mu = MU, .servers = 1,
        .customers = customers, .warmup = customers / 100, .seed = SEED,
    };
    double wq_exact, rho;
    if (mmc_analytic(LAMBDA, MU, 1, &wq_exact, &rho) < 0) return 2;

    MmcResult r;
    double t0 = now_sec();
    int rc = mmc_run(&p, &r);
    double wall = now_sec() - t0;
    long rss = peak_rss_kb();
    if (rc < 0) {
        fprintf(stderr, "bench_mm1: mmc_run failed (out of memory?)\n");
        return 3;
    }

    double err = (r.mean_wait - wq_exact) / wq_exact;
    printf("M/M/1 on the firedrill kernel: lambda %.0f/s, mu %.0f/s (rho %.2f), "
           "%" PRIu64 " customers (warm-up %" PRIu64 "), seed %u\n",
           LAMBDA, MU, rho, customers, p.warmup, SEED);
    printf("  wall time        %10.3f s\n", wall);
    printf("  customers/s      %10.3g\n", (double)customers / wall);
    printf("  events/s         %10.3g   (%" PRIu64 " events, %.1f ns each)\n",
           (double)r.events / wall, r.events, wall * 1e9 / (double)r.events);
    printf("  mean wait        %10.4f s (analytic %.4f s, %+.2f%%)\n", r.mean_wait, wq_exact,
           100 * err);
    printf("  utilisation      %10.4f   (analytic %.4f)\n", r.utilisation, rho);
    printf("  simulated time   %10.0f s; longest queue %" PRIu64 "\n", fd_time_sec(r.end),
           r.max_queue);
    printf("  peak RSS         %10ld kB\n", rss);
    printf("mm1-result customers=%" PRIu64 " wall_s=%.6f events=%" PRIu64
           " mean_wait=%.6f analytic=%.6f rss_kb=%ld\n",
           customers, wall, r.events, r.mean_wait, wq_exact, rss);

    if (customers >= 100000 && fabs(err) > 0.10) {
        fprintf(stderr, "bench_mm1: mean wait is %.1f%% off the analytic value; the model is "
                "wrong, so the timing means nothing\n", 100 * err);
        return 1;
    }
    return 0;
}
