#!/usr/bin/python3
"""mm1_simpy.py: the M/M/1 model of bench_mm1.c, written in SimPy 3.

This is the peer that firedrill's kernel is measured against, so it is
written the way the SimPy documentation teaches, not tuned against the
library: a generator process makes Poisson arrivals, each customer is its own
process that requests a Resource(capacity=1), waits, holds it for an
exponential service time and releases it (the `with` block). Same rates as
bench_mm1.c (lambda 8/s, mu 10/s, rho 0.8), same 1% warm-up excluded from the
mean wait, same customer count, so the two wall times are like for like.

Wall time covers env.run() only (building the environment is microseconds).
Peak RSS is the interpreter's ru_maxrss, reported for completeness.

Run it with the system interpreter, where Debian's python3-simpy3 lives:

    /usr/bin/python3 bench/mm1_simpy.py [customers]     (default 1000000)

The last line is machine-readable for run.sh:
    simpy-result customers=N wall_s=S mean_wait=W analytic=A rss_kb=K
"""
import random
import resource
import sys
import time

import simpy

LAMBDA = 8.0   # arrivals per second
MU = 10.0      # services per second
SEED = 1


def main():
    if len(sys.argv) > 2:
        sys.exit("usage: mm1_simpy.py [customers]")
    try:
        customers = int(float(sys.argv[1])) if len(sys.argv) == 2 else 1000000
    except ValueError:
        sys.exit("mm1_simpy.py: bad customer count %r" % sys.argv[1])
    if customers < 100:
        sys.exit("mm1_simpy.py: want at least 100 customers")
    warmup = customers // 100

    rng = random.Random(SEED)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    stats = {"wait_sum": 0.0, "counted": 0}

    def customer(number):
        arrived = env.now
        with server.request() as req:
            yield req
            if number >= warmup:
                stats["wait_sum"] += env.now - arrived
                stats["counted"] += 1
            yield env.timeout(rng.expovariate(MU))

    def source():
        # The first customer arrives at time 0, as in model/mmc.c.
        for number in range(customers):
            env.process(customer(number))
            if number + 1 < customers:
                yield env.timeout(rng.expovariate(LAMBDA))

    env.process(source())
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux

    rho = LAMBDA / MU
    analytic = rho / (MU - LAMBDA)   # M/M/1 mean wait in queue
    mean_wait = stats["wait_sum"] / stats["counted"]
    err = (mean_wait - analytic) / analytic
    print("M/M/1 in SimPy %s: lambda %.0f/s, mu %.0f/s (rho %.2f), %d customers "
          "(warm-up %d), seed %d" % (simpy.__version__, LAMBDA, MU, rho, customers,
                                     warmup, SEED))
    print("  wall time        %10.3f s" % wall)
    print("  customers/s      %10.3g" % (customers / wall))
    print("  mean wait        %10.4f s (analytic %.4f s, %+.2f%%)"
          % (mean_wait, analytic, 100 * err))
    print("  simulated time   %10.0f s" % env.now)
    print("  peak RSS         %10d kB" % rss)
    print("simpy-result customers=%d wall_s=%.6f mean_wait=%.6f analytic=%.6f rss_kb=%d"
          % (customers, wall, mean_wait, analytic, rss))
    if customers >= 100000 and abs(err) > 0.10:
        sys.exit("mm1_simpy.py: mean wait is %.1f%% off the analytic value" % (100 * err))


if __name__ == "__main__":
    main()
