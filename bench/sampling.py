#!/usr/bin/python3
"""sampling.py: what the sampling factor costs in accuracy.

    python3 bench/sampling.py [--firedrill build/firedrill] [--seeds 20]
                              [--factors 1,2,4,8,16] [--jobs 2] [--only NAME]

Runs four workloads at each sampling factor over the same seeds and prints,
against sampling 1, how far the mean incident clock (start, detection,
mitigation, recovery), the mean availability and the mean p99 move:

  netease   scenarios/netease-2024-08-18 (a hung storage tier under databases)
  tencent   scenarios/tencent-2024-04-08 (bad config, a circular dependency,
            a console surge)
  mmc       one pool of 16 instances of 16 workers at 80% load, exponential
            service times (each instance an M/M/16 behind round-robin)
  retry     scenarios/patterns/retry-storm (an overload kept going by retries)

Each run is a copy of the scenario folder with `settings.sampling` set to
the factor. The figures for each factor are means over the seeds; "spread"
is the standard deviation over seeds at sampling 1, the noise a difference
should be read against. The table in docs/architecture.md comes from this
script, and the default sampling follows it.
"""
import argparse
import concurrent.futures as cf
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MMC_TOPOLOGY = """regions: [east]
settings:
  interval: 10s
  sampling: 1
services:
  pool:
    deploy: { east: 16 }
    concurrency: 16
    queue: 1000
    service_time: { dist: exp, mean: 10ms }
sources:
  users:
    entry: pool
    rate: 20480/s
    client: { timeout: 30s }
"""

MMC_SCENARIO = """-- 16 instances of 16 workers at 80% load: what the queueing looks like.
scenario { name = "sampling: M/M/c pool", topology = "topology.yaml",
           start = "2024-01-01 00:00 +00:00", duration = "4m" }
"""

WORKLOADS = {
    "netease": ("scenarios/netease-2024-08-18", "music-app", "music-gateway"),
    "tencent": ("scenarios/tencent-2024-04-08", "console", "console"),
    "mmc": (None, "users", "pool"),
    "retry": ("scenarios/patterns/retry-storm", "app", "api"),
}
MILESTONES = ("start", "detected", "mitigated", "recovered")


def prepare(tmp, name, factor):
    """A copy of the workload's folder with settings.sampling = factor."""
    src, _, _ = WORKLOADS[name]
    dst = os.path.join(tmp, "%s-%g" % (name, factor))
    if src:
        shutil.copytree(os.path.join(ROOT, src), dst)
    else:
        os.makedirs(dst)
        with open(os.path.join(dst, "topology.yaml"), "w") as f:
            f.write(MMC_TOPOLOGY)
        with open(os.path.join(dst, "scenario.lua"), "w") as f:
            f.write(MMC_SCENARIO)
    path = os.path.join(dst, "topology.yaml")
    with open(path) as f:
        text = f.read()
    text, n = re.subn(r"(?m)^(  sampling:).*$", r"\1 %g" % factor, text)
    if n != 1:
        text, n = re.subn(r"(?m)^settings:\n", "settings:\n  sampling: %g\n" % factor, text)
    if n != 1:
        sys.exit("sampling.py: cannot set the sampling of %s" % path)
    with open(path, "w") as f:
        f.write(text)
    # A scenario may override the topology's sampling with a param of its own.
    with open(os.path.join(dst, "scenario.lua")) as f:
        takes_param = 'param("sampling"' in f.read()
    return dst, takes_param


def run_one(fd, folder, name, seed, factor, takes_param):
    _, entry, service = WORKLOADS[name]
    out = folder + "-out-%d" % seed
    args = [fd, "run", folder, "--seed", str(seed), "--out", out, "--quiet", "--time-limit", "0"]
    if takes_param:
        args += ["--param", "sampling=%g" % factor]
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        sys.exit("sampling.py: %s seed %d exited %d:\n%s" % (folder, seed, p.returncode, p.stderr))
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    row = {}
    inc = s.get("incident") or {}
    for k in MILESTONES:
        v = inc.get(k)
        row[k] = v["t"] if isinstance(v, dict) else None
    for e in s["entries"]:
        if e["name"] == entry:
            row["availability"] = e["availability"]
    p99, n = 0.0, 0
    with open(os.path.join(out, "metrics.csv")) as f:
        for r in csv.DictReader(f):
            if r["service"] == service and r["metric"] == "latency_p99":
                p99 += float(r["value"])
                n += 1
    row["p99"] = p99 / n if n else float("nan")
    shutil.rmtree(out)
    return row


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def sd(xs):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return None
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firedrill", default=os.path.join(ROOT, "build", "firedrill"))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--factors", default="1,2,4,8,16")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", action="append", choices=sorted(WORKLOADS))
    ap.add_argument("--json", help="also write the raw per-seed figures here")
    a = ap.parse_args()
    factors = [float(x) for x in a.factors.split(",")]
    if factors[0] != 1:
        sys.exit("sampling.py: the first factor must be 1 (the reference)")
    names = a.only or list(WORKLOADS)
    tmp = tempfile.mkdtemp(prefix="fd-sampling.")
    raw = {}
    # A copy of the binary, so that a rebuild during the run changes nothing.
    fd = os.path.join(tmp, "firedrill")
    shutil.copy2(a.firedrill, fd)
    try:
        with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            futs = {}
            for name in names:
                for f in factors:
                    folder, takes_param = prepare(tmp, name, f)
                    for seed in range(1, a.seeds + 1):
                        futs[ex.submit(run_one, fd, folder, name, seed, f, takes_param)] = (name, f, seed)
            for fu in cf.as_completed(futs):
                name, f, seed = futs[fu]
                raw.setdefault(name, {}).setdefault(f, {})[seed] = fu.result()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({n: {str(k): v for k, v in d.items()} for n, d in raw.items()}, f, indent=1)

    print("sampling error against sampling 1, means over %d seeds" % a.seeds)
    print("  clock: largest |difference| of the mean incident start, detection, mitigation,")
    print("  recovery (min); avail: difference in points; p99: mean p99 of the entry service")
    print()
    print("%-8s %6s %10s %10s %10s %10s %10s" % ("workload", "factor", "clock min", "avail pt",
                                                   "avail %", "p99 ms", "p99 ratio"))
    for name in names:
        ref = raw[name][factors[0]]
        refm = {k: mean([ref[s][k] for s in ref]) for k in MILESTONES + ("availability", "p99")}
        for f in factors:
            runs = raw[name][f]
            m = {k: mean([runs[s][k] for s in runs]) for k in MILESTONES + ("availability", "p99")}
            diffs = [abs(m[k] - refm[k]) / 60 for k in MILESTONES
                     if m[k] is not None and refm[k] is not None]
            missing = [k for k in MILESTONES if (m[k] is None) != (refm[k] is None)]
            clock = "n/a" if not diffs and not missing else (
                "differs" if missing else "%.2f" % max(diffs))
            print("%-8s %6g %10s %10.2f %10.2f %10.1f %10.3f" % (
                name, f, clock, (m["availability"] - refm["availability"]) * 100,
                m["availability"] * 100, m["p99"] * 1000,
                m["p99"] / refm["p99"] if refm["p99"] else float("nan")))
        spread_clock = [sd([ref[s][k] for s in ref]) for k in MILESTONES]
        spread_clock = [x / 60 for x in spread_clock if x is not None]
        spread_av = sd([ref[s]["availability"] for s in ref])
        print("%-8s %6s %10s %10s" % ("", "spread", "%.2f" % max(spread_clock) if spread_clock else "n/a",
                                      "%.2f" % (spread_av * 100) if spread_av is not None else "n/a"))


if __name__ == "__main__":
    main()
