/*
 * test_mmc.c: the kernel against queueing theory.
 *
 * M/M/1 and M/M/4 at utilisation 0.5, 0.8 and 0.9: the simulated mean wait in
 * queue and the utilisation must be within 2% of Erlang C, and Little's law
 * (L = lambda W) must hold within 2%. Each point averages independent
 * replications (seeds 1..R), so the error is the model's, not one seed's luck.
 * The customer counts are sized so the standard error at rho = 0.9 is well
 * under 1%.
 */
#include "fdtest.h"
#include "model/mmc.h"

static void check_point(int servers, double rho, uint64_t customers, int reps)
{
    double mu = 1.0, lambda = rho * servers * mu;
    double wq, util;
    CHECK(mmc_analytic(lambda, mu, servers, &wq, &util) == 0);

    double w = 0, u = 0, little = 0;
    for (int r = 0; r < reps; r++) {
        MmcParams p = { lambda, mu, servers, customers, customers / 20, (uint64_t)r + 1 };
        MmcResult res;
        CHECK(mmc_run(&p, &res) == 0);
        w += res.mean_wait / reps;
        u += res.utilisation / reps;
        little += res.mean_in_system / (res.arrival_rate * res.mean_sojourn) / reps;
    }
    printf("M/M/%d rho=%.1f: Wq %.4f vs %.4f (%+.2f%%), util %.4f vs %.4f, L/(lambda W) %.4f\n",
           servers, rho, w, wq, 100 * (w - wq) / wq, u, util, little);
    CHECK_REL(w, wq, 0.02);
    CHECK_REL(u, util, 0.02);
    CHECK_NEAR(little, 1.0, 0.02);
}

int main(void)
{
    /* Heavier loads relax more slowly; give them more customers. */
    check_point(1, 0.5, 400000, 4);
    check_point(1, 0.8, 1000000, 4);
    check_point(1, 0.9, 2000000, 5);
    check_point(4, 0.5, 400000, 4);
    check_point(4, 0.8, 1000000, 4);
    check_point(4, 0.9, 2000000, 5);

    /* Unstable and malformed stations are refused, not run forever. */
    double wq, util;
    CHECK(mmc_analytic(1.0, 1.0, 1, &wq, &util) < 0);
    MmcParams bad = { 1.0, 0.0, 1, 100, 10, 1 };
    MmcResult res;
    CHECK(mmc_run(&bad, &res) < 0);
    return fdt_finish();
}
