/*
 * mm1_ns3.cc: the M/M/1 model of bench_mm1.c on ns-3's core simulator.
 *
 * The other peer firedrill is measured against (SimPy being the first). It
 * is written the way ns-3's own examples schedule work: free functions
 * scheduled with ns3::Simulator::Schedule, ns-3's ExponentialRandomVariable
 * for the draws, the default scheduler (a std::map), Simulator::Run until
 * the queue of events drains, then Simulator::Destroy. Same rates as
 * bench_mm1.c (lambda 8/s, mu 10/s, rho 0.8), the same 1% warm-up left out
 * of the mean wait, the same customer count, so the wall times compare like
 * for like.
 *
 * The station is a FIFO of arrival times and a busy flag: an arrival joins
 * the FIFO and starts service if the server is idle; a departure starts the
 * next one. Two events per customer, as in the firedrill kernel's model.
 *
 *   usage: mm1_ns3 [customers]      (default 1000000)
 *
 * The last line is machine-readable for run.sh:
 *   ns3-result customers=N wall_s=S mean_wait=W analytic=A rss_kb=K
 *
 * Built only when Debian's libns3-dev is installed (`make bench` installs
 * it); it is C++ because ns-3 is.
 */
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <sys/resource.h>

#include <ns3/core-module.h>

using namespace ns3;

static const double LAMBDA = 8.0;   // arrivals per second
static const double MU = 10.0;      // services per second

static Ptr<ExponentialRandomVariable> g_inter, g_service;
static std::deque<double> g_queue;   // arrival times of waiting customers
static bool g_busy;
static uint64_t g_customers, g_arrived, g_served, g_warmup, g_counted;
static double g_wait_sum;

static void Depart();

static void StartService(double arrived)
{
    g_busy = true;
    double now = Simulator::Now().GetSeconds();
    if (g_served >= g_warmup) {
        g_wait_sum += now - arrived;
        g_counted++;
    }
    g_served++;
    Simulator::Schedule(Seconds(g_service->GetValue()), &Depart);
}

static void Depart()
{
    g_busy = false;
    if (!g_queue.empty()) {
        double arrived = g_queue.front();
        g_queue.pop_front();
        StartService(arrived);
    }
}

static void Arrive()
{
    double now = Simulator::Now().GetSeconds();
    if (g_busy) g_queue.push_back(now);
    else StartService(now);
    if (++g_arrived < g_customers) Simulator::Schedule(Seconds(g_inter->GetValue()), &Arrive);
}

int main(int argc, char **argv)
{
    g_customers = 1000000;
    if (argc > 2) {
        std::fprintf(stderr, "usage: mm1_ns3 [customers]\n");
        return 2;
    }
    if (argc == 2) {
        char *end;
        double v = std::strtod(argv[1], &end);
        if (end == argv[1] || *end || !(v >= 100) || v > 1e12) {
            std::fprintf(stderr, "mm1_ns3: bad customer count '%s' (want 100 .. 1e12)\n",
                         argv[1]);
            return 2;
        }
        g_customers = (uint64_t)v;
    }
    g_warmup = g_customers / 100;

    RngSeedManager::SetSeed(1);
    g_inter = CreateObject<ExponentialRandomVariable>();
    g_inter->SetAttribute("Mean", DoubleValue(1 / LAMBDA));
    g_service = CreateObject<ExponentialRandomVariable>();
    g_service->SetAttribute("Mean", DoubleValue(1 / MU));

    // The first customer arrives at time 0, as in model/mmc.c.
    Simulator::Schedule(Seconds(0), &Arrive);
    auto t0 = std::chrono::steady_clock::now();
    Simulator::Run();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Simulator::Destroy();

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rho = LAMBDA / MU, analytic = rho / (MU - LAMBDA);
    double mean_wait = g_wait_sum / (double)g_counted;
    double err = (mean_wait - analytic) / analytic;
    std::printf("M/M/1 on ns-3 %s core (default scheduler): lambda %.0f/s, mu %.0f/s "
                "(rho %.2f), %llu customers (warm-up %llu), seed 1\n",
                FD_NS3_VERSION, LAMBDA, MU, rho, (unsigned long long)g_customers,
                (unsigned long long)g_warmup);
    std::printf("  wall time        %10.3f s\n", wall);
    std::printf("  customers/s      %10.3g\n", (double)g_customers / wall);
    std::printf("  mean wait        %10.4f s (analytic %.4f s, %+.2f%%)\n", mean_wait, analytic,
                100 * err);
    std::printf("  peak RSS         %10ld kB\n", ru.ru_maxrss);
    std::printf("ns3-result customers=%llu wall_s=%.6f mean_wait=%.6f analytic=%.6f rss_kb=%ld\n",
                (unsigned long long)g_customers, wall, mean_wait, analytic, ru.ru_maxrss);
    if (g_customers >= 100000 && std::fabs(err) > 0.10) {
        std::fprintf(stderr, "mm1_ns3: mean wait is %.1f%% off the analytic value\n", 100 * err);
        return 1;
    }
    return 0;
}
