#!/usr/bin/python3
"""gameday_browser.py FIREDRILL SCENARIO WORK: a game day played in a real browser.

Headless Chromium, driven by Selenium through Debian's chromium-driver,
plays the Tencent replay: the facilitator (who also plays the api team)
opens the dashboard with the token, starts the clock, sees the alert
arrive, acknowledges the page, runs inspect, rollback and repair_config,
pauses and resumes, changes the speed; a second browser joins as another
player of the api team and sees the first one's commands; the drill runs
to its end and the debrief lists the commands. Then the session replays
byte-identical, and its exported playbook runs through `firedrill run`
with the same incident clock and through `firedrill batch`.
"""
import filecmp
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fdws import Gameday  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

fd, scenario, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
out = os.path.join(work, "session")
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


def browser():
    o = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1600,1000"):
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def wait_for(d, fn, timeout=60, what="a condition"):
    try:
        # An element that re-renders while fn reads it is read again.
        return WebDriverWait(d, timeout, poll_frequency=0.2,
                             ignored_exceptions=(StaleElementReferenceException,)).until(lambda drv: fn(drv))
    except Exception:
        print(f"     (timed out waiting for {what})")
        return None


def join(d, url, name, team):
    d.get(url)
    wait_for(d, lambda x: x.find_element(By.ID, "join-name").is_displayed(), what="the join form")
    d.find_element(By.ID, "join-name").send_keys(name)
    wait_for(d, lambda x: x.find_elements(By.CSS_SELECTOR, f'#join-team option[value="{team}"]'), 30,
             "the teams from the welcome")
    Select(d.find_element(By.ID, "join-team")).select_by_value(team)
    d.find_element(By.ID, "join-go").click()


def command(d, line, expect, timeout=120):
    """Types a command and waits for its reply; returns the reply's text."""
    n = len(d.find_elements(By.CSS_SELECTOR, "#replies .reply"))
    box = d.find_element(By.ID, "cmd")
    box.send_keys(line)
    box.send_keys(Keys.ENTER)
    def reply(x):
        els = x.find_elements(By.CSS_SELECTOR, "#replies .reply")
        return els[-1].text or " " if len(els) > n else None
    text = (wait_for(d, reply, timeout, f"the reply to {line!r}") or "").strip()
    check(expect in text, f"{line!r} answered: {text.splitlines()[0] if text else '(nothing)'}")
    return text


def click(d, css, what):
    """Clicks the first element matching css; the lists re-render as
    messages come, so an element found a moment ago may be gone: find it
    again until the click lands."""
    def once(x):
        try:
            els = x.find_elements(By.CSS_SELECTOR, css)
            if els:
                els[0].click()
                return True
        except StaleElementReferenceException:
            pass
        return None
    return wait_for(d, once, 20, what) is not None


def clock(d):
    return d.find_element(By.ID, "clock").text


def fac_speed(d, v):
    f = d.find_element(By.ID, "fac-speed")
    f.click()                       # focused, ticks leave the field alone
    f.send_keys(Keys.CONTROL, "a")
    f.send_keys(str(v))
    d.find_element(By.ID, "fac-speed-set").click()
    wait_for(d, lambda x: x.find_element(By.ID, "speed").text.startswith(str(v)), 10, f"speed {v}x")


gd = Gameday([fd, "gameday", scenario, "--out", out, "--port", "0", "--speed", "60", "--play", "api",
              "--debrief-seeds", "6"])
a = b = None
try:
    a = browser()
    join(a, gd.fac, "alice", "api")
    check(wait_for(a, lambda x: x.find_element(By.ID, "fac").is_displayed(), what="the facilitator bar") is not None,
          "the facilitator sees the controls")
    check(wait_for(a, lambda x: x.find_element(By.ID, "conn").text == "connected", what="connected") is not None,
          "the dashboard is connected")
    b = browser()
    join(b, gd.url, "bob", "api")
    check(not b.find_element(By.ID, "fac").is_displayed(), "a player sees no facilitator controls")
    wait_for(a, lambda x: "bob" in x.find_element(By.ID, "players").text, 20, "bob in the player list")
    check("bob" in a.find_element(By.ID, "players").text, "the facilitator sees bob join")

    # Start the clock; the alert arrives around 15:23.
    a.find_element(By.ID, "fac-resume").click()
    fac_speed(a, 120)
    alert = wait_for(a, lambda x: x.find_elements(By.CSS_SELECTOR, '#alerts .alert[data-name="api-5xx"]'),
                     120, "the api-5xx alert")
    check(bool(alert), f"the api-5xx alert arrives (clock {clock(a)})")
    ackb = wait_for(a, lambda x: x.find_elements(By.CSS_SELECTOR, "#pages .page button.ack"), 60, "the page")
    check(bool(ackb), "the page to api can be acknowledged")
    fac_speed(a, 60)
    if ackb:
        check(click(a, "#pages .page button.ack", "the ack button"), "the ack button is clicked")
        acked = wait_for(a, lambda x: not x.find_elements(By.CSS_SELECTOR, "#pages .page button.ack"), 60,
                         "the acknowledgement")
        check(acked is not None, "the page is acknowledged")

    command(a, "inspect cloud-api", "region")
    command(a, "rollback cloud-api", "")
    # Pause and resume: the clock holds while paused.
    a.find_element(By.ID, "fac-pause").click()
    wait_for(a, lambda x: x.find_element(By.ID, "paused").is_displayed(), 20, "PAUSED")
    c1 = clock(a)
    time.sleep(2)
    check(a.find_element(By.ID, "paused").is_displayed() and clock(a) == c1, f"paused: the clock holds at {c1}")
    a.find_element(By.ID, "fac-resume").click()
    wait_for(a, lambda x: not x.find_element(By.ID, "paused").is_displayed(), 20, "resumed")
    found = command(a, "diagnose api-config", "bad data")
    command(a, "repair_config api-config", "")
    command(a, "page platform cloud-api does not come back in shanghai", "done")
    # Bob posts a notice from the status page's form; everyone reads it.
    Select(b.find_element(By.ID, "status-state")).select_by_value("identified")
    b.find_element(By.ID, "status-text").send_keys("Root cause found; repairing the configuration")
    b.find_element(By.CSS_SELECTOR, "#status-form button").click()
    posted = wait_for(a, lambda x: "Root cause found" in x.find_element(By.ID, "status").text, 60,
                      "bob's notice on the status page")
    check(posted is not None, "bob's notice from the status page's form reaches alice's status page")
    check("identified" in a.find_element(By.ID, "status").text.lower(), "the notice shows its state")
    a.save_screenshot(os.path.join(work, "dashboard-mid.png"))

    # The second player sees the first one's commands.
    seen = wait_for(b, lambda x: [e for e in x.find_elements(By.CSS_SELECTOR, '#timeline .entry[data-kind="command"]')
                                  if "rollback cloud-api" in e.text], 30, "alice's rollback in bob's timeline")
    check(bool(seen), "bob sees alice's rollback in the timeline")

    # To the end, fast.
    fac_speed(a, 2000)
    end = wait_for(a, lambda x: x.find_element(By.ID, "end-banner").is_displayed(), 240, "the end")
    check(end is not None, "the drill ends and the dashboard says so")
    a.save_screenshot(os.path.join(work, "dashboard-end.png"))
    # The debrief runs the reference over 6 seeds in a process of its own;
    # slow under the sanitizers, so it is waited for before SIGTERM.
    check(gd.wait_output("The debrief is written", 600), "the debrief is written after the end")
finally:
    for d in (a, b):
        if d:
            d.quit()
    rc = gd.stop()

check(rc == 0, f"gameday exits 0 on SIGTERM after the end (got {rc})")
journal = [json.loads(x) for x in open(os.path.join(out, "session.jsonl"))]
cmds = [j for j in journal if j["t"] == "cmd"]
check(any(j["line"].startswith("rollback") and j["player"] == "alice" for j in cmds),
      f"the journal has alice's commands ({len(cmds)} commands)")
report = open(os.path.join(out, "report.html")).read()
check("Debrief" in report and "rollback cloud-api" in report and "repair_config api-config" in report,
      "report.html has the debrief with the commands")
check(os.path.exists(os.path.join(out, "debrief.json")), "debrief.json is written")
if os.path.exists(os.path.join(out, "debrief.json")):
    dj = json.load(open(os.path.join(out, "debrief.json")))
    comm = [l for l in dj["score"]["lines"] if l["name"] == "communication"]
    notices = (dj["team"]["communication"] or {}).get("notices", 0)
    check(comm and comm[0]["points"] > 0 and notices >= 1,
          f"the debrief scores the team's notice ({notices} notices, {comm and comm[0]['points']} points)")

# The session replays byte-identical.
rep = os.path.join(work, "replay")
pb = os.path.join(work, "december.lua")
r = subprocess.run([fd, "replay", out, "--out", rep, "--lua", pb], capture_output=True, text=True)
check(r.returncode == 0, "firedrill replay exits 0" + (": " + r.stderr if r.returncode else ""))
for f in ("events.jsonl", "summary.json", "metrics.csv"):
    same = os.path.exists(os.path.join(rep, f)) and filecmp.cmp(os.path.join(out, f), os.path.join(rep, f),
                                                                shallow=False)
    check(same, f"the replay's {f} is byte-identical")

# The playbook: the same incident clock through `run`; `batch` accepts it.
seed = str(journal[0]["seed"])
pbo = os.path.join(work, "playbook-run")
r = subprocess.run([fd, "run", pb, "--seed", seed, "--quiet", "--out", pbo], capture_output=True, text=True)
check(r.returncode in (0, 1), "firedrill run accepts the playbook" + (": " + r.stderr if r.returncode > 1 else ""))
if os.path.exists(os.path.join(pbo, "summary.json")):
    s1 = json.load(open(os.path.join(out, "summary.json")))["incident"]
    s2 = json.load(open(os.path.join(pbo, "summary.json")))["incident"]
    check(s1 == s2 and s1.get("recovered"), f"the playbook gives the session's incident clock "
          f"(recovered at {(s2.get('recovered') or {}).get('clock')})")
r = subprocess.run([fd, "batch", pb, "--seeds", "1..4", "--out", os.path.join(work, "pb-batch")],
                   capture_output=True, text=True)
check(r.returncode in (0, 1), "firedrill batch runs the playbook over 4 seeds" +
      (": " + r.stderr[-400:] if r.returncode > 1 else ""))
print(f"gameday_browser: {failures} failure(s)")
sys.exit(1 if failures else 0)
