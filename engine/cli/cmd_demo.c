/*
 * cmd_demo.c: `firedrill demo`, the kernel checked against queueing theory.
 *
 * Runs M/M/1 and M/M/c stations at three loads and prints the simulated mean
 * wait and utilisation beside Erlang C's, with Little's law as a cross-check.
 * It is the quickest way to see that the kernel is sound on a new machine.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "model/mmc.h"

const CliCommand cli_demo = {
    "demo", "Check the event core against queueing theory (M/M/1, M/M/c)",
    "usage: firedrill demo [--customers N] [--seed N]\n"
    "\n"
    "Simulates M/M/1 and M/M/4 queues at utilisation 0.5, 0.8 and 0.9 and\n"
    "prints the simulated mean wait in queue and utilisation beside the\n"
    "analytic values (Erlang C), and L against lambda*W (Little's law).\n"
    "\n"
    "  --customers N   customers per run (default 2000000)\n"
    "  --seed N        the run's seed (default 1)\n",
    cmd_demo,
};

int cmd_demo(int argc, char **argv)
{
    uint64_t customers = 2000000, seed = 1;
    for (int i = 0; i < argc; i += 2) {
        uint64_t *dst = NULL;
        if (strcmp(argv[i], "--customers") == 0) dst = &customers;
        else if (strcmp(argv[i], "--seed") == 0) dst = &seed;
        else {
            cli_usage_error("demo", "unknown option '%s'", argv[i]);
            return FD_EXIT_USAGE;
        }
        if (i + 1 >= argc || !cli_parse_u64(argv[i + 1], dst)) {
            cli_usage_error("demo", "%s needs a whole number", argv[i]);
            return FD_EXIT_USAGE;
        }
    }
    if (customers < 100) {
        cli_usage_error("demo", "--customers must be at least 100");
        return FD_EXIT_USAGE;
    }

    printf("firedrill demo: the event core against Erlang C, %llu customers per run, seed %llu\n\n",
           (unsigned long long)customers, (unsigned long long)seed);
    printf("%-6s %5s %12s %12s %7s %8s %8s %9s %10s\n", "model", "rho", "Wq sim (s)",
           "Wq theory", "err", "util", "theory", "L/(lW)", "Mev/s");
    const int servers[] = { 1, 4 };
    const double rhos[] = { 0.5, 0.8, 0.9 };
    for (size_t s = 0; s < 2; s++) {
        for (size_t r = 0; r < 3; r++) {
            int c = servers[s];
            double mu = 1.0, lambda = rhos[r] * c * mu;
            MmcParams p = { lambda, mu, c, customers, customers / 10, seed };
            MmcResult res;
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            if (mmc_run(&p, &res) < 0) {
                fprintf(stderr, "firedrill demo: out of memory\n");
                return FD_EXIT_SYSTEM;
            }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
            double wq, util;
            mmc_analytic(lambda, mu, c, &wq, &util);
            double little = res.mean_in_system / (res.arrival_rate * res.mean_sojourn);
            char name[16];
            snprintf(name, sizeof name, "M/M/%d", c);
            printf("%-6s %5.2f %12.4f %12.4f %+6.2f%% %8.4f %8.4f %9.4f %10.1f\n", name, rhos[r],
                   res.mean_wait, wq, 100 * (res.mean_wait - wq) / wq, res.utilisation, util,
                   little, (double)res.events / wall / 1e6);
        }
    }
    return FD_EXIT_OK;
}
