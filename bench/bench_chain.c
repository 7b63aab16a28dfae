/*
 * bench_chain.c: how fast the service model runs a request path, and
 * whether its memory stays flat over a simulated day.
 *
 * The model is a three-hop chain, gateway -> service -> db, loaded from the
 * inline YAML below through topo_load_string() and model_new(), the same
 * road a user's topology takes. Every hop has a few instances with bounded
 * workers and queues; the db's service time has a heavy-ish tail
 * (lognormal, median 8ms, p99 200ms) and a 1% error rate, so about 2% of db
 * attempts fail (half by the service's 200ms timeout, half by error) and
 * are retried (up to twice) with backoff, and the timed-out ones keep
 * running as wasted work. The gateway gives the service 250ms (not the 1s
 * a first draft had, which nothing ever reached): most service requests
 * whose first db attempt timed out miss it, so about 0.2% of service
 * attempts are abandoned too and retried once. The client (1s, one retry)
 * almost never times out. The retry, timeout and orphan paths are
 * therefore exercised on every run, not just the happy path.
 *
 * bench/bench_chain_ref.c is a hand-written simulator of exactly this
 * chain (no firedrill code but the random numbers). It seeds the model's
 * own random streams and draws from each in the same order, so the two
 * print identical figures; a reader can check they simulate the same thing
 * before comparing their speeds.
 *
 * Two modes:
 *
 *   bench_chain [--minutes M] [--rate R] [--seed S]
 *       speed: M simulated minutes (default 10) at R intents/s (default
 *       1000, about 1.8 million requests in all). The figure is simulated
 *       requests per second of wall time, where requests are attempts at
 *       all three services (PoolStats.offered summed over pools, from the
 *       interval callback).
 *
 *   bench_chain --hours H [--rate R] [--sampling N] [--seed S]
 *       memory: H simulated hours (>= 1) at R intents/s (default 200),
 *       printing peak RSS (getrusage ru_maxrss, the whole process) after the
 *       first simulated hour and at the end. With --sampling, one simulated
 *       request stands for N real ones (the topology's `sampling` setting):
 *       rates, workers and queue slots are divided by N.
 *
 * Machine-readable last lines, for bench/run.sh:
 *   chain-result impl=firedrill minutes=M rate=R requests=N wall_s=S req_per_s=X
 *       intents=... intent_ok=... db_timeout=... svc_timeout=... db_error=...
 *       db_amp=... gw_lat_ms=... svc_lat_ms=... db_lat_ms=...
 *   chain-mem hours=H rate=R sampling=N requests=N wall_s=S rss1_kb=K rssend_kb=K ratio=X
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "load/topo_load.h"
#include "model/model.h"

/* The chain. Two numbers are filled in: the source rate and the sampling
 * factor. bench_chain_ref.c hard-codes the same values; keep them in step. */
static const char chain_yaml[] =
    "regions: [dc]\n"
    "settings: { interval: 10s, sampling: %g }\n"
    "services:\n"
    "  gateway:\n"
    "    deploy: { dc: 4 }\n"
    "    concurrency: 64\n"
    "    queue: 128\n"
    "    service_time: { dist: exp, mean: 2ms }\n"
    "    calls:\n"
    "      - { to: service, timeout: 250ms, retries: 1,\n"
    "          backoff: { base: 50ms, max: 500ms, multiplier: 2, jitter: 100%% } }\n"
    "  service:\n"
    "    deploy: { dc: 6 }\n"
    "    concurrency: 32\n"
    "    queue: 64\n"
    "    service_time: { dist: lognormal, median: 5ms, p99: 30ms }\n"
    "    calls:\n"
    "      - { to: db, timeout: 200ms, retries: 2,\n"
    "          backoff: { base: 20ms, max: 200ms, multiplier: 2, jitter: 100%% } }\n"
    "  db:\n"
    "    kind: storage\n"
    "    deploy: { dc: 4 }\n"
    "    concurrency: 16\n"
    "    queue: 64\n"
    "    service_time: { dist: lognormal, median: 8ms, p99: 200ms }\n"
    "    error_rate: 1%%\n"
    "sources:\n"
    "  users:\n"
    "    entry: gateway\n"
    "    rate: %.6f/s\n"
    "    client: { timeout: 1s, retries: 1,\n"
    "              backoff: { base: 100ms, max: 1s, multiplier: 2, jitter: 100%% } }\n";

#define NHOPS 3
static const char *const hop_names[NHOPS] = { "gateway", "service", "db" };

/* Sums over every interval. Counts are real requests (the model scales
 * them by the sampling factor). */
typedef struct Totals {
    double offered[NHOPS], ok[NHOPS], failed[NHOPS][FAIL_NCAUSES], wasted[NHOPS];
    double lat_sum[NHOPS], lat_n[NHOPS];
    double intents, intents_ok, intents_failed, attempts, user_failures;
    int hop_of_pool[NHOPS];
} Totals;

static void on_interval(void *ud, const ModelInterval *iv)
{
    Totals *t = ud;
    for (int i = 0; i < iv->npools && i < NHOPS; i++) {
        const PoolStats *p = &iv->pools[i];
        int h = t->hop_of_pool[i];
        t->offered[h] += p->offered;
        t->ok[h] += p->ok + p->degraded;
        for (int c = 0; c < FAIL_NCAUSES; c++) t->failed[h][c] += p->failed[c];
        t->wasted[h] += p->wasted;
        t->lat_sum[h] += p->latency_mean * (double)p->latency.count;
        t->lat_n[h] += (double)p->latency.count;
    }
    for (int s = 0; s < iv->nsources; s++) {
        const SourceStats *ss = &iv->sources[s];
        t->intents += ss->intents;
        t->intents_ok += ss->intents_ok + ss->intents_degraded;
        t->intents_failed += ss->intents_failed;
        t->attempts += ss->attempts;
        t->user_failures += ss->user_failures;
    }
}

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

static double total_offered(const Totals *t)
{
    return t->offered[0] + t->offered[1] + t->offered[2];
}

static double frac(double a, double b) { return b > 0 ? a / b : 0; }

/* The figures both implementations print, in the same layout. */
static void print_figures(const Totals *t)
{
    printf("  %-8s %12s %9s %9s %9s %9s %9s %10s\n", "hop", "requests", "ok", "timeout",
           "error", "dep.fail", "rejected", "mean lat");
    for (int h = 0; h < NHOPS; h++) {
        double n = t->offered[h];
        printf("  %-8s %12.0f %8.4f%% %8.4f%% %8.4f%% %8.4f%% %8.4f%% %8.3fms\n", hop_names[h], n,
               100 * frac(t->ok[h], n), 100 * frac(t->failed[h][FAIL_TIMEOUT], n),
               100 * frac(t->failed[h][FAIL_ERROR], n),
               100 * frac(t->failed[h][FAIL_DEPENDENCY], n),
               100 * frac(t->failed[h][FAIL_REJECTED], n),
               1e3 * frac(t->lat_sum[h], t->lat_n[h]));
    }
    printf("  timed out by the caller (wasted work): db attempts %.4f%%, service attempts "
           "%.4f%%\n", 100 * frac(t->wasted[2], t->offered[2]),
           100 * frac(t->wasted[1], t->offered[1]));
    printf("  retry amplification: db/service %.4f, service/gateway %.4f\n",
           frac(t->offered[2], t->offered[1]), frac(t->offered[1], t->offered[0]));
    printf("  intents %.0f: ok %.4f%%, failed %.4f%%; client attempts %.0f "
           "(%.4f per intent); users saw %.0f failures\n",
           t->intents, 100 * frac(t->intents_ok, t->intents),
           100 * frac(t->intents_failed, t->intents), t->attempts,
           frac(t->attempts, t->intents), t->user_failures);
}

typedef struct Run {
    Topo topo;
    Sim *sim;
    Model *model;
    Totals tot;
} Run;

static int run_open(Run *r, double rate, double sampling, uint64_t seed)
{
    char yaml[sizeof chain_yaml + 64];
    int n = snprintf(yaml, sizeof yaml, chain_yaml, sampling, rate);
    if (n < 0 || (size_t)n >= sizeof yaml) return -1;
    memset(r, 0, sizeof *r);
    DiagList dl;
    diag_list_init(&dl);
    topo_init(&r->topo);
    if (topo_load_string(&r->topo, "bench_chain.yaml", yaml, (size_t)n, &dl) != 0) {
        diag_list_print(&dl, stderr);
        diag_list_free(&dl);
        topo_free(&r->topo);
        return -1;
    }
    diag_list_free(&dl);
    for (int h = 0; h < NHOPS; h++) {
        int svc = topo_find_service(&r->topo, hop_names[h]);
        if (svc < 0) return -1;
        /* One region, no externals: pools are laid out service by service. */
        r->tot.hop_of_pool[svc] = h;
    }
    r->sim = sim_new(seed);
    if (!r->sim) return -1;
    ModelOptions o = { .on_interval = on_interval, .ud = &r->tot };
    r->model = model_new(&r->topo, r->sim, &o);
    return r->model ? 0 : -1;
}

static void run_close(Run *r)
{
    model_free(r->model);
    sim_free(r->sim);
    topo_free(&r->topo);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_chain [--minutes M] [--rate R] [--seed S]\n"
            "       bench_chain --hours H [--rate R] [--sampling N] [--seed S]\n");
}

static int parse_num(const char *flag, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) {
        fprintf(stderr, "bench_chain: bad value '%s' for %s (want %g .. %g)\n", s, flag, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    double minutes = 10, hours = 0, rate = -1, sampling = 1, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double *dst = NULL;
        double lo = 0, hi = 0;
        if (!strcmp(a, "--minutes")) { dst = &minutes; lo = 0.1; hi = 1e4; }
        else if (!strcmp(a, "--hours")) { dst = &hours; lo = 1; hi = 24 * 365; }
        else if (!strcmp(a, "--rate")) { dst = &rate; lo = 1; hi = 1e6; }
        else if (!strcmp(a, "--sampling")) { dst = &sampling; lo = 1; hi = 1e6; }
        else if (!strcmp(a, "--seed")) { dst = &seed; lo = 0; hi = 4e9; }
        if (!dst || i + 1 >= argc) { usage(); return 2; }
        if (parse_num(a, argv[++i], lo, hi, dst) < 0) return 2;
    }
    bool mem = hours > 0;
    if (!mem && sampling != 1) {
        /* A sampled speed run would not be the model the reference runs. */
        fprintf(stderr, "bench_chain: --sampling goes with --hours\n");
        return 2;
    }
    if (rate < 0) rate = mem ? 200 : 1000;

    Run r;
    if (run_open(&r, rate, sampling, (uint64_t)seed) < 0) {
        fprintf(stderr, "bench_chain: could not build the model\n");
        return 3;
    }

    if (!mem) {
        SimTime end = (SimTime)(minutes * 60) * FD_SEC;
        double t0 = now_sec();
        sim_run_until(r.sim, end);
        model_flush(r.model);
        double wall = now_sec() - t0;
        if (sim_failed(r.sim)) { fprintf(stderr, "bench_chain: out of memory\n"); return 3; }
        double req = total_offered(&r.tot) / sampling;
        printf("chain gateway -> service -> db on the firedrill model: %g intents/s, "
               "%g simulated min, seed %.0f\n", rate, minutes, seed);
        printf("  wall time        %10.3f s  (%" PRIu64 " events, %.0f ns each)\n", wall,
               sim_events_run(r.sim), wall * 1e9 / (double)sim_events_run(r.sim));
        printf("  requests         %10.0f    (attempts at all three services)\n", req);
        printf("  requests/s       %10.4g    (simulated requests per second of wall time)\n",
               req / wall);
        print_figures(&r.tot);
        const Totals *t = &r.tot;
        printf("chain-result impl=firedrill minutes=%g rate=%g requests=%.0f wall_s=%.6f "
               "req_per_s=%.6g intents=%.0f intent_ok=%.6f db_timeout=%.6f svc_timeout=%.6f "
               "db_error=%.6f db_amp=%.6f gw_lat_ms=%.4f svc_lat_ms=%.4f db_lat_ms=%.4f\n",
               minutes, rate, req, wall, req / wall, t->intents,
               frac(t->intents_ok, t->intents), frac(t->wasted[2], t->offered[2]),
               frac(t->wasted[1], t->offered[1]), frac(t->failed[2][FAIL_ERROR], t->offered[2]),
               frac(t->offered[2], t->offered[1]),
               1e3 * frac(t->lat_sum[0], t->lat_n[0]), 1e3 * frac(t->lat_sum[1], t->lat_n[1]),
               1e3 * frac(t->lat_sum[2], t->lat_n[2]));
        run_close(&r);
        return 0;
    }

    /* Memory: the first hour, a checkpoint, then the rest. */
    double t0 = now_sec();
    sim_run_until(r.sim, FD_HOUR);
    long rss1 = peak_rss_kb();
    double req1 = total_offered(&r.tot) / sampling;
    double wall1 = now_sec() - t0;
    sim_run_until(r.sim, (SimTime)(hours * 3600) * FD_SEC);
    model_flush(r.model);
    double wall = now_sec() - t0;
    long rss_end = peak_rss_kb();
    if (sim_failed(r.sim)) { fprintf(stderr, "bench_chain: out of memory\n"); return 3; }
    double req = total_offered(&r.tot) / sampling;
    double ratio = rss1 > 0 ? (double)rss_end / (double)rss1 : 0;
    printf("chain gateway -> service -> db, memory over %g simulated hours: %g intents/s, "
           "sampling %g, seed %.0f\n", hours, rate, sampling, seed);
    char label[32];
    snprintf(label, sizeof label, "after %g h", hours);
    printf("  %-16s peak RSS %8ld kB  (%.0f simulated requests, %.1f s wall)\n", "after 1 h",
           rss1, req1, wall1);
    printf("  %-16s peak RSS %8ld kB  (%.0f simulated requests, %.1f s wall, "
           "%.4g requests/s)\n", label, rss_end, req, wall, req / wall);
    printf("  %-16s %.3f (%+ld kB)\n", "ratio", ratio, rss_end - rss1);
    print_figures(&r.tot);
    printf("chain-mem hours=%g rate=%g sampling=%g requests=%.0f wall_s=%.6f rss1_kb=%ld "
           "rssend_kb=%ld ratio=%.4f\n",
           hours, rate, sampling, req, wall, rss1, rss_end, ratio);
    run_close(&r);
    return 0;
}
