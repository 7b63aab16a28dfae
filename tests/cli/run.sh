#!/bin/sh
# firedrill run: exit codes, located errors, the sandbox, determinism and
# outputs. Usage: sh tests/cli/run.sh path/to/firedrill (from the repo root).
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"


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

# scenario NAME BODY: a scenario file whose first line declares the scenario.
scenario() {
  printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "10m" }\n%s\n' "$2" >"$T/s/$1.lua"
}

# --- usage ---
expect 2 "unknown option '--bogus'" -- run --bogus
expect 2 "--seed needs a whole number" -- run "$T/s/x.lua" --seed abc
expect 2 "which scenario?" -- run
expect 2 "cannot read the scenario file" -- run "$T/s/missing.lua"
expect 2 "--param needs NAME=VALUE" -- run "$T/s/x.lua" --param novalue

# --- located Lua errors ---
scenario syntax 'at("10:05", function( end)'
expect 2 "syntax.lua:2:" -- run "$T/s/syntax.lua"
scenario unknown_svc 'at("10:01", function() crash { service = "dbb" } end)'
expect 2 "unknown service 'dbb' (did you mean 'db'?)" -- run "$T/s/unknown_svc.lua"
expect 2 "unknown_svc.lua:2: error:" -- run "$T/s/unknown_svc.lua"
expect 2 "(at 10:01:00)" -- run "$T/s/unknown_svc.lua"
scenario unknown_key 'crash { servce = "db" }'
expect 2 "unknown option 'servce' (did you mean 'service'?)" -- run "$T/s/unknown_key.lua"
scenario unknown_metric 'alert { name = "a", service = "web", when = "eror_rate > 5%" }'
expect 2 "unknown metric 'eror_rate' (did you mean 'error_rate'?)" -- run "$T/s/unknown_metric.lua"
scenario unknown_alert 'on_alert("nope", function() end)'
expect 2 "unknown alert 'nope'" -- run "$T/s/unknown_alert.lua"
scenario typo_global 'crahs { service = "db" }'
expect 2 "undefined global 'crahs'" -- run "$T/s/typo_global.lua"
scenario runtime 'after("1m", function()
  local x = nil
  return x.field
end)'
expect 2 "runtime.lua:4: error: attempt to index a nil value" -- run "$T/s/runtime.lua"
printf 'at("10:00", function() end)\n' >"$T/s/noscenario.lua"
expect 2 "call scenario{...} first" -- run "$T/s/noscenario.lua"
printf 'scenario { name = "t", topology = "nope.yaml" }\n' >"$T/s/notopo.lua"
expect 2 "nope.yaml" -- run "$T/s/notopo.lua"
mkdir -p "$T/y"
printf 'regions: [a]\nservices:\n  s: { deploy: { b: 1 } }\n' >"$T/y/topology.yaml"
printf 'scenario { name = "t", topology = "topology.yaml" }\n' >"$T/y/scenario.lua"
expect 2 "topology.yaml:3:" -- run "$T/y"

# --- the sandbox ---
scenario runaway 'while true do end'
expect 2 "scenario stopped: its instruction budget ran out" -- run "$T/s/runaway.lua"
scenario swallow 'while true do pcall(function() while true do end end) end'
expect 2 "scenario stopped: its instruction budget ran out" -- run "$T/s/swallow.lua"
scenario runaway_timer 'after("2m", function() local n = 0 while true do n = n + 1 end end)'
expect 2 "scenario stopped: its instruction budget ran out" -- run "$T/s/runaway_timer.lua"
scenario membomb 'local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 4096) .. i end'
expect 2 "scenario stopped" -- run "$T/s/membomb.lua"
scenario mem_swallow 'local t = {} while true do pcall(function() for i = 1, 1e9 do t[#t + 1] = string.rep("y", 4096) .. i end end) end'
expect 2 "scenario stopped" -- run "$T/s/mem_swallow.lua"
scenario os_exec 'os.execute("touch /tmp/pwned")'
expect 2 "undefined global 'os'" -- run "$T/s/os_exec.lua"
scenario io_open 'io.open("/etc/passwd")'
expect 2 "undefined global 'io'" -- run "$T/s/io_open.lua"
scenario debug_lib 'debug.sethook()'
expect 2 "undefined global 'debug'" -- run "$T/s/debug_lib.lua"
scenario escape 'dofile("/etc/passwd")'
expect 2 "outside the scenario's folder" -- run "$T/s/escape.lua"
scenario escape2 'read_file("../../etc/passwd")'
expect 2 "outside the scenario's folder" -- run "$T/s/escape2.lua"
scenario escape3 'require("..secret")'
expect 2 "outside the scenario's folder" -- run "$T/s/escape3.lua"
scenario dump 'local f = string.dump(function() end)'
expect 2 "attempt to call a nil value (field 'dump')" -- run "$T/s/dump.lua"
scenario bytecode 'local f, err = load("\27Lua\84\0") assert(f, err)'
expect 2 "attempt to load a binary chunk" -- run "$T/s/bytecode.lua"
scenario yield 'after("1m", function() coroutine.yield() end)'
expect 2 "use wait() or wait_until()" -- run "$T/s/yield.lua"
scenario wait_top 'wait("1m")'
expect 2 "wait() only works inside" -- run "$T/s/wait_top.lua"
scenario redefine 'wait = nil'
expect 2 "'wait' is built in and cannot be redefined" -- run "$T/s/redefine.lua"
scenario own_global 'function helper() return 1 end
expect.that("own globals work", function() return helper() == 1, "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/own_global.lua"
scenario load_env 'local f = load("return x", "chunk", "t", { x = 7 })
expect.that("load with env", function() return f() == 7, "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/load_env.lua"
expect 2 "its memory limit was reached" -- run "$T/s/membomb.lua"
# files in the scenario's own folder are fine
printf 'return { answer = 42 }\n' >"$T/s/helper.lua"
scenario local_require 'local h = require("helper")
expect.that("local modules load", function() return h.answer == 42, "ok" end)'
expect 0 "1 of 1 expectations hold" -- run "$T/s/local_require.lua"

# --- exit codes for expectations ---
scenario holds 'expect.availability { entry = "users", min = 0.9 }'
expect 0 "PASS" -- run "$T/s/holds.lua"
scenario fails 'at("10:02", function() crash { service = "db" } end)
expect.availability { entry = "users", min = 0.99 }'
expect 1 "FAIL" -- run "$T/s/fails.lua"

# --- determinism and params ---
scenario rand 'local v = param("k", 1)
after("1m", function() note(("draw %d %.17g k=%s"):format(math.random(1, 1000000), math.random(), tostring(v))) end)
at("10:03", function() errors { service = "db", rate = 0.3 } end)'
"$FD" run "$T/s/rand.lua" --seed 7 --out "$T/o1" >"$T/a" 2>&1
"$FD" run "$T/s/rand.lua" --seed 7 --out "$T/o2" >"$T/b" 2>&1
"$FD" run "$T/s/rand.lua" --seed 8 >"$T/c" 2>&1
if cmp -s "$T/a" "$T/b" && cmp -s "$T/o1/summary.json" "$T/o2/summary.json" && cmp -s "$T/o1/events.jsonl" "$T/o2/events.jsonl"; then ok; else bad "same seed, different output"; fi
if cmp -s "$T/a" "$T/c"; then bad "different seeds, same output"; else ok; fi
expect 0 "k=5" -- run "$T/s/rand.lua" --param k=5
expect 2 "expected a number" -- run "$T/s/rand.lua" --param k=abc
expect 2 "the scenario declares no param 'kk'" -- run "$T/s/rand.lua" --param kk=5
expect 2 "note: did you mean 'k'?" -- run "$T/s/rand.lua" --param kk=5
# --quiet leaves the timeline out altogether; the summary stays
"$FD" run "$T/s/rand.lua" --quiet >"$T/out" 2>&1
if grep -q '^Timeline' "$T/out" || ! grep -q '^Incident clock' "$T/out"; then
  bad "run --quiet: want the summary without a Timeline section"; sed 's/^/  | /' "$T/out" >&2
else ok; fi
# A manual restart waits for a free responder before anything restarts: the
# only one on call is busy from 10:01 to 10:06, so web restarts at 10:06.
scenario busy 'team { name = "ops", skills = { "web" }, oncall = 1, ack = "1m" }
at("10:00", function() page("ops") end)
at("10:01", function() act { team = "ops", takes = "5m" } end)
at("10:02", function() restart { service = "web", manual = true, team = "ops", takes = "1m" } end)'
"$FD" run "$T/s/busy.lua" >"$T/out" 2>&1
if grep -q ' 10:06  every web restarted in all regions by hand' "$T/out"; then ok; else
  bad "a manual restart should wait for the busy responder (10:06)"; sed 's/^/  | /' "$T/out" >&2; fi
# --out over a file: the reason is given
: >"$T/afile"
expect 3 "cannot write to $T/afile: Not a directory" -- run "$T/s/rand.lua" --out "$T/afile"
[ -s "$T/o1/events.jsonl" ] && [ -s "$T/o1/summary.json" ] && ok || bad "--out did not write its files"
grep -q '"seed": *7' "$T/o1/summary.json" && ok || bad "summary.json lacks the seed"
ls "$T/o1" | grep -q tmp && bad "temporary files left in --out" || ok
head -1 "$T/o1/metrics.csv" | grep -qx 't,service,region,metric,value' && ok || bad "metrics.csv header"
grep -q '^600,web,east,offered,' "$T/o1/metrics.csv" && ok || bad "metrics.csv lacks the last interval"
grep -q '^600,entry:users,-,availability,' "$T/o1/metrics.csv" && ok || bad "metrics.csv lacks entry rows"
cmp -s "$T/o1/metrics.csv" "$T/o2/metrics.csv" && ok || bad "metrics.csv differs between identical runs"
# A run that fails keeps the previous outputs whole.
cp -r "$T/o1" "$T/o1.before"
expect 2 "attempt to index a nil value" -- run "$T/s/runtime.lua" --out "$T/o1"
for f in events.jsonl summary.json metrics.csv; do
  cmp -s "$T/o1/$f" "$T/o1.before/$f" && ok || bad "a failed run changed $f"
done
# So does a run killed while it writes.
cat >"$T/s/long.lua" <<'LUA'
scenario { name = "long", topology = "topology.yaml", duration = "300d" }
LUA
"$FD" run "$T/s/long.lua" --out "$T/o1" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
for f in events.jsonl summary.json metrics.csv; do
  cmp -s "$T/o1/$f" "$T/o1.before/$f" && ok || bad "a killed run changed $f"
done

finish run.sh
