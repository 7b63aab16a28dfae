#!/usr/bin/python3
"""scaling.py: how a run's cost grows with offered load and topology size.

    python3 bench/scaling.py [--firedrill build/firedrill] [--duration 60]

Runs `firedrill run` on generated topologies and prints, per run, the CPU
time (user + system of the run's process), the peak resident memory, the
kernel events the run executed and the time per event, then the growth
between rows against the growth of what changed:

  load   one layered topology of 9 services (three layers of three; each
         service calls two of the next layer, each with probability 0.5,
         so a request makes one call per layer; traffic enters the first
         layer, a source per service), offered 10^2, 10^3, 10^4 and 10^5
         requests per second in all; the instances grow with the load so
         that every pool runs at about 40%
  size   the same shape with 9, 99 and 999 services (three layers of 3, 33
         and 333), at 10^3 requests per second in all

Traffic enters through a source per first-layer service rather than one
entry service calling each of them with probability 1/width: such an entry
would weigh width calls per request (a draw each), and the size axis would
measure that fan-out instead of the topology's size.

Every run is at sampling 1 (each simulated request is one real one), for
`--duration` simulated seconds (default 60), seed 1. Cost should grow
linearly with load (events per request are fixed) and stay flat with size
at a fixed load, apart from what is per pool and per interval (metrics);
the last column says how far each step is from that.

Exit status 0 when every run finished; 1 when one failed.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def topology(width, rate):
    """Three layers of `width` services, traffic entering the first layer
    evenly (a source per service); instances for ~40% load."""
    conc, st = 8, 0.002          # workers per instance, seconds of work per request
    per_svc = rate / width       # each layer carries the whole rate, spread over width

    def instances(load):
        return max(2, int(load * st / conc / 0.4 + 0.999))

    lines = ["regions: [east]", "settings: { sampling: 1, interval: 10s }", "services:"]
    for layer in (1, 2, 3):
        for i in range(width):
            head = (f"  l{layer}s{i}: {{ deploy: {{ east: {instances(per_svc)} }}, "
                    f"concurrency: {conc}, service_time: {st * 1000:g}ms")
            if layer < 3:
                a, b = i, (i + 1) % width
                targets = [a] if a == b else [a, b]
                p = 1 / len(targets)
                calls = ", ".join(f"{{ to: l{layer + 1}s{t}, probability: {p:g}, timeout: 2s }}"
                                  for t in targets)
                head += f", calls: [ {calls} ]"
            lines.append(head + " }")
    lines.append("sources:")
    lines += [f"  u{i}: {{ entry: l1s{i}, rate: {per_svc:g}/s }}" for i in range(width)]
    lines.append("")
    return "\n".join(lines)


def run(fd, work, name, width, rate, duration):
    d = os.path.join(work, name)
    os.makedirs(d)
    with open(os.path.join(d, "topology.yaml"), "w") as f:
        f.write(topology(width, rate))
    with open(os.path.join(d, "scenario.lua"), "w") as f:
        f.write(f'scenario {{ name = "{name}", topology = "topology.yaml", '
                f'duration = "{duration}s" }}\n')
    m = measure(fd, d, os.path.join(d, "out"))
    if "error" in m:
        print(f"scaling: {name}: {m['error']}", file=sys.stderr)
        return None
    m.update(services=3 * width, rate=rate)
    return m


def measure(fd, scenario, out):
    """One `firedrill run --out` of scenario as a process of its own: its
    CPU time (user + system), wall time, peak RSS and kernel events, or
    {"error": why} when it exited with a status above 1. Shared with
    run.sh's section 5."""
    t0 = time.monotonic()
    p = subprocess.Popen([fd, "run", scenario, "--out", out, "--quiet", "--time-limit", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        return {"error": f"firedrill exited {code}: {err.strip()[:300]}"}
    with open(os.path.join(out, "summary.json")) as f:
        events = json.load(f)["events_run"]
    cpu = ru.ru_utime + ru.ru_stime
    return {"cpu": cpu, "wall": wall, "rss_mb": ru.ru_maxrss / 1024, "events": events,
            "ns_per_event": cpu / events * 1e9 if events else float("nan")}


def table(title, rows, key, unit):
    print(f"\n{title}")
    print(f"  {'req/s':>9} {'services':>8} {'cpu s':>8} {'peak MB':>8} {'events':>12} "
          f"{'ns/event':>9} {'cost x':>7} {unit + ' x':>8} {'per unit':>9}")
    prev = None
    for r in rows:
        grow = cost = per = ""
        if prev:
            g = r[key] / prev[key]
            c = r["cpu"] / prev["cpu"] if prev["cpu"] > 0 else float("nan")
            grow, cost = f"{g:.0f}", f"{c:.2f}"
            per = f"{c / g:.2f}" if key == "rate" else f"{c:.2f}"
        label = f"{r['rate']:g}"
        print(f"  {label:>9} {r['services']:>8} {r['cpu']:>8.2f} {r['rss_mb']:>8.1f} "
              f"{r['events']:>12} {r['ns_per_event']:>9.0f} {cost:>7} {grow:>8} {per:>9}")
        prev = r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--firedrill", default=os.path.join(ROOT, "build", "firedrill"))
    ap.add_argument("--duration", type=int, default=60)
    a = ap.parse_args()
    if not os.access(a.firedrill, os.X_OK):
        print(f"scaling: no firedrill at {a.firedrill} (build first)", file=sys.stderr)
        return 1
    load1 = os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix="fd-scaling.")
    ok = True
    try:
        loads = []
        for rate in (1e2, 1e3, 1e4, 1e5):
            r = run(a.firedrill, work, f"load-{rate:g}", 3, rate, a.duration)
            ok = ok and r is not None
            if r:
                loads.append(r)
        sizes = []
        for width in (3, 33, 333):
            r = run(a.firedrill, work, f"size-{width}", width, 1e3, a.duration)
            ok = ok and r is not None
            if r:
                sizes.append(r)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"scaling: {a.duration} s simulated per run, sampling 1, seed 1; "
          f"load average {load1:.1f} before, {os.getloadavg()[0]:.1f} after")
    table("Against offered load (9 services): cost x should match load x "
          "(per unit near 1: linear)", loads, "rate", "load")
    table("Against topology size (10^3 requests/s): cost x should stay near 1",
          sizes, "services", "size")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
