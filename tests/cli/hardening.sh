#!/bin/sh
# Hardening: a scenario is untrusted input. Files stay inside its folder,
# every run is bounded, and what it causes counts against its caps.
# Usage: sh tests/cli/hardening.sh path/to/firedrill (from the repo root).
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"

# expect CODE PATTERN -- args: runs firedrill, checks the exit code and that
# stderr+stdout contain PATTERN (a fixed string).
expect() {
  code=$1; pat=$2; shift 3
  "$FD" "$@" >"$T/out" 2>&1
  rc=$?
  if [ "$rc" != "$code" ]; then bad "firedrill $*: exit $rc, wanted $code"; sed 's/^/  | /' "$T/out" | head -20 >&2; return; fi
  if ! grep -qF -- "$pat" "$T/out"; then bad "firedrill $*: no '$pat' in output"; sed 's/^/  | /' "$T/out" | head -20 >&2; return; fi
  ok
}
# lacks PATTERN: the last command's output does not contain PATTERN.
lacks() {
  if grep -qF -- "$1" "$T/out"; then bad "output has '$1'"; sed 's/^/  | /' "$T/out" | head -20 >&2; else ok; fi
}

mkdir -p "$T/s" "$T/outside"
cat >"$T/s/topology.yaml" <<'YAML'
regions: [east]
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms,
         calls: [ { to: db, timeout: 500ms } ] }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
sources:
  users: { entry: web, rate: 50/s }
YAML

# scenario NAME BODY: a scenario file whose first line declares the scenario.
scenario() {
  printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "10m" }\n%s\n' "$2" >"$T/s/$1.lua"
}

# --- 1. files stay inside the scenario's folder, links resolved ---
printf 'SECRET-OUTSIDE\n' >"$T/outside/secret.txt"
printf 'return "SECRET-MODULE"\n' >"$T/outside/mod.lua"
ln -s "$T/outside/secret.txt" "$T/s/link.txt"
ln -s "$T/outside/mod.lua" "$T/s/linkmod.lua"
ln -s "$T/outside" "$T/s/linkdir"
ln -s /etc/passwd "$T/s/passwd"
scenario read_link 'print(read_file("link.txt"))'
expect 2 "'link.txt' is outside the scenario's folder" -- run "$T/s/read_link.lua"
lacks "SECRET-OUTSIDE"
scenario read_passwd 'print(read_file("passwd"))'
expect 2 "'passwd' is outside the scenario's folder" -- run "$T/s/read_passwd.lua"
lacks "root:"
scenario read_dirlink 'print(read_file("linkdir/secret.txt"))'
expect 2 "'linkdir/secret.txt' is outside the scenario's folder" -- run "$T/s/read_dirlink.lua"
scenario require_link 'print(require("linkmod"))'
expect 2 "'linkmod.lua' is outside the scenario's folder" -- run "$T/s/require_link.lua"
lacks "SECRET-MODULE"
scenario dofile_link 'print(dofile("linkmod.lua"))'
expect 2 "'linkmod.lua' is outside the scenario's folder" -- run "$T/s/dofile_link.lua"
scenario loadfile_link 'print(loadfile("linkmod.lua")())'
expect 2 "'linkmod.lua' is outside the scenario's folder" -- run "$T/s/loadfile_link.lua"
# a link between two files of the folder is fine
printf 'INSIDE-TEXT\n' >"$T/s/data.txt"
ln -s data.txt "$T/s/alias.txt"
scenario read_alias 'print(read_file("alias.txt"))'
expect 0 "INSIDE-TEXT" -- run "$T/s/read_alias.lua"
# the topology named by scenario{}
mkdir -p "$T/t"
cp "$T/s/topology.yaml" "$T/outside/topology.yaml"
ln -s "$T/outside/topology.yaml" "$T/t/topo.yaml"
printf 'scenario { name = "t", topology = "topo.yaml", duration = "1m" }\n' >"$T/t/scenario.lua"
expect 2 "topology: 'topo.yaml' is outside the scenario's folder" -- run "$T/t/scenario.lua"
expect 2 "outside the scenario's folder" -- check "$T/t/scenario.lua"
# CSV shape files named by a topology: absolute, "..", or a link out
mkdir -p "$T/c"
printf 'time,factor\n0,1\n60,2\n' >"$T/outside/rate.csv"
printf 'time,factor\n0,1\n60,2\n' >"$T/c/rate.csv"
ln -s "$T/outside/rate.csv" "$T/c/link.csv"
csv_topo() {
  cat >"$T/c/$1.yaml" <<YAML
regions: [east]
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms }
sources:
  users: { entry: web, rate: 50/s, shape: { kind: csv, file: "$2" } }
YAML
}
csv_topo abs "$T/outside/rate.csv"
expect 2 "abs.yaml:5:" -- check "$T/c/abs.yaml"
expect 2 "is outside the topology's folder" -- check "$T/c/abs.yaml"
csv_topo up "../outside/rate.csv"
expect 2 "is outside the topology's folder" -- check "$T/c/up.yaml"
csv_topo link "link.csv"
expect 2 "file: 'link.csv' is outside the topology's folder" -- check "$T/c/link.yaml"
csv_topo fine "rate.csv"
expect 0 "" -- check "$T/c/fine.yaml"

# --- 3. no unbounded run ---
# C functions that loop without the hook are charged to the budget.
scenario rep_empty 'local s = string.rep("", 1e15)'
expect 2 "rep_empty.lua:2: error: scenario stopped: its instruction budget ran out" -- run "$T/s/rep_empty.lua"
scenario rep_method 'local s = (""):rep(1e15, "")'
expect 2 "rep_method.lua:2: error: scenario stopped: its instruction budget ran out" -- run "$T/s/rep_method.lua"
scenario move_huge 'table.move({}, 1, 1e15, 1)'
expect 2 "move_huge.lua:2: error: scenario stopped: its instruction budget ran out" -- run "$T/s/move_huge.lua"
scenario move_swallow 'for i = 1, 10 do pcall(table.move, {}, 1, 1e15, 1) end'
expect 2 "scenario stopped: its instruction budget ran out" -- run "$T/s/move_swallow.lua"
scenario rep_fine 'assert(#string.rep("ab", 3, ",") == 8) assert(#table.move({1, 2, 3}, 1, 3, 2) == 4)
expect.that("rep and move still work", function() return true, "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/rep_fine.lua"
# finalizers run with hooks off: they cannot be set
scenario gc_loop 'setmetatable({}, { __gc = function() while true do end end })'
expect 2 "gc_loop.lua:2: error: setmetatable: finalizers (__gc) are not allowed in scenarios" -- run "$T/s/gc_loop.lua"
scenario gc_late 'local mt = { __gc = true } setmetatable({}, mt)'
expect 2 "finalizers (__gc) are not allowed" -- run "$T/s/gc_late.lua"
# the budget stop names its line, inside a callback too, with the simulated time
scenario budget_line 'local n = 0
while true do n = n + 1 end'
expect 2 "budget_line.lua:3: error: scenario stopped: its instruction budget ran out (at 10:00:00)" -- run "$T/s/budget_line.lua"
scenario budget_cb 'after("2m", function()
  local n = 0
  while true do n = n + 1 end
end)'
expect 2 "budget_cb.lua:4: error: scenario stopped: its instruction budget ran out (at 10:02:00)" -- run "$T/s/budget_cb.lua"
# a wall-clock limit: a loop, and a backtracking match no hook interrupts
# (each table.concat is one instruction but a long one: the budget is far)
scenario spin 'local t = {} for i = 1, 100000 do t[i] = "x" end
after("1m", function()
  while true do local s = table.concat(t) end
end)'
expect 2 "spin.lua:4: error: scenario stopped: its wall-clock time limit ran out (see --time-limit) (at 10:01:00)" -- run "$T/s/spin.lua" --time-limit 1
scenario backtrack 'local s = ("a"):rep(40000)
local i = string.find(s, ".-.-.-.-.-.-b")'
expect 2 "backtrack.lua:3: error: scenario stopped in string.find: its wall-clock time limit of 1s ran out" -- run "$T/s/backtrack.lua" --time-limit 1
scenario backtrack_gmatch 'local s = ("a"):rep(40000)
for w in s:gmatch(".-.-.-.-.-.-b") do end'
expect 2 "backtrack_gmatch.lua:3: error: scenario stopped in string.gmatch: its wall-clock time limit of 1s ran out" -- run "$T/s/backtrack_gmatch.lua" --time-limit 1
scenario gsub_big 'local s = ("a"):rep(40000)
local r = s:gsub(".-.-.-.-.-.-b", "")'
expect 2 "gsub_big.lua:3: error: scenario stopped in string.gsub: its wall-clock time limit of 1s ran out" -- run "$T/s/gsub_big.lua" --time-limit 1
expect 2 "backtrack.lua:3: error: scenario stopped in string.find" -- check "$T/s/backtrack.lua" --time-limit 1
expect 2 "--time-limit needs a number of seconds" -- run "$T/s/backtrack.lua" --time-limit soon
expect 2 "--time-limit needs a number of seconds" -- check "$T/s/backtrack.lua" --time-limit -1
"$FD" help run | grep -q -- "--time-limit SECONDS" && ok || bad "help run does not document --time-limit"
"$FD" help check | grep -q -- "--time-limit SECONDS" && ok || bad "help check does not document --time-limit"
# 300,000 alerts: the duplicate check is not quadratic (the instruction
# budget and the time limit are far from reached)
scenario many_alerts 'for i = 1, 300000 do alert { name = "a" .. i, service = "web", when = "error_rate > 5%" } end
alert { name = "a17", service = "web", when = "error_rate > 5%" }'
expect 2 "many_alerts.lua:3: error: alert 'a17' is declared twice" -- run "$T/s/many_alerts.lua" --time-limit 60

# --- 4. memory a script causes counts against its cap ---
# two million notes of 800 bytes would be 1.7 GB of timeline in C memory
scenario notes 'local s = string.rep("x", 800)
for i = 1, 2000000 do note(s .. i) end'
expect 2 "notes.lua:3: error: scenario stopped: its memory limit was reached (at 10:00:00)" -- run "$T/s/notes.lua"
scenario notes_cb 'after("1m", function()
  local s = string.rep("x", 800)
  for i = 1, 2000000 do note(s .. i) end
end)'
expect 2 "notes_cb.lua:4: error: scenario stopped: its memory limit was reached (at 10:01:00)" -- run "$T/s/notes_cb.lua"
scenario timers 'for i = 1, 5000000 do after(1, function() end) end'
expect 2 "timers.lua:2: error: scenario stopped: its memory limit was reached" -- run "$T/s/timers.lua"
# batch --memory: a worker's limit, an eighth of it for the scenario
expect 1 "notes.lua:3: error: scenario stopped: its memory limit was reached" -- batch "$T/s/notes.lua" --out "$T/bm" --memory 256M -j 1
grep -q "its memory limit was reached" "$T/bm/runs.csv" && ok || bad "runs.csv lacks the memory stop"
expect 2 "--memory needs a size from 64M to 1T" -- batch "$T/s/notes.lua" --out "$T/bm2" --memory 12
expect 2 "--memory needs a size from 64M to 1T" -- batch "$T/s/notes.lua" --out "$T/bm2" --memory 2X
"$FD" help batch | grep -q -- "--memory SIZE" && ok || bad "help batch does not document --memory"

# --- 5. values that cannot run are refused before running ---
mkdir -p "$T/v"
cat >"$T/v/topology.yaml" <<'YAML'
regions: [east]
settings: { interval: 1ns }
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms }
sources:
  users: { entry: web, rate: 50/s }
YAML
printf 'scenario { name = "t", topology = "topology.yaml", duration = "10m" }\n' >"$T/v/scenario.lua"
expect 2 "topology.yaml:2:23: error: interval: '1ns' is shorter than 1s" -- check "$T/v/scenario.lua"
expect 2 "topology.yaml:2:23: error: interval: '1ns' is shorter than 1s" -- run "$T/v/scenario.lua" --out "$T/v/out"
[ -e "$T/v/out/metrics.csv" ] && bad "metrics.csv written for a refused topology" || ok
sed 's/interval: 1ns/sampling: 1/; s|rate: 50/s|rate: 1e9/s|' "$T/v/topology.yaml" >"$T/v/t2.yaml"
expect 2 "t2.yaml:6:30: error: rate: too much traffic to simulate" -- check "$T/v/t2.yaml"
sed 's/interval: 1ns/interval: 1e400s/' "$T/v/topology.yaml" >"$T/v/t3.yaml"
expect 2 "t3.yaml:2:23: error: interval: '1e400s' is longer than a year" -- check "$T/v/t3.yaml"
printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +99999999:00" }\n' >"$T/s/tz.lua"
expect 2 "tz.lua:1: error: start: expected a time like" -- run "$T/s/tz.lua"
printf 'scenario { name = "t", topology = "topology.yaml", start = "2147483647-01-01 10:00" }\n' >"$T/s/year.lua"
expect 2 "year.lua:1: error: start: expected a time like" -- run "$T/s/year.lua"

# --- 6. messages and leftovers ---
scenario rawset_builtin 'rawset(_G, "wait", function() end)'
expect 2 "rawset_builtin.lua:2: error: 'wait' is built in and cannot be redefined" -- run "$T/s/rawset_builtin.lua"
scenario rawset_own 'rawset(_G, "mine", 1)
expect.that("own globals by rawset", function() return mine == 1, "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/rawset_own.lua"
scenario string_lib 'string.format = function() return "x" end'
expect 2 "string_lib.lua:2: error: the string library is read-only" -- run "$T/s/string_lib.lua"
scenario string_mt 'getmetatable("").__index = {}'
expect 2 "string_mt.lua:2: error: attempt to index a string value" -- run "$T/s/string_mt.lua"
scenario string_mt2 'assert(getmetatable("") == "string") assert(("ab"):upper() == "AB")
expect.that("strings still work", function() return string.format("%d", 3) == "3", "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/string_mt2.lua"
scenario yield_cb 'after("1m", function()
  coroutine.yield()
end)'
expect 2 "yield_cb.lua:3: error: coroutine.yield: a scenario function cannot yield to firedrill; use wait() or wait_until() to pause (at 10:01:00)" -- run "$T/s/yield_cb.lua"
scenario own_co 'local g = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
local co = coroutine.create(function() coroutine.yield(7) end)
local ok, v = coroutine.resume(co)
after("1m", function()
  local h = coroutine.wrap(function() coroutine.yield(1) end)
  h()
end)
expect.that("own coroutines yield", function() return g(1) == 2 and g(5) == 10 and v == 7, "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/own_co.lua"
# SIGTERM and SIGINT during a run remove its temporaries
scenario long 'local t = {} for i = 1, 100000 do t[i] = "x" end
after("1m", function() while true do local s = table.concat(t) end end)'
for sig in TERM INT; do
  rm -rf "$T/sig"
  "$FD" run "$T/s/long.lua" --out "$T/sig" --time-limit 120 >/dev/null 2>&1 &
  pid=$!
  n=0
  while [ $n -lt 600 ] && ! ls "$T/sig" 2>/dev/null | grep -q '\.tmp\.'; do sleep 0.1; n=$((n + 1)); done
  ls "$T/sig" 2>/dev/null | grep -q '\.tmp\.' && ok || bad "no temporary appeared during the run"
  kill -$sig $pid
  wait $pid
  rc=$?
  if ls "$T/sig" | grep -q '\.tmp\.'; then bad "SIG$sig left temporaries: $(ls "$T/sig")"; else ok; fi
  [ "$rc" -gt 128 ] && ok || bad "SIG$sig: exit $rc, wanted death by the signal"
done
# a later run removes the stale temporaries of its outputs left by a dead run
mkdir -p "$T/stale"
sh -c 'exit 0' & dead=$!
wait $dead
: >"$T/stale/summary.json.tmp.$dead.AbCdEf"
: >"$T/stale/notes.txt.tmp.$dead.AbCdEf"
scenario quick 'note("hi")'
expect 0 "hi" -- run "$T/s/quick.lua" --out "$T/stale"
[ -e "$T/stale/summary.json.tmp.$dead.AbCdEf" ] && bad "a stale temporary stayed" || ok
[ -e "$T/stale/notes.txt.tmp.$dead.AbCdEf" ] && ok || bad "a file not of this run's outputs was removed"

finish hardening
