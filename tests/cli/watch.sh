#!/bin/sh
# firedrill run --watch: a first run, a re-run after an edit with the
# summary difference ("PASS -> FAIL"), an error that is reported while the
# watch goes on, and a clean exit 0 on SIGINT. Bounded in time: every wait
# polls with a limit, and the watcher is killed if it outlives the test.
# Usage: sh tests/cli/watch.sh path/to/firedrill (from the repo root).
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"
# The watcher is killed with the scratch directory if it outlives the test.
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for COUNT PATTERN: waits up to ~10 s until PATTERN (a fixed string)
# occurs at least COUNT times in the output.
wait_for() {
  i=0
  while [ "$i" -lt 100 ]; do
    n=$(grep -cF -- "$2" "$T/out" 2>/dev/null || true)
    [ "${n:-0}" -ge "$1" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

mkdir -p "$T/s"
cat >"$T/s/topology.yaml" <<'YAML'
regions: [east]
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms,
         calls: [ { to: db, timeout: 500ms } ] }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
sources:
  users: { entry: web, rate: 50/s }
YAML
# write_scenario MIN RESTART: availability must reach MIN; db comes back at RESTART.
write_scenario() {
  cat >"$T/s/scenario.lua.new" <<LUA
scenario { name = "watched", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "20m" }
at("10:02", function() crash { service = "db" } end)
at("$2", function() restart { service = "db" } end)
expect.availability { entry = "users", min = $1 }
expect.recovered_within("30m")
LUA
  # Saved the way editors do: a new file renamed over the old one.
  mv "$T/s/scenario.lua.new" "$T/s/scenario.lua"
}
write_scenario 0.5 10:06

"$FD" run "$T/s" --watch --quiet >"$T/out" 2>&1 &
pid=$!

# --- the first run ---
if wait_for 1 "watching 1 folder for changes"; then ok; else bad "no first run"; show "$T/out"; exit 1; fi
if grep -qF "2 of 2 expectations hold" "$T/out"; then ok; else bad "first run: wanted 2 of 2"; show "$T/out"; fi

# --- an edit: the threshold flips its expectation, the fault time moves recovery ---
write_scenario 0.999 10:09
if wait_for 1 "changes since run 1:"; then ok; else bad "no re-run after the edit"; show "$T/out"; fi
wait_for 2 "watching 1 folder for changes" >/dev/null
if grep -qF "PASS -> FAIL  availability(users) >= 99.90%" "$T/out"; then ok; else bad "no 'PASS -> FAIL' line"; show "$T/out"; fi
if grep -q "^  recovered  *10:0[0-9:]* -> 10:[0-9:]* ([+-]" "$T/out"; then ok; else bad "no recovered line"; show "$T/out"; fi
if grep -qF "expectations  2 of 2 -> 1 of 2 hold" "$T/out"; then ok; else bad "no expectation count line"; show "$T/out"; fi
# A re-run prints what changed, not the whole report again: the moved
# restart as a timeline line gone and one new.
if [ "$(grep -c '^Expectations$' "$T/out")" = 1 ]; then ok; else bad "a re-run printed the report again"; show "$T/out"; fi
if grep -q '^  - 10:06  .*db' "$T/out" && grep -q '^  + 10:09  .*db' "$T/out"; then ok; else bad "no timeline changes"; show "$T/out"; fi

# --- a file that does not count (wrong suffix) leads to no run ---
echo hello >"$T/s/notes.txt"
sleep 0.6
if [ "$(grep -c '^=== firedrill: a file changed' "$T/out")" = 1 ]; then ok; else bad "notes.txt led to a run"; show "$T/out"; fi

# --- a Lua error: located, and the watch goes on ---
printf 'oops(\n' >>"$T/s/scenario.lua"
if wait_for 1 "stopped on the errors above"; then ok; else bad "no error run"; show "$T/out"; fi
if grep -qF "scenario.lua:7: error:" "$T/out"; then ok; else bad "error not located"; show "$T/out"; fi
write_scenario 0.5 10:06
if wait_for 1 "changes since run 2:"; then ok; else bad "no re-run after the fix"; show "$T/out"; fi
if grep -qF "FAIL -> PASS  availability(users) >= 50.00%" "$T/out"; then ok; else bad "no 'FAIL -> PASS' line"; show "$T/out"; fi
wait_for 4 "watching 1 folder for changes" >/dev/null

# --- SIGINT: exit 0 within a few seconds ---
kill -INT "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
  bad "still running 5 s after SIGINT"; show "$T/out"
else
  wait "$pid"
  rc=$?
  if [ "$rc" = 0 ]; then ok; else bad "exit $rc after SIGINT, wanted 0"; show "$T/out"; fi
fi
pid=

# --- a folder that does not exist: bad input, no watch ---
timeout 10 "$FD" run "$T/none" --watch >"$T/out" 2>&1
rc=$?
if [ "$rc" = 2 ]; then ok; else bad "missing folder: exit $rc, wanted 2"; show "$T/out"; fi

finish watch.sh
