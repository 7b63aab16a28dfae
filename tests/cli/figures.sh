#!/bin/sh
# figures.sh: the run's figures mean what docs/outputs.md says.
#
#   sh tests/cli/figures.sh path/to/firedrill      (from the repository root)
#
#   - the per-interval attempt_availability of metrics.csv is at most 1
#     (answered ok over answered, not completions over arrivals);
#   - the summary's attempt_availability does not count the attempts still
#     in flight when the run ends as failures;
#   - the baseline rate of an incident that starts in the first interval
#     is the traffic the topology describes, not the incident's;
#   - latency{} with the same value again writes no new fault line;
#   - expect.mitigated_within and expect.availability{ over = "incident" }.
set -u

fd=${1:?usage: sh tests/cli/figures.sh path/to/firedrill}
case $fd in /*) ;; *) fd=$(pwd)/$fd ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/fd-figures.XXXXXX") || { echo "figures.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

fails=0
checks=0
fail() {
  echo "figures.sh: FAIL: $*" >&2
  fails=$((fails + 1))
}
# py 'python expression over s (summary.json) and rows (metrics.csv)' MESSAGE
py() {
  checks=$((checks + 1))
  python3 - "$dir/out" "$1" <<'EOF' || fail "$2"
import csv, json, sys
out, expr = sys.argv[1], sys.argv[2]
s = json.load(open(out + "/summary.json"))
rows = list(csv.DictReader(open(out + "/metrics.csv")))
events = [json.loads(l) for l in open(out + "/events.jsonl")]
ok = eval(expr)
if not ok:
    print("  false: " + expr, file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}
run() {
  rm -rf "$dir/out"
  "$fd" run "$dir/$1" --out "$dir/out" >"$dir/stdout" 2>"$dir/stderr"
  rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq "$2" ] || { fail "run $1 exited $rc, want $2"; sed 's/^/    /' "$dir/stderr" >&2; }
}

cat >"$dir/topology.yaml" <<'EOF'
regions: [east]
services:
  api:
    deploy: { east: 4 }
    service_time: 10ms
    calls:
      - to: db
  db:
    deploy: { east: 2 }
    service_time: 5ms
sources:
  app: { entry: api, rate: 100/s, regions: { east: 100% } }
EOF

# db hangs for a minute: when it answers again, the queued attempts of
# many intervals complete in one, more than arrive in it.
cat >"$dir/hang.lua" <<'EOF'
scenario { name = "hang", topology = "topology.yaml", duration = "10m" }
at("+2m", function() hang { service = "db" } end)
at("+3m", function() unhang { service = "db" } end)
latency { service = "api", add = "5ms" }
latency { service = "api", add = "5ms" }
at("+1m", function() latency { service = "api", add = "5ms" } end)
expect.mitigated_within("5m")
expect.availability { entry = "app", min = 0.5, over = "incident" }
EOF
run hang.lua 1
py 'all(float(r["value"]) <= 1 for r in rows if r["metric"] == "attempt_availability")' \
   "a per-interval attempt_availability above 1"
py 'any(float(r["value"]) < 1 for r in rows if r["metric"] == "attempt_availability")' \
   "the hang shows in no interval's attempt_availability"
py 'sum(1 for e in events if e["kind"] == "fault" and "extra latency" in e["text"]) == 1' \
   "latency{} with the same value wrote more than one fault line"
py 's["entries"][0]["incident_availability"] < s["entries"][0]["availability"]' \
   "the incident window's availability is not below the whole run's"
py '[x["ok"] for x in s["expectations"]] == [True, False]' \
   "mitigated_within passes and availability over the incident fails"
py 's["expectations"][0]["name"] == "mitigated within 5m"' "mitigated_within's name"

# api slows down for the last 5 seconds: the attempts in flight at the end
# are neither answered nor failed, and do not count.
cat >"$dir/tail.lua" <<'EOF'
scenario { name = "tail", topology = "topology.yaml", duration = "5m" }
at("+295s", function() latency { service = "api", add = "8s" } end)
EOF
run tail.lua 0
total() { echo "sum(float(r['value']) for r in rows if r['service'] == 'entry:app' and r['metric'] == '$1')"; }
py "$(total attempts) > $(total attempts_ok) + $(total attempts_failed) + 100" \
   "no attempts in flight at the end"
py "abs(s['entries'][0]['attempt_availability'] - $(total attempts_ok) / ($(total attempts_ok) + $(total attempts_failed))) < 1e-5" \
   "the summary's attempt_availability is not ok over answered"

# The incident starts in the first interval: the baseline is the 100/s
# the topology describes (a healthy system's one attempt per intent), not
# the retried traffic of the incident.
cat >"$dir/first.lua" <<'EOF'
scenario { name = "first", topology = "topology.yaml", duration = "5m" }
client { source = "app", retries = 3 }
errors { service = "db", rate = 0.5 }
at("+2m", function() errors { service = "db", rate = 0 } end)
EOF
run first.lua 0
py 's["incident"]["start"]["t"] == 0' "the incident does not start in the first interval"
py 'abs(s["entries"][0]["baseline_rate"] - 100) < 1e-6' "baseline is not the topology's rate"
py 's["entries"][0]["peak_attempts_to_baseline"] > 1.3' "the retries' peak does not show against the baseline"
# Users' traffic leaves the automatic retries out: no users' surge here.
py 's["entries"][0]["peak_to_baseline"] < 1.2' "users' traffic counts the clients' automatic retries"

# db slows down for good: the timeline says when app falls below its
# objective, and the end says what still fails and why; api's capacity
# counts the time its workers wait on db.
cat >"$dir/slow.lua" <<'EOF'
scenario { name = "slow", topology = "topology.yaml", duration = "6m" }
at("+2m", function() latency { service = "db", add = "400ms" } end)
EOF
run slow.lua 0
py 'any(e["kind"] == "health" and e["text"].startswith("app is below its objective: ") for e in events)' \
   "no line when app falls below its objective"
py 'any(e["text"].startswith("not mitigated at the end: app answers ") for e in events)' \
   "an unmitigated end does not say which entry point still fails"
py 'any(e["text"].startswith("still failing at the end: ") and ": " in e["text"][26:] for e in events)' \
   "an unmitigated end does not say what still fails and why"
cap() { echo "[float(r['value']) for r in rows if r['service'] == 'api' and r['metric'] == 'capacity' and r['t'] == '$1'][0]"; }
py "$(cap 60) > 4 * $(cap 300)" "api's capacity does not count the time its workers wait on db"
"$fd" check "$dir/topology.yaml" >"$dir/out/check.txt" 2>/dev/null
py "abs(float(open(out + '/check.txt').read().split('api/east')[1].split()[2].rstrip('/s')) / $(cap 60) - 1) < 0.1" \
   "check's capacity for api/east does not agree with the run's in steady state"

if [ "$fails" -ne 0 ]; then
  echo "figures.sh: $fails of $checks checks failed" >&2
  exit 1
fi
echo "figures.sh: all $checks checks passed"
