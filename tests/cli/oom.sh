#!/bin/sh
# Out-of-memory injection, after SQLite's malloc-failure tests: the test
# build firedrill-faults fails the Nth allocation (FIREDRILL_FAIL_ALLOC=N,
# tests/faults/fail_alloc.c). For the topology loader and checks, a
# scenario's top level and a short run, every N is tried (the run's above
# its first 300 on a stride): each must end with exit 3 and "out of memory",
# or recover and succeed; never a crash (under `make asan`, never a leak).
# Usage: sh tests/cli/oom.sh path/to/firedrill path/to/firedrill-faults
set -u
FDT=${2:-$(dirname "$1")/firedrill-faults}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

cat >"$T/topology.yaml" <<'YAML'
regions: [east]
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms,
         calls: [ { to: db, timeout: 500ms } ] }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
sources:
  users: { entry: web, rate: 20/s }
YAML
cat >"$T/s.lua" <<'LUA'
scenario { name = "t", topology = "topology.yaml", duration = "3m" }
alert { name = "a", service = "web", when = "error_rate > 5%" }
after("1m", function() crash { service = "web" } note("crashed") end)
after("2m", function() restart { service = "web" } end)
local floor = param("floor", 0.5)
expect.that("web mostly up", function(sum) return sum.entries.users.availability > floor, "ok" end)
expect.recovered_within("5m")
LUA

# Under the sanitizers (make asan) each run costs ten times as much: a
# sparser sweep there, the full one in the plain build.
step=1
far=37
if [ -n "${FD_SANITIZED:-}" ]; then step=4; far=149; fi

# sweep NAME STRIDE_FROM -- ARGS: runs ARGS with every N up to the count
# of allocations (every $far-th past STRIDE_FROM, and every one again in
# the last 100, where the end of a run builds its summary).
sweep() {
  name=$1; from=$2; shift 3
  total=$(FIREDRILL_FAIL_ALLOC=999999999 "$FDT" "$@" 2>&1 >/dev/null |
          sed -n 's/^fail_alloc: \([0-9]*\) allocations$/\1/p')
  [ -n "$total" ] && [ "$total" -gt 10 ] && ok || { bad "$name: no allocation count"; return; }
  n=1
  while [ "$n" -le "$total" ]; do
    FIREDRILL_FAIL_ALLOC=$n "$FDT" "$@" >"$T/out" 2>&1
    rc=$?
    case $rc in
      3) if grep -q "out of memory\|Cannot allocate memory" "$T/out"; then ok
         else bad "$name, allocation $n: exit 3 without saying out of memory"; fi ;;
      0|1) ok ;;   # recovered
      *) bad "$name, allocation $n: exit $rc"; sed 's/^/  | /' "$T/out" | head -5 >&2 ;;
    esac
    if [ "$n" -lt "$from" ] || [ "$n" -ge $((total - 100)) ]; then n=$((n + step))
    else n=$((n + far)); fi
  done
}

sweep check-topology 100000 -- check "$T/topology.yaml"
sweep check-scenario 300 -- check "$T/s.lua"
sweep run 300 -- run "$T/s.lua" --quiet --param floor=0.4

echo "oom: $pass passed, $fail failed"
[ "$fail" = 0 ]
