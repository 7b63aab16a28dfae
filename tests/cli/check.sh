#!/bin/sh
# check.sh: `firedrill check` and `firedrill graph` end to end.
#
#   sh tests/cli/check.sh path/to/firedrill      (from the repository root)
#
# Writes small topologies to a temporary folder and asserts each command's
# exit code and the exact, located diagnostics (file:line:col), so that a
# change in where a finding points is caught as surely as a missing one.
# The DOT is rendered with graphviz's dot (in the test set of
# scripts/deps.sh), to prove it is valid.
set -u

fd=${1:?usage: sh tests/cli/check.sh path/to/firedrill}
case $fd in /*) ;; *) fd=$(pwd)/$fd ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/fd-check.XXXXXX") || { echo "check.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

fails=0
checks=0

fail() {
  echo "check.sh: FAIL: $*" >&2
  fails=$((fails + 1))
}

show() {
  sed "s/^/    $1: /" "$dir/$1" >&2
}

# expect RC ARGS...: runs firedrill ARGS, keeps stdout and stderr in
# $dir/out and $dir/err, and checks the exit code.
expect() {
  want=$1
  shift
  checks=$((checks + 1))
  "$fd" "$@" >"$dir/out" 2>"$dir/err"
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "firedrill $* exited $rc, want $want"
    show err
  fi
}

# has STREAM TEXT: the stream (out or err) has a line containing TEXT.
has() {
  checks=$((checks + 1))
  if ! grep -F -q -- "$2" "$dir/$1"; then
    fail "$1 lacks: $2"
    show "$1"
  fi
}

# lacks STREAM TEXT: no line contains TEXT.
lacks() {
  checks=$((checks + 1))
  if grep -F -q -- "$2" "$dir/$1"; then
    fail "$1 should not contain: $2"
    show "$1"
  fi
}

# ---- topologies -------------------------------------------------------------

# a -> b -> a: a request-path cycle, closed by b's call (line 12).
cat >"$dir/cycle.yaml" <<'EOF'
regions: [shanghai]
services:
  a:
    deploy: { shanghai: 2 }
    service_time: 10ms
    calls:
      - to: b
  b:
    deploy: { shanghai: 2 }
    service_time: 10ms
    calls:
      - to: a
sources:
  web: { entry: a, rate: 100/s, regions: { shanghai: 100% } }
EOF

# Tencent 2024-04-08 in miniature: the API runs on the container platform,
# which calls the API to schedule.
cat >"$dir/recovery.yaml" <<'EOF'
regions: [shanghai]
services:
  cloud-api:
    deploy: { shanghai: 2 }
    service_time: 10ms
    runs_on: tke
  tke:
    deploy: { shanghai: 2 }
    service_time: 5ms
    calls:
      - to: cloud-api
sources:
  console: { entry: cloud-api, rate: 100/s, regions: { shanghai: 100% } }
EOF

# The same with tke's call made optional: no deadlock.
sed 's/      - to: cloud-api/      - { to: cloud-api, critical: false }/' \
  "$dir/recovery.yaml" >"$dir/recovery-fixed.yaml"

# gateway holds a worker 5ms + 50% x 10ms = 10ms: 2 instances x 30 workers
# give 6000/s, 12000/s at autoscale max 4; console sends 2000/s.
cat >"$dir/surge.yaml" <<'EOF'
regions: [shanghai, beijing]
services:
  gateway:
    deploy: { shanghai: 2, beijing: 2 }
    concurrency: 30
    service_time: 5ms
    calls:
      - to: api
        probability: 50%
        retries: 3
    autoscale: { target: 60%, min: 2, max: 4 }
  api:
    deploy: { shanghai: 20, beijing: 20 }
    service_time: 10ms
sources:
  console: { entry: gateway, rate: 2000/s, regions: { shanghai: 100% } }
EOF

cat >"$dir/bad.yaml" <<'EOF'
regions: [shanghai]
services:
  a:
    deploy: { shanghai: 2 }
    service_time: 10ms
    calls:
      - to: a
        timout: 1s
sources:
  web: { entry: a, rate: 100/s }
EOF

cat >"$dir/routing.yaml" <<'EOF'
regions: [shanghai]
services:
  a:
    deploy: { shanghai: 4 }
    service_time: 10ms
    routing: least-outstanding
sources:
  web: { entry: a, rate: 100/s }
EOF

# ---- firedrill check ----------------------------------------------------------

expect 2 check
has err "firedrill check: expected a topology file"
expect 2 check "$dir/surge.yaml" --surge
expect 2 check "$dir/surge.yaml" --surge -3
has err "--surge needs a positive number"
expect 2 check "$dir/surge.yaml" --bogus
has err "unknown option '--bogus'"

expect 2 check "$dir/missing.yaml"
has err "$dir/missing.yaml"
has err "error:"

expect 2 check "$dir/bad.yaml"
has err "$dir/bad.yaml:8:9: error: unknown key 'timout' in a call"
lacks out "Blast radius"

expect 2 check "$dir/routing.yaml"
has err "$dir/routing.yaml:6:14: error: routing: 'least-outstanding' is not one of: round_robin, least_outstanding, random"
has err "$dir/routing.yaml:6:14: note: did you mean 'least_outstanding'?"

expect 2 check "$dir/cycle.yaml"
has err "$dir/cycle.yaml:12:9: error: request-path cycle: a -> b -> a"
has err "$dir/cycle.yaml:7:9: note: a calls b here"
has out "request path: a -> b -> a"

expect 0 check "$dir/recovery.yaml"
has err "$dir/recovery.yaml:11:9: warning: recovery-path cycle: cloud-api runs on tke, tke calls cloud-api: if cloud-api's instances crash, tke cannot reschedule them"
has err "$dir/recovery.yaml:6:14: note: cloud-api runs on tke here"
has out "Blast radius"
has out "0 errors, 1 warning"
expect 1 check "$dir/recovery.yaml" --strict
expect 0 check --strict "$dir/recovery-fixed.yaml"
lacks err "recovery-path cycle"

expect 0 check "$dir/surge.yaml"
lacks err "warning:"
has out "gateway/shanghai"
expect 0 check "$dir/surge.yaml" --strict
expect 0 check "$dir/surge.yaml" --surge 5 --strict
expect 0 check "$dir/surge.yaml" --surge 9
has err "$dir/surge.yaml:4:15: warning: console surge x9 needs 18000/s at gateway/shanghai; capacity 6000/s (autoscaling to 4 instances: 12000/s)"
has err "$dir/surge.yaml:4:15: note: capacity = 2 instances x 30 workers / 10ms per request"
has out "against a surge of x9"
expect 1 check "$dir/surge.yaml" --surge 9 --strict

# The bundled example loads and checks clean of errors.
if [ -f docs/topology-example.yaml ]; then
  expect 0 check docs/topology-example.yaml
  has err "recovery-path cycle: cloud-api runs on tke, tke calls cloud-api"
fi

# ---- a scenario: every call in the file, callbacks included -------------------

cat >"$dir/lint.yaml" <<'EOF'
regions: [east, west]
services:
  api:
    deploy: { east: 2, west: 2 }
    service_time: 10ms
    calls:
      - to: db
  db:
    deploy: { east: 2, west: 2 }
    service_time: 5ms
configs:
  routing: { store: db }
sources:
  app: { entry: api, rate: 100/s, regions: { east: 50%, west: 50% } }
EOF
# Each mistake sits inside a callback, where the top level never goes.
cat >"$dir/lint.lua" <<'EOF'
local patterns = require("firedrill.patterns")
local pb = require("firedrill.playbooks")
scenario { name = "lint", topology = "lint.yaml", duration = "30m" }
team { name = "api", skills = { "api", "dbb" } }
alert { name = "api-errors", service = "api", when = "error_rate > 10%" }
local function helper(x) return x end
at("+5m", function()
  latency { service = "api", ad = "300ms" }
  diagnose { component = "database", team = "api" }
  page("apii")
  helper(1)
  crsh { service = "api" }
  patterns.retry_strom { source = "app", factor = 2, lasts = "1m" }
  pb.scale_for_surge { service = "db", max = 4, team = "api", whenn = "x" }
  deploy { service = "api", version = "v2", config = { iten = "routing" } }
  shift_traffic { from = "east", to = { "west", "wset" } }
  local s = "api"
  crash { service = s, regon = "east" }
  string.format("%s", [[not a "call"]]) -- crash { servic = "x" } in a comment
  alert_firing("api-error")
  metric("api", "eror_rate")
  team { name = "late" }
  page("late")
  expect.availabilty { entry = "app", min = 0.5 }
end)
on_alert("api-errors", function(a)
  note(a.name)
  restart { service = "apii", manual = true, team = "api", takes = "5m" }
  expect.recovered_within("10m", { pass_rte = 1 })
end)
EOF
expect 2 check "$dir/lint.lua"
has err "$dir/lint.lua:4:40: warning: skill 'dbb' names no service, configuration item or team (did you mean 'db'?)"
has err "$dir/lint.lua:8:30: error: latency: unknown option 'ad' (did you mean 'add'?)"
has err "$dir/lint.lua:9:26: error: unknown component 'database'"
has err "$dir/lint.lua:10:8: error: unknown team 'apii' (did you mean 'api'?)"
has err "$dir/lint.lua:12:3: error: call of undefined function 'crsh' (did you mean 'crash'?)"
has err "$dir/lint.lua:13:3: error: unknown function 'patterns.retry_strom' (did you mean 'patterns.retry_storm'?)"
has err "$dir/lint.lua:14:63: error: playbooks.scale_for_surge: unknown option 'whenn' (did you mean 'when'?)"
has err "$dir/lint.lua:15:56: error: deploy.config: unknown option 'iten' (did you mean 'item'?)"
has err "$dir/lint.lua:16:49: error: unknown region 'wset' (did you mean 'west'?)"
has err "$dir/lint.lua:18:24: error: crash: unknown option 'regon' (did you mean 'region'?)"
has err "$dir/lint.lua:20:16: error: unknown alert 'api-error' (did you mean 'api-errors'?)"
has err "$dir/lint.lua:21:17: error: unknown metric 'eror_rate' (did you mean 'error_rate'?)"
has err "$dir/lint.lua:24:3: error: unknown function 'expect.availabilty' (did you mean 'expect.availability'?)"
has err "$dir/lint.lua:28:23: error: unknown service 'apii' (did you mean 'api'?)"
has err "$dir/lint.lua:29:36: error: expect.recovered_within: unknown option 'pass_rte' (did you mean 'pass_rate'?)"
has out "14 errors, 1 warning"
# Not findings: a team declared inside a callback, a local function, a
# variable's value, string.format, text inside strings and comments.
lacks err "'late'"
lacks err "helper"
lacks err "'servic'"
lacks err "'format'"

# The same file without its mistakes checks clean.
sed -e 's/ ad = / add = /; s/"database"/"db"/; s/"apii"/"api"/g; s/crsh/crash/; s/retry_strom/retry_storm/' \
    -e 's/whenn/when/; s/iten/item/; s/wset/west/; s/regon/region/; s/"api-error"/"api-errors"/' \
    -e 's/eror_rate/error_rate/; s/availabilty/availability/; s/pass_rte/pass_rate/; s/"dbb"/"db"/' \
    "$dir/lint.lua" >"$dir/lint-fixed.lua"
expect 0 check "$dir/lint-fixed.lua"
lacks err "error:"
lacks err "warning:"

# At run time, the library refuses unknown keys too, at the caller's line.
cat >"$dir/keys.lua" <<'EOF'
scenario { name = "keys", topology = "lint.yaml", duration = "5m" }
expect.availability { entry = "app", min = 0.5, pass_rat = 0.5 }
EOF
expect 2 run "$dir/keys.lua"
has err "keys.lua:2: error: expect.availability: unknown option 'pass_rat' (did you mean 'pass_rate'?)"
cat >"$dir/keys.lua" <<'EOF'
scenario { name = "keys", topology = "lint.yaml", duration = "5m" }
deploy { servce = "api", service = "api", version = "v2" }
EOF
expect 2 run "$dir/keys.lua"
has err "keys.lua:2: error: deploy: unknown option 'servce' (did you mean 'service'?)"
cat >"$dir/keys.lua" <<'EOF'
scenario { name = "keys", topology = "lint.yaml", duration = "5m" }
rollback { service = "api", batc = 2 }
EOF
expect 2 run "$dir/keys.lua"
has err "keys.lua:2: error: rollback: unknown option 'batc' (did you mean 'batch'?)"

# ---- firedrill graph ----------------------------------------------------------

expect 0 graph "$dir/cycle.yaml"
has out "digraph topology {"
has out '"b" -> "a" [label="1s", style="solid,bold", color=red'
has out '"source:web" -> "a";'
cp "$dir/out" "$dir/cycle.dot"

expect 0 graph "$dir/recovery.yaml"
has out '"cloud-api" -> "tke" [label="runs on", style="dotted,bold", color=orange'
has out '"tke" -> "cloud-api" [label="1s", style="solid,bold", color=orange'

expect 0 graph "$dir/cycle.yaml" -o "$dir/graph.dot"
checks=$((checks + 1))
if [ -s "$dir/out" ]; then fail "graph -o wrote to stdout"; fi
checks=$((checks + 1))
if ! cmp -s "$dir/graph.dot" "$dir/cycle.dot"; then fail "graph -o differs from stdout"; fi
checks=$((checks + 1))
for f in "$dir"/graph.dot.*; do
  [ -e "$f" ] && fail "temporary file left behind: $f"
done

# Errors in the file: nothing written, the old output kept.
expect 2 graph "$dir/bad.yaml" -o "$dir/graph.dot"
has err "$dir/bad.yaml:8:9: error: unknown key 'timout' in a call"
checks=$((checks + 1))
if ! cmp -s "$dir/graph.dot" "$dir/cycle.dot"; then fail "a failed graph run changed its output"; fi

expect 3 graph "$dir/cycle.yaml" -o "$dir/no-such-dir/graph.dot"
has err "no-such-dir/graph.dot"
expect 2 graph
expect 2 graph "$dir/cycle.yaml" -o

if command -v dot >/dev/null 2>&1; then
  checks=$((checks + 1))
  for f in cycle.dot graph.dot; do
    dot -Tsvg "$dir/$f" >/dev/null 2>"$dir/err" || { fail "dot rejects $f"; show err; }
  done
  if [ -f docs/topology-example.yaml ]; then
    expect 0 graph docs/topology-example.yaml
    dot -Tsvg "$dir/out" >/dev/null 2>"$dir/err" || { fail "dot rejects the example's graph"; show err; }
  fi
else
  # scripts/deps.sh installs graphviz with the test set: the docs pipe
  # `firedrill graph` into dot, so the suite renders what it emits.
  fail "graphviz (dot) is not installed: run sh scripts/deps.sh test"
fi

if [ "$fails" -ne 0 ]; then
  echo "check.sh: $fails of $checks checks failed" >&2
  exit 1
fi
echo "check.sh: all $checks checks passed"
