#!/bin/sh
# Responders as people: pages before work, a first-come-first-served queue
# per team, human times drawn from named streams, escalation, hand-offs,
# misdiagnosis, the support channel, and the engine's threads kept out of
# scripts' reach. Usage: sh tests/cli/responders.sh path/to/firedrill
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"

# has FILE PATTERN WHY: the run's output holds the line.
has() {
  if grep -qF -- "$2" "$1"; then ok; else bad "$3: no '$2'"; sed 's/^/  | /' "$1" >&2; fi
}

mkdir -p "$T/s"
cat >"$T/s/topology.yaml" <<'YAML'
regions: [east]
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms, owner: ops,
         calls: [ { to: db, timeout: 500ms } ] }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms, owner: dba }
sources:
  users: { entry: web, rate: 50/s, customers: 10000 }
YAML
scenario() {
  printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "2h" }\n%s\n' "$2" >"$T/s/$1.lua"
}

# --- a team acts only once paged, at the caller's line ---
scenario unpaged 'team { name = "ops", oncall = 1 }
at("10:01", function()
  act { team = "ops", takes = "5m" }
end)'
expect 2 "unpaged.lua:4: error: act: team 'ops' was never paged" -- run "$T/s/unpaged.lua"
scenario unpaged_diag 'team { name = "ops", oncall = 1 }
at("10:01", function() diagnose { component = "db", team = "ops" } end)'
expect 2 "diagnose: team 'ops' was never paged" -- run "$T/s/unpaged_diag.lua"

# --- first come, first served: one person, three pieces of work ---
scenario fifo 'team { name = "ops", skills = { "web" }, oncall = 1, ack = "1m" }
at("10:00", function() page("ops") end)
at("10:02", function() act { team = "ops", takes = "5m", what = "first" } end)
at("10:03", function() restart { service = "web", manual = true, team = "ops", takes = "1m" } end)
at("10:04", function() act { team = "ops", takes = "2m", what = "third" } end)'
"$FD" run "$T/s/fifo.lua" >"$T/fifo" 2>&1
has "$T/fifo" "10:02  ops: first (5 min)" "the first act starts at once"
has "$T/fifo" "10:07  every web restarted in all regions by hand" "the restart waits for the person (10:07)"
has "$T/fifo" "10:08  ops: third (2 min)" "the third waits behind the restart (10:08)"

# --- human times are draws: the same seed repeats, another seed moves ---
scenario draws 'team { name = "ops", oncall = 1, ack = { dist = "lognormal", median = "5m", p99 = "40m" } }
at("10:00", function() page("ops") end)'
"$FD" run "$T/s/draws.lua" --seed 1 >"$T/d1" 2>&1
"$FD" run "$T/s/draws.lua" --seed 1 >"$T/d1b" 2>&1
cmp -s "$T/d1" "$T/d1b" && ok || bad "same seed, different acknowledgement"
n=0
for seed in 2 3 4 5 6; do
  "$FD" run "$T/s/draws.lua" --seed $seed >"$T/dn" 2>&1
  cmp -s "$T/d1" "$T/dn" || n=$((n + 1))
done
[ "$n" -ge 4 ] && ok || bad "acknowledgement times do not vary with the seed ($n of 5 differ)"
# Named streams: a team declared before ops leaves ops's draws alone.
scenario draws2 'team { name = "other", oncall = 2 }
team { name = "ops", oncall = 1, ack = { dist = "lognormal", median = "5m", p99 = "40m" } }
at("10:00", function() page("other") end)
at("10:00", function() page("ops") end)'
"$FD" run "$T/s/draws2.lua" --seed 1 >"$T/d2" 2>&1
a=$(grep -o 'ops acknowledges the page (after [0-9]* min)' "$T/d1")
b=$(grep -o 'ops acknowledges the page (after [0-9]* min)' "$T/d2")
t1=$(grep 'ops acknowledges' "$T/d1" | awk '{print $2}')
t2=$(grep 'ops acknowledges' "$T/d2" | awk '{print $2}')
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$t1" = "$t2" ]; then ok; else bad "another team reshuffled ops's draws ($t1 vs $t2)"; fi

# --- distributions are checked like the topology's ---
scenario baddist 'team { name = "ops", ack = { dist = "lognormall", median = "5m", p99 = "1h" } }'
expect 2 "unknown distribution 'lognormall' (did you mean 'lognormal'?)" -- run "$T/s/baddist.lua"
scenario baddist2 'team { name = "ops", ack = { median = "5m" } }'
expect 2 "ack: a lognormal distribution needs 'p99'" -- run "$T/s/baddist2.lua"
scenario baddist3 'team { name = "ops", ack = { dist = "uniform", min = "5m", max = "1m" } }'
expect 2 "baddist3.lua:2: error: ack:" -- run "$T/s/baddist3.lua"
# A mistake in a later option frees the distributions built before it (an
# empirical one allocates; the sanitized suite's leak check would see it).
scenario baddist4 'team { name = "ops", ack = { dist = "empirical", table = { { "1m", 0.5 }, { "5m", 1 } } },
       diagnose = { dist = "empirical", table = { { "2m", 0.5 }, { "9m", 1 } } }, handoff = { median = "5m" } }'
expect 2 "baddist4.lua:2: error: handoff: a lognormal distribution needs 'p99'" -- run "$T/s/baddist4.lua"
scenario huge 'team { name = "ops", oncall = 1, ack = "1m" }
at("10:00", function() page("ops"); act { team = "ops", takes = math.maxinteger } end)'
expect 2 "huge.lua:3: error: takes:" -- run "$T/s/huge.lua"

# --- escalation: nobody on call, the secondary answers ---
scenario escalate 'team { name = "sre", oncall = 1, ack = "2m" }
team { name = "storage", oncall = 0, secondary = "sre", escalate = "10m" }
at("10:00", function()
  local ok, who = page("storage")
  note(("answered %s by %s"):format(tostring(ok), tostring(who)))
end)'
"$FD" run "$T/s/escalate.lua" >"$T/esc" 2>&1
has "$T/esc" "10:10  page to storage goes unanswered (nobody on call): escalates to sre after 10 min" "escalation"
has "$T/esc" "10:12  answered true by sre" "the secondary answers the page"
scenario noesc 'team { name = "storage", oncall = 0, ack = "5m" }
at("10:00", function() note(("answered %s"):format(tostring(page("storage")))) end)'
"$FD" run "$T/s/noesc.lua" >"$T/noesc" 2>&1
has "$T/noesc" "10:05  page to storage goes unanswered: nobody on call" "an unanswered page"
has "$T/noesc" "10:05  answered false" "page() returns false"
scenario badsec 'team { name = "ops", secondary = "opz" }'
expect 2 "badsec.lua:2: error: team 'ops': unknown secondary team" -- run "$T/s/badsec.lua"

# --- a hand-off costs a briefing before any work; a misdiagnosis a wrong lead ---
scenario handoff 'team { name = "ops", oncall = 1, ack = "1m" }
team { name = "dba", oncall = 2, ack = "2m", handoff = "7m", diagnose = "10m", misdiagnose = 1 }
at("10:00", function()
  page("ops")
  page("dba", { from = "ops", why = "db errors" })
  diagnose { component = "db", team = "dba" }
  note("diagnosis done")
end)'
"$FD" run "$T/s/handoff.lua" >"$T/ho" 2>&1
has "$T/ho" "10:01  dba paged by ops: db errors" "the page names who handed off"
has "$T/ho" "10:03  dba is briefed by ops (a hand-off between teams, 7 min)" "the briefing"
has "$T/ho" "10:10  dba starts diagnosing and follows a wrong lead first: web" "work waits for the briefing; the wrong lead"
has "$T/ho" "10:20  dba rules out web after 10 min (a wrong lead); now diagnosing db" "the wrong lead is ruled out"
has "$T/ho" "10:30  diagnosis done" "the diagnosis ends after the right lead"
scenario nomis 'team { name = "dba", oncall = 1, ack = "2m", diagnose = "10m", misdiagnose = 1 }
at("10:00", function() page("dba"); diagnose { component = "db", team = "dba", misdiagnose = 0 } end)'
"$FD" run "$T/s/nomis.lua" >"$T/nomis" 2>&1
has "$T/nomis" "10:02  dba starts diagnosing db" "misdiagnose = 0 on the call overrides the team"

# --- on_page runs when the team acknowledges; declare and alerts page ---
scenario onpage 'team { name = "ops", oncall = 1, ack = "3m" }
alert { name = "web-5xx", service = "web", when = "error_rate > 5%", hold = "1m", page = "ops" }
at("10:05", function() errors { service = "db", rate = 1 } end)
on_page("ops", function(p) note("on_page " .. p.team); act { team = "ops", takes = "1m" }; errors { service = "db", rate = 0 } end)'
"$FD" run "$T/s/onpage.lua" >"$T/op" 2>&1
has "$T/op" "ops paged: alert web-5xx" "an alert pages its team"
has "$T/op" "on_page ops" "on_page runs on the acknowledgement"
has "$T/op" "(alert web-5xx)" "the clock says what detected the incident"
scenario decl 'team { name = "ops", oncall = 1, ack = "3m" }
at("10:05", function() declare("P1", "drill", { page = { "ops" } }) end)'
"$FD" run "$T/s/decl.lua" >"$T/decl" 2>&1
has "$T/decl" "10:05  ops paged: P1 declared" "declare pages"

# --- the support channel detects what monitoring does not ---
scenario support 'team { name = "ops", oncall = 1, ack = "2m" }
support { pages = "ops", threshold = 20, within = "10m", rate = 0.05, delay = { median = "3m", p99 = "20m" } }
at("10:05", function() errors { service = "db", rate = 1 } end)'
"$FD" run "$T/s/support.lua" --out "$T/sup" >"$T/sp" 2>&1
has "$T/sp" "incident detected through customer reports" "detection through customer reports"
has "$T/sp" "support pages ops" "the support channel pages its team"
has "$T/sp" "(customer reports)" "the clock says customer reports detected it"
grep -q '"detected_by": "customer reports"' "$T/sup/summary.json" && ok || bad "summary.json lacks detected_by"
r=$(grep -o '"customers_reported": [0-9.e+]*' "$T/sup/summary.json" | awk '{print $2}')
awk -v r="$r" 'BEGIN { exit !(r > 300 && r < 700) }' && ok || bad "customers reported $r, want about 5% of 10000"

# --- the engine's own threads are out of scripts' reach ---
scenario resume 'team { name = "ops", oncall = 1, ack = "1m" }
local saved
at("10:01", function() page("ops"); saved = coroutine.running(); act { team = "ops", takes = "10m" } end)
at("10:05", function() coroutine.resume(saved, 1, 2, 3) end)'
expect 2 "resume.lua:5: error: coroutine.resume: this coroutine belongs to firedrill" -- run "$T/s/resume.lua"
scenario inco 'team { name = "ops", oncall = 1, ack = "1m" }
at("10:01", function()
  page("ops")
  local co = coroutine.create(function() restart { service = "web", manual = true, team = "ops" } end)
  local okk, err = coroutine.resume(co)
  note(tostring(err))
end)'
"$FD" run "$T/s/inco.lua" >"$T/inco" 2>&1
has "$T/inco" "not in a coroutine the script made" "waiting from a script's own coroutine is refused"

finish responders.sh
