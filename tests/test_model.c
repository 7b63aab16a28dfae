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

/* ---- determinism ---- */

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
    check_mmc(1, 0.5);
    check_mmc(1, 0.8);
    check_mmc(1, 0.9);
    check_mmc(4, 0.5);
    check_mmc(4, 0.9);
    test_retry_amplification();
    test_metastability();
    test_storage_hang_cascade();
    test_recovery_cycle();
    test_bad_config_persists();
    test_autoscale_signal();
    test_determinism();
    return fdt_finish();
}
