#!/bin/sh
# `firedrill debrief DIR`: a game day's played run against the scenario's
# reference response. The live run is not needed: each fixture is what a
# session leaves, made by hand: `firedrill run --out DIR` of a scenario
# whose team acts at fixed times (fast, slow, never), plus a session.jsonl
# whose header points at the reference scenario.
# Usage: sh tests/cli/debrief.sh path/to/firedrill (from the repo root).
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"

# The bad-configuration pattern, with a population so that customers count.
sed 's/^    entry: api$/    entry: api\n    customers: 200000/' \
  scenarios/patterns/bad-config-push/topology.yaml >"$T/topology.yaml"
grep -q 'customers: 200000' "$T/topology.yaml" || bad "fixture: no population in the topology"

head='local patterns = require("firedrill.patterns")
local playbooks = require("firedrill.playbooks")
scenario { name = "debrief drill", topology = "topology.yaml", start = "2024-04-08 10:00 +08:00", duration = "1h" }
team { name = "api", skills = { "api", "routing" }, oncall = 2, ack = "2m", diagnose = "10m" }
alert { name = "api-5xx", service = "api", when = "error_rate > 5%", hold = "2m" }
patterns.bad_config_push { service = "api", item = "routing", version = "v2", at = "10:05",
  gray = { 0.5, 1.0 }, every = "10m", halt_on = { error_rate = 0.05 } }
expect.recovered_within("45m")'
# The reference: the scenario's own playbook, with a notice after 5 minutes.
printf '%s\n%s\n' "$head" 'on_alert("api-5xx", function()
  page("api")
  act { team = "api", takes = "5m", what = "write the notice" }
  status_page { text = "API errors; investigating" }
  playbooks.rollback_then_repair { service = "api", item = "routing", team = "api", verify = "8m" }
end)' >"$T/ref.lua"
# Fast: a notice at once, straight to the data repair.
fast='on_alert("api-5xx", function()
  page("api")
  status_page { text = "API errors; investigating", state = "STATE" }
  act { team = "api", takes = "3m", what = "repair the routing data" }
  repair_config("routing")
end)'
printf '%s\n%s\n' "$head" "$fast" | sed 's/STATE/investigating/' >"$T/fast.lua"
# Wrong: as fast, but the notice says all is well.
printf '%s\n%s\n' "$head" "$fast" | sed 's/STATE/operational/' >"$T/wrong.lua"
# Slow: a quarter of an hour looking around, then the notice and the playbook.
printf '%s\n%s\n' "$head" 'on_alert("api-5xx", function()
  page("api")
  act { team = "api", takes = "15m", what = "look around" }
  status_page { text = "API errors; investigating" }
  playbooks.rollback_then_repair { service = "api", item = "routing", team = "api", verify = "8m" }
end)' >"$T/slow.lua"
# Never: paged, nothing done.
printf '%s\n%s\n' "$head" 'on_alert("api-5xx", function() page("api") end)' >"$T/never.lua"

digest=$(sha256sum "$T/ref.lua" | cut -d' ' -f1)
# session DIR PLAYER DIGEST T1 T2: the journal of a session with two
# commands (at T1 and T2 seconds) and a refused one.
session() {
  cat >"$1/session.jsonl" <<EOF
{"t":"session","version":1,"scenario":"$T/ref.lua","seed":1,"params":[],"play":["api"],"digests":{"scenario":"$3"},"started":"2026-12-04T18:00:00Z","speed":9}
{"t":"join","sim":0,"player":"$2","team":"api"}
{"t":"cmd","sim":$4,"ns":${4}000000000,"player":"$2","team":"api","line":"inspect api","lua":"inspect { service = \"api\" }","ok":true}
{"t":"cmd","sim":$5,"ns":${5}000000000,"player":"$2","team":"api","line":"repair routing","lua":"repair_config(\"routing\")","ok":true}
{"t":"cmd","sim":$5,"ns":${5}000000000,"player":"$2","team":"api","line":"frobnicate <api>","lua":"","ok":false}
{"t":"control","sim":3000,"ns":3000000000000,"player":"facilitator","op":"pause"}
{"t":"end","sim":3600,"ns":3600000000000,"why":"time"}
EOF
}
for k in fast wrong slow never; do
  "$FD" run "$T/$k.lua" --out "$T/$k" --quiet >"$T/out" 2>&1
  [ -s "$T/$k/summary.json" ] || { bad "fixture: run $k wrote no summary"; show "$T/out"; }
done
session "$T/fast" alice "$digest" 450 600
session "$T/wrong" dave "$digest" 450 600
session "$T/slow" bob "$digest" 1500 2400
session "$T/never" carol "$digest" 2000 2100

for k in fast wrong slow never; do
  if "$FD" debrief "$T/$k" --seeds 6 >"$T/$k.out" 2>&1; then ok; else bad "debrief $k: exit $?"; show "$T/$k.out"; fi
done
grep -q '^score ' "$T/fast.out" && grep -q 'faster than' "$T/fast.out" && ok || bad "debrief prints no score"

# debrief.json: the score adds up, the faster team scores higher, the
# percentile is there, no NaN anywhere.
python3 - "$T" <<'PY' >"$T/py.out" 2>&1 && ok || { bad "debrief.json checks"; show "$T/py.out"; }
import json, sys
T = sys.argv[1]
d = {k: json.load(open(f"{T}/{k}/debrief.json")) for k in ("fast", "wrong", "slow", "never")}
for k, v in d.items():
    lines = v["score"]["lines"]
    assert [l["name"] for l in lines] == ["recovery", "mitigation", "response", "customers",
                                          "expectations", "communication"], k
    assert sum(l["max"] for l in lines) == 100, k
    s = sum(l["points"] for l in lines)
    assert abs(s - v["score"]["total"]) < 0.005, (k, s, v["score"]["total"])
    for l in lines:
        assert 0 <= l["points"] <= l["max"], (k, l)
        assert l["measured"] and l["reference"] and l["rule"], (k, l)
    p = v["percentile"]
    assert p["runs"] == 6 and 0 <= p["faster_than"] <= 1 and p["longer"] == round(p["faster_than"] * 6), (k, p)
    assert len(v["distribution"]["outage_s"]) == 6, k
    assert v["reference_seeds"] == {"first": 1, "count": 6}, k
    assert v["digest"] == "matches", k
    assert len(v["commands"]) == 3 and v["commands"][2]["ok"] is False, k
    for side in ("team", "reference"):
        e = v[side]["entries"][0]
        assert abs(e["error_budget_burned"] - (1 - e["availability"]) / (1 - e["slo"])) < 1e-5, (k, e)
    # Each line follows the documented rule from the figures beside it.
    def falling(mx, x, ref, floor, rounded=True):
        if x is None: return 0.0
        r = max(ref if ref is not None else 3600, floor)   # the run's length (1h) stands in
        p = mx / (1 + 0.5 * (x / r) ** 2)
        return round(p, 2) if rounded else p
    t, dist = v["team"], v["distribution"]
    cm = t["communication"]
    if cm is None or cm["notice_s"] is None:
        comms = 0.0
    else:
        outage = t["outage_s"] if t["outage_s"] is not None else 3600 - t["incident"]["start"]
        wrong = min(1, cm["misinformed_s"] / outage)
        comms = round(falling(15, cm["notice_s"], dist["median_notice_s"], 60, False) * (1 - wrong), 2)
    want = [falling(25, t["outage_s"], dist["median_outage_s"], 60),
            falling(20, t["mitigate_s"], dist["median_mitigate_s"], 60),
            falling(15, t["response_s"], dist["median_response_s"], 60),
            falling(15, t["customers_affected"], dist["median_customers_affected"], 1),
            round(10 * t["expectations"]["held"] / t["expectations"]["declared"], 2),
            comms]
    got = [l["points"] for l in lines]
    assert all(abs(a - b) < 0.011 for a, b in zip(want, got)), (k, want, got)
f, w, s, n = d["fast"], d["wrong"], d["slow"], d["never"]
# Communication: page() waits for the acknowledgement (2 minutes); then the
# reference posts after 5 minutes more, the fast team at once, the slow one
# after 15 minutes, the never team not at all;
# an all-clear read during the outage takes its share off the line.
comm = {k: d[k]["score"]["lines"][5]["points"] for k in d}
assert f["team"]["communication"]["notice_s"] == 120.0, f["team"]["communication"]
assert f["team"]["communication"]["misinformed_s"] == 0.0, f["team"]["communication"]
assert 400 <= f["distribution"]["median_notice_s"] <= 460, f["distribution"]["median_notice_s"]
assert s["team"]["communication"]["notice_s"] > f["distribution"]["median_notice_s"], s["team"]
assert n["team"]["communication"] is None and comm["never"] == 0, (n["team"], comm)
# The all-clear was read from its post to the recovery (to an interval).
wi = w["team"]["incident"]
left = wi["recovered"] - (wi["detected"] + w["team"]["communication"]["notice_s"])
assert abs(w["team"]["communication"]["misinformed_s"] - left) <= 20, (left, w["team"])
assert comm["fast"] > comm["slow"] > comm["never"] == 0 and comm["fast"] > comm["wrong"] > 0, comm
assert f["score"]["total"] > s["score"]["total"] > n["score"]["total"], (f["score"]["total"], s["score"]["total"], n["score"]["total"])
assert f["team"]["outage_s"] < s["team"]["outage_s"], "fixtures: fast is not faster"
assert f["percentile"]["faster_than"] > s["percentile"]["faster_than"], "percentile"
assert f["team"]["response_s"] == 30.0, f["team"]["response_s"]    # page 10:07:00, first command 10:07:30
assert f["team"]["customers_affected"] < s["team"]["customers_affected"], "customers"
# Never recovered: ranked last, nothing for recovery or mitigation, and no NaN.
assert n["team"]["outage_s"] is None and n["percentile"]["faster_than"] == 0, n["percentile"]
assert n["score"]["lines"][0]["points"] == 0 and n["score"]["lines"][1]["points"] == 0
# The schema holds each, and refuses a damaged copy.
import copy, jsonschema
v = jsonschema.Draft202012Validator(json.load(open("docs/schemas/debrief.schema.json")))
for k in d:
    errs = list(v.iter_errors(d[k]))
    assert not errs, (k, errs[0].message, list(errs[0].absolute_path))
broken = copy.deepcopy(f)
del broken["score"]["lines"][0]["rule"]
assert list(v.iter_errors(broken)), "the schema accepts a score line without its rule"
for k in d:
    assert "NaN" not in open(f"{T}/{k}/debrief.json").read() and "Infinity" not in open(f"{T}/{k}/debrief.json").read()
PY

# report.html: the Debrief section first, the commands on the charts.
h="$T/fast/report.html"
grep -q '<section id="debrief">' "$h" && ok || bad "report.html: no Debrief section"
[ "$(grep -n '<section id="debrief">' "$h" | cut -d: -f1)" -lt "$(grep -n 'id="incident-clock"' "$h" | cut -d: -f1)" ] &&
  ok || bad "report.html: the Debrief section is not at the top"
grep -q 'id="debrief-distribution"' "$h" && ok || bad "report.html: no distribution plot"
grep -q '<code>repair routing</code>' "$h" && ok || bad "report.html: the timeline lacks the command"
grep -q 'frobnicate &lt;api&gt;' "$h" && ok || bad "report.html: the refused command is missing or unescaped"
[ "$(grep -c '<g class="cmdmark"><title>[0-9:]* alice: repair routing' "$h")" -ge 3 ] && ok ||
  bad "report.html: command markers with the player's name on the charts"
grep -q 'Error budget burned = (1 - availability) / (1 - SLO)' "$h" && ok || bad "report.html: budget formula"
grep -q '<th class="num">[0-9.]* / 100</th>' "$h" && ok || bad "report.html: score total"

# The same DIR gives the same bytes, whether the seeds run here or in workers.
cp "$T/fast/debrief.json" "$T/d1.json"
"$FD" debrief "$T/fast" --seeds 6 --jobs 1 >/dev/null 2>&1
cmp -s "$T/fast/debrief.json" "$T/d1.json" && ok || bad "debrief.json differs between --jobs 1 and workers"

# Bad input: exit 2 naming the file and line; outputs untouched.
cp -r "$T/fast" "$T/bad"
cp "$T/bad/report.html" "$T/report.before"
sed -i '4s/.*/{"t":"cmd","sim":12,/' "$T/bad/session.jsonl"
"$FD" debrief "$T/bad" --seeds 2 >"$T/out" 2>&1
rc=$?
[ "$rc" = 2 ] && ok || bad "malformed line: exit $rc, wanted 2"
grep -q "bad/session.jsonl:4" "$T/out" && ok || { bad "malformed line: not named file:line"; show "$T/out"; }
cmp -s "$T/bad/report.html" "$T/report.before" && ok || bad "a failed debrief changed report.html"
sed -i '4s/.*/{"t":"cmd","sim":12,"player":"x"}/' "$T/bad/session.jsonl"
"$FD" debrief "$T/bad" --seeds 2 >"$T/out" 2>&1
[ $? = 2 ] && grep -q "session.jsonl:4: error: a cmd line needs" "$T/out" && ok || { bad "cmd without fields"; show "$T/out"; }
sed -i '1s/"seed":1,//' "$T/bad/session.jsonl"
"$FD" debrief "$T/bad" --seeds 2 >"$T/out" 2>&1
[ $? = 2 ] && grep -q "session.jsonl:1: error: the session header needs \"seed\"" "$T/out" && ok || { bad "header without seed"; show "$T/out"; }
rm "$T/bad/session.jsonl"
"$FD" debrief "$T/bad" --seeds 2 >"$T/out" 2>&1
[ $? = 2 ] && grep -q "bad/session.jsonl: error: cannot read the session journal" "$T/out" && ok || { bad "no session.jsonl"; show "$T/out"; }
"$FD" debrief "$T/nowhere" >"$T/out" 2>&1
[ $? = 2 ] && ok || bad "a missing DIR: not exit 2"
"$FD" debrief "$T/fast" --seeds 0 >"$T/out" 2>&1
[ $? = 2 ] && ok || bad "--seeds 0: not exit 2"

# A scenario changed since the session: a warning, not a failure.
cp -r "$T/fast" "$T/changed"
sed -i "1s/$digest/0000000000000000000000000000000000000000000000000000000000000000/" "$T/changed/session.jsonl"
"$FD" debrief "$T/changed" --seeds 2 >"$T/out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "warning: the scenario changed since the session" "$T/out" && ok ||
  { bad "digest mismatch: exit $rc or no warning"; show "$T/out"; }
grep -q '"digest": "differs"' "$T/changed/debrief.json" && ok || bad "digest mismatch not in debrief.json"

# `firedrill report` on a game day's folder says how to get the Debrief back.
"$FD" report "$T/fast" >"$T/out" 2>&1
grep -q "is a game day; \`firedrill debrief" "$T/out" && ok || { bad "report: no note on a game day"; show "$T/out"; }

for k in fast wrong slow never; do sed -n 1p "$T/$k.out"; done
finish debrief
