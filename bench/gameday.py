#!/usr/bin/python3
"""gameday.py FIREDRILL [SCENARIO]: how fast a game day can be paced.

    /usr/bin/python3 bench/gameday.py build/firedrill [scenarios/tencent-2024-04-08]

1. The speed ladder. `firedrill gameday` plays the scenario at 600x,
   1200x, 2400x, 4800x and 9600x with ten dashboards connected (ten
   WebSocket clients that join as players and read every message), and
   once at 100000x (the largest --speed), which no model keeps up with: that run shows the
   fastest pace the model reaches. For each speed: the simulated seconds
   per wall second the clock really reached (from the server's `tick`
   messages), its ratio to the speed asked, how often the server fell
   behind and re-set its clock (`behind`), and the messages and bytes each
   dashboard received. A speed is kept up with when the ratio is at least
   0.98 and the server never fell behind. Target: 600x.

2. The server over a whole paced run at 600x (the ladder's first rung):
   CPU time (user + system, from wait4), CPU as a share of the wall time,
   and peak RSS, side by side with `firedrill run` of the same scenario and
   seed, which is the same simulation without pacing, dashboards or
   journal.

The clients are plain sockets in threads, standard library only (the
WebSocket client of tests/cli/fdws.py). They parse only `tick` messages,
so that the ten of them keep up on a two-core machine; even so they share
the CPUs with the server, so the figures are a floor. Not a test: it
prints figures and "target met" or "target missed", and exits 0 unless a
program failed.
"""
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli"))
from fdws import WS  # noqa: E402

DASHBOARDS = 10
LADDER = [600, 1200, 2400, 4800, 9600]
FLAT_OUT = 100000           # the largest --speed
TARGET = 600


class Dashboard(threading.Thread):
    """One connected dashboard: joins as a player, reads until closed."""

    def __init__(self, url, name):
        super().__init__(daemon=True)
        self.ws = WS(url)
        self.ws.send({"t": "hello", "name": name, "team": "api"})
        self.msgs = self.bytes = 0
        self.ticks = []          # (server wall, sim seconds, behind)
        self.ended = False

    def run(self):
        ws = self.ws
        try:
            while not self.ended:
                f = ws._frame()
                if f is None:
                    ws.sock.settimeout(30)
                    chunk = ws.sock.recv(1 << 16)
                    if not chunk:
                        return
                    ws.buf += chunk
                    continue
                op, payload = f
                if op == 8:
                    return
                self.msgs += 1
                self.bytes += len(payload)
                if payload.startswith(b'{"t":"tick"'):
                    m = json.loads(payload)
                    if m["ended"]:             # stamped after the outputs are written
                        self.ended = True
                    else:
                        self.ticks.append((m["wall"], m["sim"], m.get("behind", 0)))
        except (OSError, EOFError):
            return


def gameday(fd, scenario, speed, out):
    """Starts a paced run; returns (process, player URL)."""
    p = subprocess.Popen([fd, "gameday", scenario, "--out", out, "--port", "0", "--speed", str(speed),
                          "--play", "api", "--debrief-seeds", "0", "--exit-at-end"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
    url = fac = None
    while not (url and fac):
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("firedrill gameday printed no URL")
        if line.startswith("URL "):
            url = line.split()[1]
        elif line.startswith("FACILITATOR "):
            fac = line.split()[1]
    return p, url, fac


def paced(fd, scenario, speed, work):
    out = os.path.join(work, f"x{int(speed)}")
    p, url, fac = gameday(fd, scenario, speed, out)
    boards = [Dashboard(url, f"viewer{i}") for i in range(DASHBOARDS)]
    for b in boards:
        b.start()
    time.sleep(0.5)                        # every welcome in before the clock starts
    ctl = WS(fac)
    ctl.send({"t": "control", "op": "resume", "value": None})
    t0 = time.monotonic()
    ctl.until(lambda m: m["t"] == "tick" and not m["paused"], 10)
    ctl.close()                            # a client that stops reading would hold up the end
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    for b in boards:
        b.join(timeout=30)
    # The clock's pace from the first dashboard's ticks while it ran.
    t = [x for x in boards[0].ticks if x[1] > 0]
    rate = (t[-1][1] - t[0][1]) / (t[-1][0] - t[0][0]) if len(t) > 1 and t[-1][0] > t[0][0] else 0.0
    return {
        "speed": speed, "rate": rate, "ratio": rate / speed, "behind": max((x[2] for x in t), default=0),
        "msgs": min(b.msgs for b in boards), "msgs_max": max(b.msgs for b in boards),
        "bytes": sum(b.bytes for b in boards) / len(boards), "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss, "rc": p.returncode,
        "ended": all(b.ended for b in boards),
    }


def reference(fd, scenario, work):
    out = os.path.join(work, "run")
    t0 = time.monotonic()
    p = subprocess.Popen([fd, "run", scenario, "--quiet", "--out", out], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return {"wall": time.monotonic() - t0, "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss,
            "rc": os.waitstatus_to_exitcode(status)}


def main():
    if len(sys.argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    fd = sys.argv[1]
    scenario = sys.argv[2] if len(sys.argv) > 2 else "scenarios/tencent-2024-04-08"
    failed = []
    load = os.getloadavg()[0]
    print(f"gameday.py: {scenario}, {DASHBOARDS} dashboards, load average {load:.2f} "
          f"({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as work:
        ref = reference(fd, scenario, work)
        if ref["rc"] not in (0, 1):
            failed.append("firedrill run")
        print()
        print(f"{'speed':>9} {'reached':>10} {'ratio':>6} {'behind':>6} {'msgs/board':>11} "
              f"{'MB/board':>9} {'wall s':>7} {'cpu s':>6} {'cpu %':>6} {'RSS MB':>7}  kept up")
        rows = []
        for speed in LADDER + [FLAT_OUT]:
            r = paced(fd, scenario, speed, work)
            rows.append(r)
            if r["rc"] != 0 or not r["ended"]:
                failed.append(f"gameday at {speed:g}x (exit {r['rc']}, ended {r['ended']})")
            kept = r["ratio"] >= 0.98 and r["behind"] == 0
            r["kept"] = kept
            label = f"{speed:g}x" if speed < FLAT_OUT else "flat out"
            print(f"{label:>9} {r['rate']:>9.0f}x {r['ratio']:>6.3f} {r['behind']:>6} "
                  f"{r['msgs']:>11} {r['bytes'] / 1e6:>9.2f} {r['wall']:>7.2f} {r['cpu']:>6.2f} "
                  f"{100 * r['cpu'] / r['wall']:>5.0f}% {r['rss_kb'] / 1024:>7.1f}  "
                  f"{'yes' if kept else 'no'}")
        fastest = max((r["speed"] for r in rows if r["kept"]), default=0)
        top = rows[-1]["rate"]
        base = rows[0]
        print()
        print(f"fastest speed kept up with {DASHBOARDS} dashboards: {fastest:g}x "
              f"(the model flat out: {top:.0f}x); target {TARGET}x: "
              f"{'target met' if fastest >= TARGET else 'target missed'}")
        print(f"a whole paced run at {base['speed']:g}x: {base['wall']:.1f} s wall, server CPU "
              f"{base['cpu']:.2f} s ({100 * base['cpu'] / base['wall']:.0f}% of one core), "
              f"peak RSS {base['rss_kb'] / 1024:.1f} MB")
        print(f"firedrill run, same scenario and seed:  {ref['wall']:.1f} s wall, CPU {ref['cpu']:.2f} s, "
              f"peak RSS {ref['rss_kb'] / 1024:.1f} MB")
        print(f"paced/run: CPU x{base['cpu'] / ref['cpu']:.2f}, RSS x{base['rss_kb'] / ref['rss_kb']:.2f}")
    if failed:
        print("gameday.py: FAILED: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
