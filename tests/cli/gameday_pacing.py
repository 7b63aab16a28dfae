#!/usr/bin/python3
"""gameday_pacing.py FIREDRILL SCENARIO OUT: the live run's clock.

At a given speed, over 20 wall seconds, the simulated clock is within 2%
of speed x wall time. Pause holds it; a new speed takes effect at once;
skip jumps to the next thing people can see.
"""
import faulthandler
import shutil
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fdws import WS, Gameday  # noqa: E402

fd, scenario, out = sys.argv[1:4]
shutil.rmtree(out, ignore_errors=True)
faulthandler.dump_traceback_later(90, exit=True)
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


SPEED = 30.0
gd = Gameday([fd, "gameday", scenario, "--out", out, "--port", "0", "--start",
              "--speed", str(SPEED), "--debrief-seeds", "0"])
try:
    fac = WS(gd.fac)
    w = fac.until(lambda m: m["t"] == "welcome")
    check(w["you"]["facilitator"], "the facilitator URL makes a facilitator")
    ticks = lambda m: m["t"] == "tick"  # noqa: E731
    first = fac.until(ticks)
    t0 = time.monotonic()
    last = first
    while time.monotonic() - t0 < 20:
        m = fac.recv(timeout=2)
        if m and m["t"] == "tick":
            last = m
    dsim, dwall = last["sim"] - first["sim"], last["wall"] - first["wall"]
    rate = dsim / dwall
    print(f"     {dsim:.1f} simulated seconds in {dwall:.2f} wall seconds: {rate:.3f}x (target {SPEED}x)")
    check(dwall > 19, "the clock ran for 20 wall seconds")
    check(abs(rate - SPEED) / SPEED < 0.02, f"pacing within 2% of {SPEED}x ({rate:.3f}x)")

    # Pause holds the clock.
    fac.send({"t": "control", "op": "pause"})
    p = fac.until(lambda m: m["t"] == "tick" and m["paused"])
    t0 = time.monotonic()
    q = p
    while time.monotonic() - t0 < 2:
        m = fac.recv(timeout=0.5)
        if m and m["t"] == "tick":
            q = m
    check(q["paused"] and abs(q["sim"] - p["sim"]) < 0.01, "paused: the simulated clock holds")

    # A new speed, then resume: 5 wall seconds at 120x.
    fac.send({"t": "control", "op": "speed", "value": 120})
    fac.send({"t": "control", "op": "resume"})
    a = fac.until(lambda m: m["t"] == "tick" and not m["paused"])
    check(a["speed"] == 120, "the speed changed to 120x")
    b = a
    t0 = time.monotonic()
    while time.monotonic() - t0 < 5:
        m = fac.recv(timeout=2)
        if m and m["t"] == "tick":
            b = m
    rate = (b["sim"] - a["sim"]) / (b["wall"] - a["wall"])
    check(abs(rate - 120) / 120 < 0.03, f"after the change, {rate:.2f}x")

    # Skip: the clock jumps until something people can see happens.
    fac.send({"t": "control", "op": "pause"})
    fac.until(lambda m: m["t"] == "tick" and m["paused"])
    before = fac.until(ticks)["sim"]
    fac.send({"t": "control", "op": "skip"})
    seen = fac.until(lambda m: m["t"] in ("timeline", "alert", "page") and m["sim"] > before + 1, timeout=30)
    check(seen["sim"] > before, f"skip ran ahead to {seen['clock']} ({seen['t']})")

    # Players cannot control the drill.
    pl = WS(gd.url)
    pw = pl.until(lambda m: m["t"] == "welcome")
    check(not pw["you"]["facilitator"] and pw["injects"] == [] and pw["hints"] == [],
          "a player is no facilitator and sees no injects or hints")
    pl.send({"t": "control", "op": "resume"})
    r = pl.until(lambda m: m["t"] == "reply")
    check(not r["ok"] and "facilitator" in r["text"], "a player's control is refused")
finally:
    gd.stop()

print(f"gameday_pacing: {failures} failure(s)")
sys.exit(1 if failures else 0)
