/*
 * test_model.c: the service model's mechanisms, each shown switching on
 * with its cause and off without it. Topologies are inline YAML, loaded
 * through the same loader users go through.
 */
#include "model_fixture.h"
#include "model/mmc.h"

/* ---- queueing theory through a one-service topology ---- */

static void check_mmc(int c, double rho)
{
    double mu = 1000.0;                 /* 1ms mean service */
    double lambda = rho * c * mu;
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "regions: [r]\n"
             "settings: { interval: 100s }\n"
             "services:\n"
             "  s: { deploy: { r: 1 }, concurrency: %d, queue: 1000000,\n"
             "       service_time: { dist: exp, mean: 1ms } }\n"
             "sources:\n"
             "  load: { entry: s, rate: %.3f/s, client: { timeout: 1h } }\n",
             c, lambda);
    /* Heavier loads relax more slowly and need more customers for the same
     * precision; independent replications (seeds) average out one seed's luck. */
    double seconds = rho >= 0.85 ? 1200 : rho >= 0.75 ? 600 : 300;
    const int reps = 4;
    double w_sim = 0, u_sim = 0;
    for (int r = 0; r < reps; r++) {
        FxWindow w = { .from = 100 * FD_SEC, .to = FD_TIME_NEVER };
        Fx fx;
        fx_open(&fx, yaml, 100 + (uint64_t)r, &w, 1);
        fx_run(&fx, fd_time_from_sec(seconds + 100));
        w_sim += w.lat_sum[0] / w.lat_n[0] / reps;
        u_sim += w.util_sum[0] / w.n_iv[0] / reps;
        fx_close(&fx);
    }
    double wq, util;
    mmc_analytic(lambda, mu, c, &wq, &util);
    double w_theory = wq + 1 / mu;
    printf("M/M/%d rho=%.1f via topology: W %.5f vs %.5f (%+.2f%%), util %.4f vs %.4f\n", c, rho,
           w_sim, w_theory, 100 * (w_sim - w_theory) / w_theory, u_sim, util);
    CHECK_REL(w_sim, w_theory, 0.02);
    CHECK_REL(u_sim, util, 0.02);
}

/* ---- sampling keeps each instance whole ---- */

/* Eight instances of four workers, random routing (so each instance sees
 * Poisson arrivals and is an exact M/M/4), utilisation 0.8, exponential
 * service of mean 1ms. Sampling by N simulates 8/N of the instances at 1/N
 * of the traffic: each is still an M/M/4 at 0.8, so the wait must match
 * Erlang C at every factor. (Dividing each instance's workers by N instead
 * would make it an M/M/(4/N): at N = 4, an M/M/1 waiting 4ms, not 0.6ms.) */
static const char *sampled_yaml =
    "regions: [r]\n"
    "settings: { interval: 100s, sampling: %d }\n"
    "services:\n"
    "  s: { deploy: { r: %d }, concurrency: 4, queue: 1000000, routing: random,\n"
    "       service_time: { dist: exp, mean: 1ms } }\n"
    "sources:\n"
    "  load: { entry: s, rate: %d/s, client: { timeout: 1h } }\n";

static void test_sampling_exact(void)
{
    double wq, util;
    mmc_analytic(3200, 1000, 4, &wq, &util);
    const int factors[] = { 2, 4, 8 };
    for (size_t k = 0; k < sizeof factors / sizeof factors[0]; k++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, sampled_yaml, factors[k], 8, 8 * 3200);
        double w_sim = 0;
        const int reps = 3;
        for (int r = 0; r < reps; r++) {
            FxWindow w = { .from = 100 * FD_SEC, .to = FD_TIME_NEVER };
            Fx fx;
            fx_open(&fx, yaml, 300 + (uint64_t)r, &w, 1);
            CHECK(model_nwarnings(fx.model) == 0);
            /* Counts cross the API in real instances. */
            CHECK(model_instances(fx.model, 0, 0, INST_UP) == 8);
            fx_run(&fx, fd_time_from_sec(300));
            w_sim += (w.lat_sum[0] / w.lat_n[0] - 1e-3) / reps;
            fx_close(&fx);
        }
        printf("sampling %d: 8 x M/M/4 at rho=0.8: Wq %.4fms vs Erlang C %.4fms (%+.2f%%)\n",
               factors[k], 1e3 * w_sim, 1e3 * wq, 100 * (w_sim - wq) / wq);
        CHECK_REL(w_sim, wq, 0.05);
    }

    /* A crash of half the real instances takes half the simulated ones. */
    char yaml[1024];
    snprintf(yaml, sizeof yaml, sampled_yaml, 4, 8, 8 * 3200);
    Fx fx;
    fx_open(&fx, yaml, 7, NULL, 0);
    model_crash(fx.model, 0, 0, 4);
    CHECK(model_instances(fx.model, 0, 0, INST_UP) == 4);
    CHECK(model_instances(fx.model, 0, 0, INST_WAITING) +
          model_instances(fx.model, 0, 0, INST_STARTING) == 4);
    fx_close(&fx);

    /* Six instances at sampling 4 cannot stay exact: the pool is named. */
    snprintf(yaml, sizeof yaml, sampled_yaml, 4, 6, 6 * 3200);
    fx_open(&fx, yaml, 7, NULL, 0);
    CHECK(model_nwarnings(fx.model) == 1);
    int svc = -1, region = -1;
    const char *text = model_warning(fx.model, 0, &svc, &region);
    CHECK(svc == 0 && region == 0);
    CHECK(strstr(text, "s in r has 6 instances, not a multiple of the sampling factor 4") != NULL);
    CHECK(model_instances(fx.model, 0, 0, INST_UP) == 6);
    fx_close(&fx);
}

/* ---- routing across a pool's instances ---- */

/* Four one-worker instances behind the load balancer, Poisson arrivals at
 * utilisation 0.8, exponential service of mean 1ms. */
#define RT_K 4
#define RT_MU 1000.0
#define RT_RHO 0.8

static const char *routing_yaml =
    "regions: [r]\n"
    "settings: { interval: 100s, sampling: 1 }\n"
    "services:\n"
    "  s: { deploy: { r: 4 }, concurrency: 1, queue: 1000000, %s\n"
    "       service_time: { dist: exp, mean: 1ms } }\n"
    "sources:\n"
    "  load: { entry: s, rate: 3200/s, client: { timeout: 1h } }\n";

/* Mean wait in queue under a routing option (a YAML fragment such as
 * "routing: random,"), averaged over independent seeds, after a 100s
 * warm-up. The wait is the answered requests' mean latency less the mean
 * service time: nothing but queueing sits in between. */
static double routed_wait(const char *option, double seconds, int reps)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, routing_yaml, option);
    double wq = 0;
    for (int r = 0; r < reps; r++) {
        FxWindow w = { .from = 100 * FD_SEC, .to = FD_TIME_NEVER };
        Fx fx;
        fx_open(&fx, yaml, 200 + (uint64_t)r, &w, 1);
        fx_run(&fx, fd_time_from_sec(seconds + 100));
        wq += (w.lat_sum[0] / w.lat_n[0] - 1 / RT_MU) / reps;
        fx_close(&fx);
    }
    return wq;
}

/* GI/M/1 with Erlang-k interarrival times of rate lambda per instance: the
 * root sigma in (0, 1) of sigma = A*(mu (1 - sigma)), where
 * A*(s) = (k lambda / (k lambda + s))^k is the Laplace transform of the
 * interarrival time; then Wq = sigma / (mu (1 - sigma)). f(0) > 0 and f < 0
 * just below 1 when the queue is stable, so bisection finds it. */
static double ek_m_1_wait(int k, double lambda, double mu)
{
    double lo = 0, hi = 1 - 1e-12;
    for (int it = 0; it < 200; it++) {
        double sigma = (lo + hi) / 2;
        double f = pow(k * lambda / (k * lambda + mu * (1 - sigma)), k) - sigma;
        if (f > 0) lo = sigma;
        else hi = sigma;
    }
    double sigma = (lo + hi) / 2;
    return sigma / (mu * (1 - sigma));
}

/* Join-the-shortest-queue over RT_K exponential servers has no closed
 * form; its mean number in system comes from the Markov chain instead. The
 * state is the instances' request counts, sorted: which of several tied
 * instances an arrival joins changes nothing in it, so the chain is the same
 * for any tie-break. An arrival joins the last of the shortest (the vector
 * stays sorted); a departure leaves the first of a group of equal counts,
 * at mu times the group's size. Counts stop at RT_CAP (a full pool turns
 * arrivals away), which at rho 0.8 touches probabilities around 1e-8.
 * Solved by power iteration on the uniformised chain. Returns Wq. */
#define RT_CAP 20
#define RT_D (RT_CAP + 1)
_Static_assert(RT_K == 4, "the chain's state is written out for four instances");

static int jsq_index(const int *x)
{
    return ((x[0] * RT_D + x[1]) * RT_D + x[2]) * RT_D + x[3];
}

static double jsq_wait(double lambda, double mu)
{
    size_t n = (size_t)RT_D * RT_D * RT_D * RT_D;
    double *p = calloc(n, sizeof *p), *q = calloc(n, sizeof *q);
    if (!p || !q) {
        free(p);
        free(q);
        return NAN;
    }
    double u = lambda + RT_K * mu, l = 0, l_prev;
    p[0] = 1;
    for (int it = 0; it < 100000; it++) {
        memset(q, 0, n * sizeof *q);
        l_prev = l;
        l = 0;
        int x[RT_K], y[RT_K];
        for (x[0] = 0; x[0] <= RT_CAP; x[0]++)
        for (x[1] = x[0]; x[1] <= RT_CAP; x[1]++)
        for (x[2] = x[1]; x[2] <= RT_CAP; x[2]++)
        for (x[3] = x[2]; x[3] <= RT_CAP; x[3]++) {
            double ps = p[jsq_index(x)];
            if (ps == 0) continue;
            l += ps * (x[0] + x[1] + x[2] + x[3]);
            double stay = u;
            int j = 0;
            while (j + 1 < RT_K && x[j + 1] == x[0]) j++;
            if (x[j] < RT_CAP) {
                memcpy(y, x, sizeof y);
                y[j]++;
                q[jsq_index(y)] += ps * lambda / u;
                stay -= lambda;
            }
            for (int i = 0; i < RT_K;) {
                int g = i;
                while (g + 1 < RT_K && x[g + 1] == x[i]) g++;
                if (x[i] > 0) {
                    double rate = mu * (g - i + 1);
                    memcpy(y, x, sizeof y);
                    y[i]--;
                    q[jsq_index(y)] += ps * rate / u;
                    stay -= rate;
                }
                i = g + 1;
            }
            q[jsq_index(x)] += ps * stay / u;
        }
        double *t = p;
        p = q;
        q = t;
        /* l is of the step's starting distribution. Each step shrinks the
         * distance to the limit by about 0.6% here (the chain's spectral
         * gap over the uniformisation rate), so a step that moves l by
         * 1e-12 of itself leaves it within about 2e-10 of the limit. */
        if (l > 0 && fabs(l - l_prev) <= 1e-12 * l) break;
    }
    free(p);
    free(q);
    return l / lambda - 1 / mu;
}

static void test_routing_queueing(void)
{
    double lambda = RT_RHO * RT_K * RT_MU, lambda_i = lambda / RT_K;
    double wq_mm1 = RT_RHO / (RT_MU - lambda_i);
    double wq_ek = ek_m_1_wait(RT_K, lambda_i, RT_MU);
    double wq_jsq = jsq_wait(lambda, RT_MU);
    double wq_mmk, util;
    CHECK(mmc_analytic(lambda, RT_MU, RT_K, &wq_mmk, &util) == 0);

    /* 4 seeds x 600s x 3200/s: about 7.7 million requests per policy, which
     * puts the standard error of each mean wait well under 1%. */
    const double secs = 600;
    const int reps = 4;
    double rr = routed_wait("", secs, reps);
    double lo = routed_wait("routing: least_outstanding,", secs, reps);
    double rnd = routed_wait("routing: random,", secs, reps);
    printf("routing, %d x M/1 at rho=%.1f: round_robin Wq %.4fms vs E%d/M/1 %.4fms (%+.2f%%)\n",
           RT_K, RT_RHO, 1e3 * rr, RT_K, 1e3 * wq_ek, 100 * (rr - wq_ek) / wq_ek);
    printf("routing: random Wq %.4fms vs M/M/1 %.4fms (%+.2f%%)\n", 1e3 * rnd, 1e3 * wq_mm1,
           100 * (rnd - wq_mm1) / wq_mm1);
    printf("routing: least_outstanding Wq %.4fms vs JSQ chain %.4fms (%+.2f%%);"
           " M/M/%d %.4fms (%+.2f%%)\n", 1e3 * lo, 1e3 * wq_jsq, 100 * (lo - wq_jsq) / wq_jsq,
           RT_K, 1e3 * wq_mmk, 100 * (lo - wq_mmk) / wq_mmk);

    /* Round-robin (the default) gives each instance every
     * k-th arrival: Erlang-k gaps, far more regular than Poisson. */
    CHECK_REL(rr, wq_ek, 0.03);
    /* Random splitting of a Poisson stream leaves k independent Poisson
     * streams: k M/M/1 queues. */
    CHECK_REL(rnd, wq_mm1, 0.03);
    /* Least-outstanding is join-the-shortest-queue, held to its Markov
     * chain. It cannot beat one shared queue (M/M/k): a request may wait
     * behind another while a different instance empties, which a shared
     * queue never allows. How much that costs depends on k and rho; at
     * k = 4 and rho = 0.8 the chain puts it about 28% above Erlang C, so
     * a "within 25% of Erlang C" rule would be wrong here. */
    CHECK_REL(lo, wq_jsq, 0.03);
    CHECK(lo > wq_mmk);
    CHECK(lo < rr && rr < rnd);
}

/* The routing option: the default is byte for byte the round-robin it
 * always was, and a random pool draws the same instances from the same
 * seed. */
static void test_routing_determinism(void)
{
    const char *opts[] = { "", "routing: round_robin,", "routing: random,", "routing: random,",
                           "routing: least_outstanding," };
    uint64_t h[5];
    for (int i = 0; i < 5; i++) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, routing_yaml, opts[i]);
        Fx fx;
        fx_open(&fx, yaml, 42, NULL, 0);
        fx_run(&fx, 300 * FD_SEC);
        h[i] = fx.hash;
        fx_close(&fx);
    }
    CHECK(h[0] == h[1]);
    CHECK(h[2] == h[3]);
    CHECK(h[0] != h[2]);
    CHECK(h[0] != h[4]);
}

/* ---- retry amplification ---- */

static const char *retry_yaml =
    "regions: [r]\n"
    "services:\n"
    "  front: { deploy: { r: 4 }, concurrency: 200, queue: 100, service_time: 1ms,\n"
    "           calls: [ { to: dep, timeout: 1s, retries: %d,\n"
    "                      backoff: { base: 10ms, max: 100ms } %s } ] }\n"
    "  dep: { deploy: { r: 4 }, concurrency: 200, queue: 100, service_time: 1ms,\n"
    "         error_rate: 100%% }\n"
    "sources:\n"
    "  users: { entry: front, rate: 500/s, client: { timeout: 10s } }\n";

static double amplification(int retries, const char *budget)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, retry_yaml, retries, budget);
    FxWindow w = { .from = 10 * FD_SEC, .to = FD_TIME_NEVER };
    Fx fx;
    fx_open(&fx, yaml, 3, &w, 1);
    fx_run(&fx, 130 * FD_SEC);
    double ratio = w.offered[fx_pool(&fx, "dep", 0)] / w.offered[fx_pool(&fx, "front", 0)];
    fx_close(&fx);
    return ratio;
}

static void test_retry_amplification(void)
{
    for (int n = 0; n <= 3; n++) {
        double a = amplification(n, "");
        printf("retries=%d: dependency sees %.3fx the front's load\n", n, a);
        CHECK_REL(a, 1.0 + n, 0.05);
    }
    double capped = amplification(3, ", budget: { ratio: 10%, burst: 10 }");
    printf("retries=3 with a 10%% budget: %.3fx\n", capped);
    CHECK(capped < 1.15);
    CHECK(capped > 1.05);
}

/* ---- metastability ---- */

static const char *meta_yaml =
    "regions: [r]\n"
    "services:\n"
    "  s: { deploy: { r: 1 }, concurrency: 10, queue: 2000,\n"
    "       service_time: { dist: exp, mean: 10ms } }\n"
    "sources:\n"
    "  users: { entry: s, rate: 850/s,\n"
    "           client: { timeout: 400ms, retries: %d, backoff: { base: 10ms, max: 50ms } } }\n";

/* Returns the fraction of intents answered well after the overload ended. */
static double metastable_after(int retries)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, meta_yaml, retries);
    FxWindow w[2] = { { .from = 0, .to = 60 * FD_SEC },
                      { .from = 240 * FD_SEC, .to = 360 * FD_SEC } };
    Fx fx;
    fx_open(&fx, yaml, 11, w, 2);
    fx_run(&fx, 60 * FD_SEC);
    model_set_rate_factor(fx.model, 0, 2.0);     /* a 20-second overload */
    fx_run(&fx, 80 * FD_SEC);
    model_set_rate_factor(fx.model, 0, 1.0);
    fx_run(&fx, 360 * FD_SEC);
    double before = fx_intent_avail(&w[0], 0);
    double after = fx_intent_avail(&w[1], 0);
    int s = fx_pool(&fx, "s", 0);
    printf("metastability, client retries=%d: availability %.3f before, %.3f long after;"
           " offered after %.0f/s\n",
           retries, before, after, w[1].offered[s] / 120);
    CHECK(before > 0.99);
    fx_close(&fx);
    return after;
}

static void test_metastability(void)
{
    CHECK(metastable_after(3) < 0.5);     /* stays collapsed */
    CHECK(metastable_after(0) > 0.99);    /* recovers once the overload ends */
}

/* ---- a hanging storage tier cascades to the gateway ---- */

static const char *hang_yaml =
    "regions: [r]\n"
    "services:\n"
    "  gateway: { deploy: { r: 2 }, concurrency: 100, queue: 200, service_time: 1ms,\n"
    "             calls: [ { to: app, timeout: 2s } ] }\n"
    "  app: { deploy: { r: 2 }, concurrency: 50, queue: 100, service_time: 2ms,\n"
    "         calls: [ { to: db, timeout: 1s, retries: 1 } ] }\n"
    "  db: { kind: storage, deploy: { r: 2 }, concurrency: 20, queue: 1000, service_time: 1ms,\n"
    "        calls: [ { to: disk, timeout: 30s } ] }\n"
    "  disk: { kind: storage, deploy: { r: 2 }, concurrency: 64, queue: 100000,\n"
    "          service_time: 500us }\n"
    "sources:\n"
    "  web: { entry: gateway, rate: 400/s, client: { timeout: 5s } }\n";

static void test_storage_hang_cascade(void)
{
    FxWindow w[2] = { { .from = 0, .to = 60 * FD_SEC },
                      { .from = 80 * FD_SEC, .to = 120 * FD_SEC } };
    Fx fx;
    fx_open(&fx, hang_yaml, 5, w, 2);
    fx_run(&fx, 60 * FD_SEC);
    model_hang(fx.model, fx_svc(&fx, "disk"), -1, true);
    fx_run(&fx, 120 * FD_SEC);
    int gw = fx_pool(&fx, "gateway", 0), db = fx_pool(&fx, "db", 0),
        disk = fx_pool(&fx, "disk", 0);
    double gw_fail = fx_failed(&w[1], gw) / w[1].offered[gw];
    printf("storage hang: gateway failed %.3f of requests (before %.4f); timeouts %.0f, "
           "dependency %.0f; disk answered %.0f\n",
           gw_fail, fx_failed(&w[0], gw) / w[0].offered[gw], w[1].failed[gw][FAIL_TIMEOUT],
           w[1].failed[gw][FAIL_DEPENDENCY], w[1].ok[disk] + fx_failed(&w[1], disk));
    CHECK(fx_failed(&w[0], gw) / w[0].offered[gw] < 0.001);
    CHECK(gw_fail > 0.95);
    /* The storage does not fail fast: it answers nothing at all. */
    CHECK(w[1].ok[disk] + fx_failed(&w[1], disk) == 0);
    /* The database stalls behind it and its callers give up waiting. */
    CHECK(w[1].ok[db] == 0);
    CHECK(w[1].failed[gw][FAIL_TIMEOUT] + w[1].failed[gw][FAIL_DEPENDENCY] >
          0.95 * fx_failed(&w[1], gw));
    CHECK(fx_intent_avail(&w[1], 0) < 0.05);
    fx_close(&fx);
}

/* ---- a circular recovery dependency ---- */

static const char *cycle_yaml =
    "regions: [a, b]\n"
    "services:\n"
    "  api: { deploy: { a: 3, b: 3 }, concurrency: 50, service_time: 2ms,\n"
    "         runs_on: platform, restart_time: 30s }\n"
    "  platform: { deploy: { a: 1, b: 1 }, concurrency: 20, service_time: 5ms,\n"
    "              calls: [ { to: api, timeout: 1s %s } ] }\n"
    "sources:\n"
    "  console: { entry: api, rate: 200/s, regions: { a: 50%%, b: 50%% },\n"
    "             client: { timeout: 2s } }\n";

static void run_cycle(bool broken, int *deadlocks, int *up_b_end, bool *deadlocked_b)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, cycle_yaml, broken ? ", critical: false" : "");
    Fx fx;
    fx_open(&fx, yaml, 9, NULL, 0);
    int api = fx_svc(&fx, "api");
    fx_run(&fx, 30 * FD_SEC);
    model_crash(fx.model, api, 1, -1);          /* every api instance in region b */
    fx_run(&fx, 15 * FD_MIN);
    *deadlocks = model_ndeadlocks(fx.model);
    *up_b_end = model_instances(fx.model, api, 1, INST_UP);
    *deadlocked_b = model_deadlocked(fx.model, api, 1);
    if (*deadlocks) {
        const ModelDeadlock *d = model_deadlock(fx.model, 0);
        printf("deadlock at %.0fs in region %s:", fd_time_sec(d->at),
               fx.topo.regions[d->region].name);
        for (int k = 0; k < d->ncycle; k++) printf(" %s", fx.topo.services[d->cycle[k]].name);
        printf("\n");
        CHECK_EQ_INT(d->region, 1);
        CHECK(d->ncycle == 2 && d->cycle[0] == api &&
              d->cycle[1] == fx_svc(&fx, "platform"));
        CHECK(d->at >= 30 * FD_SEC && d->at < 2 * FD_MIN);
    }
    /* Region a was never touched. */
    CHECK_EQ_INT(model_instances(fx.model, api, 0, INST_UP), 3);
    fx_close(&fx);
}

static void test_recovery_cycle(void)
{
    int n, up;
    bool dl;
    run_cycle(false, &n, &up, &dl);
    printf("with the cycle: %d deadlock(s), %d api instances up in b after 15 min\n", n, up);
    CHECK_EQ_INT(n, 1);          /* once per episode, not once per retry */
    CHECK_EQ_INT(up, 0);
    CHECK(dl);
    run_cycle(true, &n, &up, &dl);
    printf("cycle broken: %d deadlock(s), %d api instances up in b\n", n, up);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(up, 3);
    CHECK(!dl);
}

/* ---- the scheduler's retries: each instance gives up on its own ---- */

/* The cycle above, with a platform whose policy gives up after two
 * retries a second apart. Every api instance in b asks for itself and
 * fails three times (the platform needs api); then all three have given
 * up: breaking the cycle brings nothing back until a restart makes them
 * ask again. */
static void test_sched_gives_up(void)
{
    const char *yaml =
        "regions: [a, b]\n"
        "services:\n"
        "  api: { deploy: { a: 3, b: 3 }, concurrency: 50, service_time: 2ms,\n"
        "         runs_on: platform, restart_time: 30s }\n"
        "  platform: { deploy: { a: 1, b: 1 }, concurrency: 20, service_time: 5ms,\n"
        "              calls: [ { to: api, timeout: 1s } ],\n"
        "              scheduler: { retries: 2, backoff: { base: 1s, max: 1s, jitter: 0 } } }\n"
        "sources:\n"
        "  console: { entry: api, rate: 200/s, regions: { a: 50%, b: 50% },\n"
        "             client: { timeout: 2s } }\n";
    Fx fx;
    fx_open(&fx, yaml, 9, NULL, 0);
    int api = fx_svc(&fx, "api"), plat = fx_svc(&fx, "platform");
    fx_run(&fx, 30 * FD_SEC);
    model_crash(fx.model, api, 1, -1);
    fx_run(&fx, 90 * FD_SEC);
    CHECK_EQ_INT(model_instances(fx.model, api, 1, INST_WAITING), 3);
    CHECK_EQ_INT(model_ndeadlocks(fx.model), 1);
    /* The platform now schedules without api, but nobody asks it. */
    model_cut_call(fx.model, plat, api, true);
    fx_run(&fx, 390 * FD_SEC);
    CHECK_EQ_INT(model_instances(fx.model, api, 1, INST_UP), 0);
    CHECK_EQ_INT(model_instances(fx.model, api, 1, INST_WAITING), 3);
    /* A restart: they ask at once, and serve a restart_time later. */
    model_restart(fx.model, api, 1, -1, false, 0);
    fx_run(&fx, 419 * FD_SEC);
    CHECK_EQ_INT(model_instances(fx.model, api, 1, INST_STARTING), 3);
    fx_run(&fx, 421 * FD_SEC);
    CHECK_EQ_INT(model_instances(fx.model, api, 1, INST_UP), 3);
    fx_close(&fx);
}

/* ---- bad configuration data outlives a code rollback ---- */

static const char *config_yaml =
    "regions: [r]\n"
    "configs: { routing: { store: cfgdb } }\n"
    "services:\n"
    "  api: { deploy: { r: 2 }, concurrency: 50, service_time: 2ms, reads: [routing] }\n"
    "  cfgdb: { kind: storage, deploy: { r: 1 }, service_time: 1ms }\n"
    "sources:\n"
    "  console: { entry: api, rate: 100/s }\n";

static void test_bad_config_persists(void)
{
    FxWindow w[4] = { { .from = 0, .to = 60 * FD_SEC },
                      { .from = 70 * FD_SEC, .to = 120 * FD_SEC },
                      { .from = 130 * FD_SEC, .to = 180 * FD_SEC },
                      { .from = 190 * FD_SEC, .to = 240 * FD_SEC } };
    Fx fx;
    fx_open(&fx, config_yaml, 2, w, 4);
    int api = fx_svc(&fx, "api"), cfg = topo_find_config(&fx.topo, "routing");
    int p = fx_pool(&fx, "api", 0);
    fx_run(&fx, 60 * FD_SEC);
    model_set_version(fx.model, api, -1, 2, 0);     /* v2 ships... */
    model_config_write(fx.model, cfg, -1, true);    /* ...and writes bad data */
    fx_run(&fx, 120 * FD_SEC);
    model_set_version(fx.model, api, -1, 1, 0);     /* code rolled back */
    fx_run(&fx, 180 * FD_SEC);
    model_config_write(fx.model, cfg, -1, false);   /* data repaired */
    fx_run(&fx, 240 * FD_SEC);
    double bad1 = w[1].failed[p][FAIL_BAD_CONFIG] / w[1].offered[p];
    double bad2 = w[2].failed[p][FAIL_BAD_CONFIG] / w[2].offered[p];
    printf("bad config: failing %.3f after the push, %.3f after the rollback, %.4f after "
           "the repair\n",
           bad1, bad2, fx_failed(&w[3], p) / w[3].offered[p]);
    CHECK(fx_failed(&w[0], p) == 0);
    CHECK(bad1 > 0.99);
    CHECK(bad2 > 0.99);
    CHECK(fx_failed(&w[3], p) == 0);
    CHECK_EQ_INT(model_version(fx.model, api, 0), 1);
    fx_close(&fx);
}

/* ---- versions belong to instances ---- */

static const char *canary_yaml =
    "regions: [r]\n"
    "settings: { sampling: 1 }\n"   /* a canary of one instance needs whole instances */
    "services:\n"
    "  app: { deploy: { r: 10 }, concurrency: 50, service_time: 2ms, restart_time: 30s }\n"
    "sources:\n"
    "  users: { entry: app, rate: 500/s, client: { retries: 0 } }\n";

static void test_versions_per_instance(void)
{
    FxWindow w[2] = { { .from = 0, .to = 60 * FD_SEC }, { .from = 70 * FD_SEC, .to = 120 * FD_SEC } };
    Fx fx;
    fx_open(&fx, canary_yaml, 3, w, 2);
    int app = fx_svc(&fx, "app"), p = fx_pool(&fx, "app", 0);
    int on, live;
    fx_run(&fx, 60 * FD_SEC);
    /* A 10% canary of a version that fails everything: one instance. */
    ModelCode bad = { .version = 2, .errors = 1, .cpu = -1, .latency = -1 };
    CHECK(model_set_code(fx.model, app, -1, &bad, 0.1, -1, -1) == 0);
    model_version_count(fx.model, app, -1, 2, &on, &live);
    CHECK_EQ_INT(on, 1);
    CHECK_EQ_INT(live, 10);
    CHECK_EQ_INT(model_version(fx.model, app, 0), 2);    /* the newest any instance runs */
    /* Cumulative: asking for 1 again moves nobody; 3 moves two more. */
    CHECK(model_set_code(fx.model, app, -1, &bad, -1, 1, -1) == 0);
    model_version_count(fx.model, app, -1, 2, &on, &live);
    CHECK_EQ_INT(on, 1);
    fx_run(&fx, 120 * FD_SEC);
    VersionStats v2, v0;
    model_version_stats(fx.model, app, -1, 2, &v2);
    model_version_stats(fx.model, app, -1, 0, &v0);
    double share = fx_failed(&w[1], p) / w[1].offered[p];
    printf("canary: %.3f of the requests fail; on v2 %.0f of %.0f, on v0 %.0f of %.0f\n", share,
           v2.failed, v2.ok + v2.failed, v0.failed, v0.ok + v0.failed);
    CHECK(share > 0.05 && share < 0.15);
    CHECK(v2.failed > 0 && v2.ok == 0);
    CHECK(v0.failed == 0 && v0.ok > 0);
    /* New instances start on the version the pool is deployed to (v0),
     * not on the canary's. */
    CHECK(model_scale(fx.model, app, -1, 12) == 0);
    model_version_count(fx.model, app, -1, 2, &on, &live);
    CHECK_EQ_INT(on, 1);
    CHECK_EQ_INT(live, 12);
    /* A rollback's redeploy restarts the canary alone. */
    int up = model_instances(fx.model, app, 0, INST_UP);
    CHECK(model_rolling_restart_on(fx.model, app, -1, 5, 2) == 0);
    CHECK_EQ_INT(model_instances(fx.model, app, 0, INST_UP), up - 1);
    ModelCode old = { .version = 0, .errors = -1, .cpu = -1, .latency = -1 };
    CHECK(model_set_code(fx.model, app, -1, &old, -1, -1, 2) == 0);
    model_version_count(fx.model, app, -1, 2, &on, &live);
    CHECK_EQ_INT(on, 0);
    CHECK_EQ_INT(model_version(fx.model, app, 0), 0);
    /* A whole move changes what new instances start on. */
    ModelCode v3 = { .version = 3, .errors = 0, .cpu = -1, .latency = -1 };
    CHECK(model_set_code(fx.model, app, -1, &v3, -1, -1, -1) == 0);
    CHECK(model_scale(fx.model, app, -1, 14) == 0);
    model_version_count(fx.model, app, -1, 3, &on, &live);
    CHECK_EQ_INT(on, 14);
    fx_close(&fx);
}

/* ---- an autoscaler on the wrong signal ---- */

static const char *signal_yaml =
    "regions: [r]\n"
    "services:\n"
    "  app: { deploy: { r: 10 }, concurrency: 20, queue: 20, service_time: 1ms,\n"
    "         calls: [ { to: slow, timeout: 2s } ],\n"
    "         autoscale: { signal: %s, target: 60%%, period: 30s, delay: 30s,\n"
    "                      step: 4, min: 2, max: 20 } }\n"
    "  slow: { kind: external, service_time: 200ms }\n"
    "sources:\n"
    "  users: { entry: app, rate: 500/s, client: { timeout: 5s } }\n";

/* Workers that mostly wait on a slow dependency: busy by the worker count,
 * idle by the CPU. Scaling on CPU shrinks the tier until it cannot keep up. */
static double scaled_availability(const char *signal, int *up)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, signal_yaml, signal);
    FxWindow w = { .from = 8 * FD_MIN, .to = 10 * FD_MIN };
    Fx fx;
    fx_open(&fx, yaml, 4, &w, 1);
    fx_run(&fx, 10 * FD_MIN);
    *up = model_instances(fx.model, fx_svc(&fx, "app"), 0, INST_UP);
    double a = fx_intent_avail(&w, 0);
    fx_close(&fx);
    return a;
}

static void test_autoscale_signal(void)
{
    int up_util, up_cpu;
    double a_util = scaled_availability("utilisation", &up_util);
    double a_cpu = scaled_availability("cpu", &up_cpu);
    printf("autoscaling on utilisation: %d instances, availability %.3f; on cpu: %d instances, "
           "availability %.3f\n", up_util, a_util, up_cpu, a_cpu);
    /* 500/s x ~201ms holds ~100 workers: 9 instances of 20 at 60%. */
    CHECK(up_util >= 9);
    CHECK(a_util > 0.99);
    CHECK(up_cpu < 5);
    CHECK(a_cpu < 0.8);
}

/* ---- deferred work: quiet during the outage, a surge at recovery ---- */

static const char *defer_yaml =
    "regions: [r]\n"
    "services:\n"
    "  s: { deploy: { r: 4 }, concurrency: 200, queue: 100, service_time: 1ms }\n"
    "sources:\n"
    "  users: { entry: s, rate: 100/s, customers: 1000,\n"
    "           client: { timeout: 5s, defer: %s, recheck: 1m, catch_up: 2m } }\n";

typedef struct DeferRun {
    double base_rate, outage_rate, peak_rate, after_rate;
    double deferred, released, peak_waiting, waiting_end, intents_outage;
} DeferRun;

/* 10 minutes normal, 30 minutes of every request failing, 20 minutes
 * healed. Rates are user attempts per second. */
static void defer_run(const char *defer, bool set_later, DeferRun *out)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, defer_yaml, defer);
    FxWindow w[5] = { { .from = 5 * FD_MIN, .to = 10 * FD_MIN },     /* before */
                      { .from = 15 * FD_MIN, .to = 40 * FD_MIN },    /* outage, settled */
                      { .from = 40 * FD_MIN, .to = 50 * FD_MIN },    /* recovery */
                      { .from = 0, .to = FD_TIME_NEVER },            /* everything */
                      { .from = 10 * FD_MIN, .to = 40 * FD_MIN } };  /* the whole outage */
    Fx fx;
    fx_open(&fx, yaml, 21, w, 5);
    int svc = fx_svc(&fx, "s");
    fx_run(&fx, 10 * FD_MIN);
    if (set_later) {        /* as a scenario's client{} would: the records come now */
        TopoClient cl = *model_client(fx.model, 0);
        cl.defer = 1;
        model_set_client(fx.model, 0, &cl);
    }
    model_inject_errors(fx.model, svc, -1, 1.0);
    fx_run(&fx, 40 * FD_MIN);
    model_inject_errors(fx.model, svc, -1, 0);
    fx_run(&fx, 60 * FD_MIN);
    const SourceStats *last = model_last_source(fx.model, 0);
    *out = (DeferRun){
        .base_rate = w[0].user_attempts[0] / 300,
        .outage_rate = w[1].user_attempts[0] / 1500,
        .peak_rate = w[2].peak_user_rate[0],
        .after_rate = w[2].user_attempts[0] / 600,
        .deferred = w[3].deferred[0],
        .released = w[3].released[0],
        .peak_waiting = w[4].peak_waiting[0],
        .waiting_end = last ? last->waiting_customers : -1,
        .intents_outage = w[4].intents[0],
    };
    /* Client retries are not user attempts; without them the two agree. */
    CHECK_NEAR(w[0].user_attempts[0], w[0].attempts[0], 0);
    fx_close(&fx);
}

static void test_deferred_work(void)
{
    DeferRun d, n, later;
    defer_run("100%", false, &d);
    defer_run("0", false, &n);
    defer_run("0", true, &later);
    printf("deferral: user attempts %.1f/s before, %.1f/s during the outage, peak %.1f/s "
           "after (%.1fx); deferred %.0f (expected ~186000), released %.0f, intents in the "
           "outage %.0f; "
           "waiting customers peak %.0f, at the end %.0f\n",
           d.base_rate, d.outage_rate, d.peak_rate, d.peak_rate / d.base_rate, d.deferred,
           d.released, d.intents_outage, d.peak_waiting, d.waiting_end);
    printf("no deferral: %.1f/s before, %.1f/s during, peak %.1f/s after; deferred %.0f\n",
           n.base_rate, n.outage_rate, n.peak_rate, n.deferred);
    CHECK_REL(d.base_rate, 100, 0.05);
    /* Waiting users queue new work: only their checks reach the service
     * (1000 customers checking once a minute: about 17/s). */
    CHECK(d.outage_rate < 0.3 * d.base_rate);
    CHECK(d.peak_waiting > 950);
    /* Every intent of the outage was put aside (defer = 100%), and so were
     * those of customers still waiting after the repair: each waits for its
     * next check, a mean of 1m (memoryless). The backlog to expect is
     * 100/s x (30m + 1m). All of it comes back. */
    double expected = 100.0 * (30 * 60 + 60);
    CHECK_REL(d.deferred, expected, 0.02);
    CHECK(d.deferred >= d.intents_outage);
    CHECK_REL(d.released, d.deferred, 0.001);
    CHECK(d.waiting_end == 0);
    /* 30 minutes of work (~180000 intents) sent back within ~1m + 2m. */
    CHECK(d.peak_rate > 5 * d.base_rate);
    /* Without deferral users drop the work: no surge, no quiet. */
    CHECK(n.deferred == 0);
    CHECK(n.outage_rate > 0.9 * n.base_rate);
    CHECK(n.peak_rate < 1.5 * n.base_rate);
    /* Turned on mid-run through model_set_client: the same story. */
    printf("deferral from 10m on: %.1f/s during, peak %.1f/s after; deferred %.0f, "
           "released %.0f\n", later.outage_rate, later.peak_rate, later.deferred,
           later.released);
    CHECK(later.outage_rate < 0.3 * later.base_rate);
    CHECK_REL(later.deferred, expected, 0.02);
    CHECK_REL(later.released, later.deferred, 0.001);
    CHECK(later.peak_rate > 5 * later.base_rate);
}

/* ---- telemetry: monitoring hears the services through its own path ---- */

static const char *tele_yaml =
    "regions: [a, b]\n"
    "settings: { monitoring: monitor }\n"
    "services:\n"
    "  api: { deploy: { a: 2, b: 2 }, service_time: 1ms }\n"
    "  idle: { deploy: { a: 0, b: 1 }, service_time: 1ms }\n"
    "  monitor: { deploy: { a: 1 }, service_time: 2ms,\n"
    "             calls: [ { to: discovery, timeout: 1s } ] }\n"
    "  discovery: { deploy: { a: 1, b: 1 }, service_time: 1ms, restart_time: 1h }\n"
    "  partner: { kind: external, service_time: 5ms }\n"
    "sources:\n"
    "  web: { entry: api, rate: 50/s, regions: { a: 50%, b: 50% } }\n";

static void test_telemetry(void)
{
    FxWindow w = { .from = 70 * FD_SEC, .to = 120 * FD_SEC };
    Fx fx;
    fx_open(&fx, tele_yaml, 8, &w, 1);
    int api = fx_svc(&fx, "api"), idle = fx_svc(&fx, "idle"), mon = fx_svc(&fx, "monitor"),
        disc = fx_svc(&fx, "discovery"), partner = fx_svc(&fx, "partner");
    fx_run(&fx, 60 * FD_SEC);
    int t_api_a = model_telemetry(fx.model, api, 0), t_api_b = model_telemetry(fx.model, api, 1);
    int t_idle_a = model_telemetry(fx.model, idle, 0), t_idle_b = model_telemetry(fx.model, idle, 1);
    int t_disc = model_telemetry(fx.model, disc, -1), t_mon = model_telemetry(fx.model, mon, -1);
    bool heard = model_heard_from_any(fx.model);
    printf("telemetry, all well: api %d/%d, idle %d/%d (a has no instance), discovery %d, "
           "monitor %d; heard %d\n", t_api_a, t_api_b, t_idle_a, t_idle_b, t_disc, t_mon, heard);
    CHECK_EQ_INT(t_api_a, 1);
    CHECK_EQ_INT(t_api_b, 1);
    CHECK_EQ_INT(t_idle_b, 1);
    CHECK_EQ_INT(t_disc, 2);
    CHECK_EQ_INT(t_idle_a, 0);          /* nothing serving: nothing sent */
    CHECK_EQ_INT(t_mon, 0);             /* monitoring does not report to itself */
    CHECK_EQ_INT(model_telemetry(fx.model, partner, -1), 0);
    CHECK(heard);
    /* Telemetry is real load on monitoring, and no source's. */
    const PoolStats *mp = model_last_pool(fx.model, mon, 0);
    CHECK(mp && mp->offered == 5);
    const SourceStats *ss = model_last_source(fx.model, 0);
    CHECK(ss && ss->attempts == ss->intents);

    /* Monitoring needs discovery to take anything in. */
    model_crash(fx.model, disc, -1, -1);
    fx_run(&fx, 120 * FD_SEC);
    t_api_a = model_telemetry(fx.model, api, -1);
    heard = model_heard_from_any(fx.model);
    double avail = model_availability(fx.model, api, 0);
    int pa = fx_pool(&fx, "api", 0), pm = fx_pool(&fx, "monitor", 0);
    printf("telemetry, discovery down: api %d, heard %d; api availability %.3f; monitor "
           "failed %.0f of %.0f in the window\n",
           t_api_a, heard, avail, fx_failed(&w, pm), w.offered[pm]);
    CHECK_EQ_INT(t_api_a, 0);
    CHECK(!heard);
    CHECK(w.telemetry[pa] == 0);
    CHECK(avail == 1);                  /* the services themselves keep serving */
    CHECK(w.offered[pm] > 0 && fx_failed(&w, pm) == w.offered[pm]);
    fx_close(&fx);

    /* No monitoring named: nothing to hear, nothing sent. */
    char yaml[1024];
    snprintf(yaml, sizeof yaml, defer_yaml, "0");
    fx_open(&fx, yaml, 1, NULL, 0);
    fx_run(&fx, 30 * FD_SEC);
    CHECK(model_heard_from_any(fx.model));
    CHECK_EQ_INT(model_telemetry(fx.model, 0, -1), 0);
    fx_close(&fx);
}

/* ---- what a service is waiting on ---- */

static void test_waiting_on(void)
{
    Fx fx;
    fx_open(&fx, hang_yaml, 5, NULL, 0);
    int gw = fx_svc(&fx, "gateway"), app = fx_svc(&fx, "app"), db = fx_svc(&fx, "db"),
        disk = fx_svc(&fx, "disk");
    fx_run(&fx, 30 * FD_SEC);
    int idle_disk = model_waiting_on(fx.model, disk, -1);
    model_hang(fx.model, disk, -1, true);
    fx_run(&fx, 60 * FD_SEC);
    int w_gw = model_waiting_on(fx.model, gw, -1), w_app = model_waiting_on(fx.model, app, 0),
        w_db = model_waiting_on(fx.model, db, -1), w_disk = model_waiting_on(fx.model, disk, -1);
    printf("waiting on, disk hung: gateway -> %d, app -> %d, db -> %d, disk -> %d "
           "(app %d, db %d, disk %d)\n", w_gw, w_app, w_db, w_disk, app, db, disk);
    CHECK_EQ_INT(idle_disk, -1);
    CHECK_EQ_INT(w_db, disk);
    CHECK_EQ_INT(w_app, db);
    CHECK_EQ_INT(w_gw, app);
    CHECK_EQ_INT(w_disk, -1);           /* stalled on itself, not on a call */
    fx_close(&fx);
}

/* ---- calls to a named region ---- */

static const char *region_yaml =
    "regions: [a, b, c]\n"
    "services:\n"
    "  caller: { deploy: { a: 2 }, service_time: 1ms, calls: [ { to: store, region: b } ] }\n"
    "  fan: { deploy: { a: 1 }, service_time: 1ms, calls: [ { to: store2, regions: all } ] }\n"
    "  store: { deploy: { a: 1, b: 1 }, service_time: 1ms }\n"
    "  store2: { deploy: { a: 1, c: 1 }, service_time: 1ms }\n"
    "sources:\n"
    "  s1: { entry: caller, rate: 100/s }\n"
    "  s2: { entry: fan, rate: 50/s }\n";

static void test_named_region_calls(void)
{
    FxWindow w = { .from = 0, .to = 60 * FD_SEC };
    Fx fx;
    fx_open(&fx, region_yaml, 6, &w, 1);
    fx_run(&fx, 60 * FD_SEC);
    int caller = fx_pool(&fx, "caller", 0), fan = fx_pool(&fx, "fan", 0),
        st_a = fx_pool(&fx, "store", 0), st_b = fx_pool(&fx, "store", 1),
        s2_a = fx_pool(&fx, "store2", 0), s2_c = fx_pool(&fx, "store2", 2);
    printf("named regions: caller %.0f -> store a %.0f, b %.0f; fan %.0f -> store2 a %.0f, "
           "c %.0f\n", w.offered[caller], w.offered[st_a], w.offered[st_b], w.offered[fan],
           w.offered[s2_a], w.offered[s2_c]);
    CHECK(w.offered[caller] > 0);
    CHECK(w.offered[st_a] == 0);
    CHECK(w.offered[st_b] == w.offered[caller]);
    CHECK(w.offered[s2_a] == w.offered[fan]);
    CHECK(w.offered[s2_c] == w.offered[fan]);
    CHECK(fx_intent_avail(&w, 0) == 1 && fx_intent_avail(&w, 1) == 1);
    fx_close(&fx);
}

/* ---- an autoscaled pool's instance counts in the stats ---- */

static void test_autoscaled_instances(void)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, signal_yaml, "utilisation");
    Fx fx;
    fx_open(&fx, yaml, 4, NULL, 0);
    int app = fx_svc(&fx, "app");
    int peak = 0;
    bool agree = true;
    for (int k = 1; k <= 60; k++) {
        fx_run(&fx, k * 10 * FD_SEC);
        const PoolStats *ps = model_last_pool(fx.model, app, 0);
        for (int st = 0; st < INST_NSTATES; st++)
            agree &= ps && ps->instances[st] == model_instances(fx.model, app, 0, (InstState)st);
        if (ps && ps->instances[INST_UP] > peak) peak = ps->instances[INST_UP];
    }
    printf("autoscaled pool: peak %d instances up in the stats\n", peak);
    CHECK(agree);
    CHECK(peak >= 9 && peak <= 20);
    fx_close(&fx);
}

/* ---- a partition between two services, then heal ---- */

static const char *partition_yaml =
    "regions: [a, b]\n"
    "services:\n"
    "  front: { deploy: { a: 2, b: 2 }, concurrency: 100, service_time: 1ms,\n"
    "           calls: [ { to: back, timeout: 200ms } ] }\n"
    "  back: { deploy: { a: 2, b: 2 }, concurrency: 100, service_time: 1ms }\n"
    "sources:\n"
    "  users: { entry: front, rate: 200/s, regions: { a: 50%, b: 50% },\n"
    "           client: { timeout: 5s } }\n";

static void test_partition_heal(void)
{
    /* before; during a partition of front in region a from back; after heal */
    FxWindow w[3] = { { .from = 0, .to = 60 * FD_SEC },
                      { .from = 70 * FD_SEC, .to = 120 * FD_SEC },
                      { .from = 130 * FD_SEC, .to = 180 * FD_SEC } };
    Fx fx;
    fx_open(&fx, partition_yaml, 12, w, 3);
    int front = fx_svc(&fx, "front"), back = fx_svc(&fx, "back");
    /* No call edge, no partition: back does not call front. */
    CHECK_EQ_INT(model_partition(fx.model, back, front, -1, true), -1);
    CHECK_STR(model_last_error(fx.model), "back does not call front");
    CHECK(model_calls(fx.model, front, back) && !model_calls(fx.model, back, front));
    fx_run(&fx, 60 * FD_SEC);
    CHECK_EQ_INT(model_partition(fx.model, front, back, 0, true), 0);
    fx_run(&fx, 120 * FD_SEC);
    CHECK_EQ_INT(model_partition(fx.model, front, back, -1, false), 0);
    fx_run(&fx, 180 * FD_SEC);
    int fa = fx_pool(&fx, "front", 0), fb = fx_pool(&fx, "front", 1),
        ba = fx_pool(&fx, "back", 0), bb = fx_pool(&fx, "back", 1);
    double during_a = fx_failed(&w[1], fa) / w[1].offered[fa];
    printf("partition front(a) -> back: front a failed %.4f before, %.4f during (timeouts %.0f of "
           "%.0f), %.4f after heal; back a saw %.0f, %.0f, %.0f; front b failed %.4f during, "
           "back b saw %.0f of %.0f\n",
           fx_failed(&w[0], fa) / w[0].offered[fa], during_a, w[1].failed[fa][FAIL_TIMEOUT],
           fx_failed(&w[1], fa), fx_failed(&w[2], fa) / w[2].offered[fa], w[0].offered[ba],
           w[1].offered[ba], w[2].offered[ba], fx_failed(&w[1], fb) / w[1].offered[fb],
           w[1].offered[bb], w[1].offered[fb]);
    CHECK(fx_failed(&w[0], fa) == 0);
    /* Every call from a is lost on the way: none reaches back, each times
     * out (a request offered at a window's edge fails in the next one, so
     * the ratio may pass 1). */
    CHECK(during_a > 0.99);
    CHECK(w[1].offered[ba] == 0);
    CHECK(w[1].failed[fa][FAIL_TIMEOUT] == fx_failed(&w[1], fa));
    /* Region b is not partitioned. */
    CHECK(fx_failed(&w[1], fb) == 0);
    CHECK(w[1].offered[bb] == w[1].offered[fb]);
    /* Healed: the calls flow again and nothing fails. */
    CHECK(fx_failed(&w[2], fa) == 0);
    CHECK(w[2].offered[ba] == w[2].offered[fa]);
    CHECK(w[2].offered[fa] > 0.9 * 100 * 50);
    fx_close(&fx);
}

/* ---- an automatic circuit breaker: opens, fails fast, probes, closes ---- */

static const char *breaker_yaml =
    "regions: [r]\n"
    "services:\n"
    "  front: { deploy: { r: 2 }, concurrency: 400, queue: 1000, service_time: 1ms,\n"
    "           calls: [ { to: dep, timeout: 300ms %s } ] }\n"
    "  dep: { deploy: { r: 2 }, concurrency: 100, queue: 100000, service_time: 1ms }\n"
    "sources:\n"
    "  users: { entry: front, rate: 200/s, client: { timeout: 5s } }\n";

typedef struct BreakerRun {
    double fail_down, lat_down, dep_share_down;   /* dep hung, 80s to 150s */
    double fail_up, dep_share_up;                 /* dep back, 190s to 260s */
} BreakerRun;

/* dep hangs from 60s to 150s. */
static void breaker_run(bool breaker, BreakerRun *out)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, breaker_yaml,
             breaker ? ", breaker: { error_rate: 50%, min_requests: 20, window: 10s,"
                       " open_for: 30s, probes: 5 }" : "");
    FxWindow w[2] = { { .from = 80 * FD_SEC, .to = 150 * FD_SEC },
                      { .from = 190 * FD_SEC, .to = 260 * FD_SEC } };
    Fx fx;
    fx_open(&fx, yaml, 21, w, 2);
    int dep = fx_svc(&fx, "dep");
    fx_run(&fx, 60 * FD_SEC);
    model_hang(fx.model, dep, -1, true);
    fx_run(&fx, 150 * FD_SEC);
    model_hang(fx.model, dep, -1, false);
    fx_run(&fx, 260 * FD_SEC);
    int f = fx_pool(&fx, "front", 0), d = fx_pool(&fx, "dep", 0);
    out->fail_down = fx_failed(&w[0], f) / w[0].offered[f];
    out->lat_down = w[0].lat_sum[f] / w[0].lat_n[f];
    out->dep_share_down = w[0].offered[d] / w[0].offered[f];
    out->fail_up = fx_failed(&w[1], f) / w[1].offered[f];
    out->dep_share_up = w[1].offered[d] / w[1].offered[f];
    printf("breaker %s, dep hung: front failed %.4f, mean latency %.1fms, dep saw %.4f of "
           "front's requests; dep back: front failed %.4f, dep saw %.4f\n",
           breaker ? "on " : "off", out->fail_down, out->lat_down * 1e3, out->dep_share_down,
           out->fail_up, out->dep_share_up);
    fx_close(&fx);
}

static void test_breaker(void)
{
    BreakerRun on, off;
    breaker_run(true, &on);
    breaker_run(false, &off);
    /* Either way the critical call fails while dep hangs. */
    CHECK(on.fail_down > 0.99 && off.fail_down > 0.99);
    /* Without a breaker every request waits out the call's 300ms timeout
     * and reaches dep; with one, the open breaker fails them at once and
     * only the half-open probes (5 per 30s per caller instance pool) get
     * through. */
    CHECK_REL(off.lat_down, 0.300, 0.05);
    CHECK(on.lat_down < 0.010);
    CHECK_REL(off.dep_share_down, 1.0, 0.01);
    CHECK(on.dep_share_down < 0.005);
    /* Once dep answers, the next probes succeed, the breaker closes, and
     * every request reaches dep again. */
    CHECK(on.fail_up == 0 && off.fail_up == 0);
    CHECK_REL(on.dep_share_up, 1.0, 0.001);
    CHECK_REL(off.dep_share_up, 1.0, 0.001);
}

/* ---- shedding: the stated share dropped, the rest served quickly ---- */

static const char *shed_yaml =
    "regions: [r]\n"
    "services:\n"
    "  s: { deploy: { r: 1 }, concurrency: 10, queue: 5000,\n"
    "       service_time: { dist: exp, mean: 10ms } }\n"
    "sources:\n"
    "  users: { entry: s, rate: 1150/s, client: { timeout: 1h } }\n";

/* Mean latency of the requests that were not shed or refused (those
 * fail at once and count zero in the latency sum). */
static double admitted_latency(const FxWindow *w, int pool)
{
    return w->lat_sum[pool] / (w->lat_n[pool] - w->failed[pool][FAIL_REJECTED]);
}

static void test_shed(void)
{
    /* 115% of capacity (10 workers at 10ms): the queue fills and stays
     * full; shedding 30% leaves 805/s, 80.5% of capacity. */
    FxWindow w[2] = { { .from = 40 * FD_SEC, .to = 60 * FD_SEC },
                      { .from = 120 * FD_SEC, .to = 720 * FD_SEC } };
    Fx fx;
    fx_open(&fx, shed_yaml, 8, w, 2);
    int svc = fx_svc(&fx, "s"), p = fx_pool(&fx, "s", 0);
    fx_run(&fx, 60 * FD_SEC);
    CHECK_EQ_INT(model_shed(fx.model, svc, -1, 0.30), 0);
    fx_run(&fx, 720 * FD_SEC);
    double shed = w[1].failed[p][FAIL_REJECTED] / w[1].offered[p];
    double before = admitted_latency(&w[0], p), after = admitted_latency(&w[1], p);
    double wq, util;
    mmc_analytic(1150 * 0.7, 100, 10, &wq, &util);
    printf("shed 30%% of 115%% load: %.4f shed, other failures %.0f; admitted latency %.0fms "
           "before, %.2fms after (M/M/10 at 805/s: %.2fms)\n",
           shed, fx_failed(&w[1], p) - w[1].failed[p][FAIL_REJECTED], before * 1e3, after * 1e3,
           (wq + 0.01) * 1e3);
    CHECK(before > 1.0);                /* a full queue ahead of every request */
    CHECK_NEAR(shed, 0.30, 0.01);
    CHECK(fx_failed(&w[1], p) == w[1].failed[p][FAIL_REJECTED]);
    CHECK_REL(after, wq + 0.01, 0.10);
    fx_close(&fx);
}

/* ---- determinism ---- */

/* ---- overload collapse ---- */

static const char *collapse_yaml =
    "regions: [r]\n"
    "services:\n"
    "  db: { kind: storage, deploy: { r: 1 }, concurrency: 64, queue: 64,\n"
    "        service_time: { dist: exp, mean: 10ms }%s }\n"
    "sources:\n"
    "  users: { entry: db, rate: %s, client: { timeout: 2s } }\n";

/* Requests answered ok per second over the last minute of two, and the
 * run's figures' hash. */
static double collapse_throughput(bool on, const char *rate, uint64_t *hash)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, collapse_yaml,
             on ? ",\n        collapse: { knee: 16, contention: 0.02, coherency: 0.0005 }" : "",
             rate);
    FxWindow w = { .from = 60 * FD_SEC, .to = 120 * FD_SEC };
    Fx fx;
    fx_open(&fx, yaml, 5, &w, 1);
    fx_run(&fx, 120 * FD_SEC);
    double ok = w.ok[fx_pool(&fx, "db", 0)] / 60;
    *hash = fx.hash;
    fx_close(&fx);
    return ok;
}

/* Under light load (about 2 of 64 workers busy, far below the knee of 16)
 * the collapse changes nothing, to the bit. Offered 8000/s against 6400/s
 * of capacity, all 64 workers stay busy; past the knee each request takes
 * 1 + 0.02 x 48 + 0.0005 x 48 x 63 = 3.47 times as long, so the instance
 * answers about a third of what it does without collapse. */
static void test_collapse(void)
{
    uint64_t h_off, h_on;
    double light_off = collapse_throughput(false, "200/s", &h_off);
    double light_on = collapse_throughput(true, "200/s", &h_on);
    printf("collapse, light load: %.1f ok/s without, %.1f with\n", light_off, light_on);
    CHECK(h_off == h_on);
    CHECK(light_off == light_on);
    double heavy_off = collapse_throughput(false, "8000/s", &h_off);
    double heavy_on = collapse_throughput(true, "8000/s", &h_on);
    printf("collapse, overload: %.0f ok/s without, %.0f with\n", heavy_off, heavy_on);
    CHECK_REL(heavy_off, 6400, 0.05);
    CHECK(heavy_on < 0.4 * heavy_off);
    CHECK_REL(heavy_on, 6400 / 3.47, 0.1);
}

/* ---- configuration read through a cache ---- */

/* Two api instances read routing through their own copies; with a ttl of
 * 30s instance 0 refreshes at 18.54s + 30k, instance 1 at 7.08s + 30k (the
 * golden-ratio spread of model_config.c). One-second intervals, so the
 * windows can sit between refreshes. */
#define CACHED_CONFIG_YAML(ttl)                                                              \
    "regions: [r]\n"                                                                          \
    "settings: { interval: 1s, sampling: 1 }\n"                                               \
    "configs: { routing: { store: cfgdb" ttl " } }\n"                                         \
    "services:\n"                                                                             \
    "  api: { deploy: { r: 2 }, concurrency: 50, service_time: 2ms, reads: [routing] }\n"     \
    "  cfgdb: { kind: storage, deploy: { r: 1 }, service_time: 1ms }\n"                       \
    "sources:\n"                                                                              \
    "  console: { entry: api, rate: 100/s }\n"

static const char *cached_config_yaml =
    CACHED_CONFIG_YAML(", ttl: 30s, max_stale: 2m, timeout: 500ms");
static const char *uncached_config_yaml = CACHED_CONFIG_YAML("");

/* The store fails every request from 61s. The copies refreshed at 37.08s
 * (instance 1) and 48.54s (instance 0) are served, stale, while later
 * refreshes fail; past max_stale instance 1's requests fail as bad_config
 * from 157.08s, instance 0's from 168.54s; once the store answers again
 * (from 240s) their refreshes at 247.08s and 258.54s bring them back. The
 * store sees one refresh per instance per ttl. */
static void test_config_store_failure(void)
{
    FxWindow w[5] = { { .from = 0, .to = 60 * FD_SEC },
                      { .from = 60 * FD_SEC, .to = 157 * FD_SEC },
                      { .from = 158 * FD_SEC, .to = 168 * FD_SEC },
                      { .from = 170 * FD_SEC, .to = 240 * FD_SEC },
                      { .from = 260 * FD_SEC, .to = 330 * FD_SEC } };
    Fx fx;
    fx_open(&fx, cached_config_yaml, 3, w, 5);
    int db = fx_svc(&fx, "cfgdb");
    int p = fx_pool(&fx, "api", 0), sp = fx_pool(&fx, "cfgdb", 0);
    fx_run(&fx, 61 * FD_SEC);
    model_inject_errors(fx.model, db, -1, 1.0);
    /* Step through: the first interval in which api fails. */
    SimTime first_fail = -1;
    for (SimTime t = 62 * FD_SEC; t <= 240 * FD_SEC; t += FD_SEC) {
        fx_run(&fx, t);
        int api = fx_svc(&fx, "api");
        const PoolStats *ps = model_last_pool(fx.model, api, 0);
        if (first_fail < 0 && ps && ps->failed[FAIL_BAD_CONFIG] > 0) first_fail = t;
    }
    model_inject_errors(fx.model, db, -1, 0);
    fx_run(&fx, 330 * FD_SEC);
    double half = w[2].failed[p][FAIL_BAD_CONFIG] / w[2].offered[p];
    printf("config store down at 61s (ttl 30s, max_stale 2m): readers fail from the "
           "interval ending %.0fs; failing %.3f over 158-168s (one copy stale), %.3f over "
           "170-240s, %.3f over 260-330s; the store saw %.0f refreshes in 0-60s\n",
           fd_time_sec(first_fail), half, w[3].failed[p][FAIL_BAD_CONFIG] / w[3].offered[p],
           fx_failed(&w[4], p) / w[4].offered[p], w[0].offered[sp]);
    CHECK(w[0].offered[sp] == 4);                   /* 2 instances x 2 refreshes */
    CHECK(fx_failed(&w[0], p) == 0);
    CHECK(fx_failed(&w[1], p) == 0);                /* stale, but served */
    CHECK(first_fail == 158 * FD_SEC);              /* the interval 157-158s */
    CHECK(half > 0.4 && half < 0.6);                /* round-robin over 2 copies, 1 stale */
    CHECK(w[3].failed[p][FAIL_BAD_CONFIG] / w[3].offered[p] > 0.99);
    CHECK(fx_failed(&w[4], p) == 0);
    fx_close(&fx);
}

/* Bad data written at 61s reaches each reader at its own next refresh
 * (instance 1 at 67.08s, instance 0 at 78.54s), not at once; without a ttl
 * it reaches them at once. */
static void test_config_bad_within_ttl(void)
{
    for (int ttl = 1; ttl >= 0; ttl--) {
        FxWindow w[3] = { { .from = 61 * FD_SEC, .to = 67 * FD_SEC },
                          { .from = 68 * FD_SEC, .to = 78 * FD_SEC },
                          { .from = 80 * FD_SEC, .to = 110 * FD_SEC } };
        Fx fx;
        fx_open(&fx, ttl ? cached_config_yaml : uncached_config_yaml, 3, w, 3);
        int p = fx_pool(&fx, "api", 0);
        fx_run(&fx, 61 * FD_SEC);
        model_config_write(fx.model, topo_find_config(&fx.topo, "routing"), -1, true);
        fx_run(&fx, 110 * FD_SEC);
        double f[3];
        for (int k = 0; k < 3; k++) f[k] = w[k].failed[p][FAIL_BAD_CONFIG] / w[k].offered[p];
        printf("bad data written at 61s, %s: failing %.3f over 61-67s, %.3f over 68-78s, "
               "%.3f over 80-110s\n", ttl ? "ttl 30s" : "no ttl", f[0], f[1], f[2]);
        if (ttl) {
            CHECK(f[0] == 0);
            CHECK(f[1] > 0.4 && f[1] < 0.6);        /* one copy of two has it */
        } else {
            CHECK(f[0] > 0.99);
            CHECK(f[1] > 0.99);
        }
        CHECK(f[2] > 0.99);
        fx_close(&fx);
    }
}

/* A copy per instance: twenty readers with a ttl of 10s refresh twenty
 * times per 10s, spread over it, not in one burst. */
static void test_config_refresh_load(void)
{
    FxWindow w[1] = { { .from = 100 * FD_SEC, .to = 200 * FD_SEC } };
    Fx fx;
    fx_open(&fx,
            "regions: [r]\n"
            "settings: { interval: 1s, sampling: 1 }\n"
            "configs: { routing: { store: cfgdb, ttl: 10s } }\n"
            "services:\n"
            "  api: { deploy: { r: 20 }, concurrency: 50, service_time: 2ms, reads: [routing] }\n"
            "  cfgdb: { kind: storage, deploy: { r: 1 }, service_time: 1ms }\n"
            "sources:\n"
            "  console: { entry: api, rate: 100/s }\n",
            5, w, 1);
    int sp = fx_pool(&fx, "cfgdb", 0);
    /* The most refreshes in one second, over 100-200s. */
    double most = 0;
    for (SimTime t = 101 * FD_SEC; t <= 200 * FD_SEC; t += FD_SEC) {
        fx_run(&fx, t);
        const PoolStats *ps = model_last_pool(fx.model, fx_svc(&fx, "cfgdb"), 0);
        if (ps && ps->offered > most) most = ps->offered;
    }
    printf("20 readers, ttl 10s: the store saw %.0f refreshes in 100s, at most %.0f in a "
           "second\n", w[0].offered[sp], most);
    CHECK(w[0].offered[sp] == 200);
    CHECK(most <= 3);
    fx_close(&fx);
}

static void test_determinism(void)
{
    uint64_t h[3];
    for (int i = 0; i < 3; i++) {
        Fx fx;
        fx_open(&fx, hang_yaml, i < 2 ? 42 : 43, NULL, 0);
        fx_run(&fx, 30 * FD_SEC);
        model_hang(fx.model, fx_svc(&fx, "disk"), -1, true);
        fx_run(&fx, 60 * FD_SEC);
        h[i] = fx.hash;
        fx_close(&fx);
    }
    CHECK(h[0] == h[1]);
    CHECK(h[0] != h[2]);
}

int main(void)
{
    test_collapse();
    test_config_store_failure();
    test_config_bad_within_ttl();
    test_config_refresh_load();
    check_mmc(1, 0.5);
    check_mmc(1, 0.8);
    check_mmc(1, 0.9);
    check_mmc(4, 0.5);
    check_mmc(4, 0.9);
    test_sampling_exact();
    test_routing_queueing();
    test_routing_determinism();
    test_retry_amplification();
    test_metastability();
    test_storage_hang_cascade();
    test_recovery_cycle();
    test_sched_gives_up();
    test_bad_config_persists();
    test_versions_per_instance();
    test_autoscale_signal();
    test_deferred_work();
    test_telemetry();
    test_waiting_on();
    test_named_region_calls();
    test_autoscaled_instances();
    test_partition_heal();
    test_breaker();
    test_shed();
    test_determinism();
    return fdt_finish();
}
