#!/bin/sh
# status.sh: the status page as a modelled service. A page hosted on the
# failed system cannot post (and customers cannot read it) while one hosted
# apart can; an accurate notice lowers customer reports and users'
# re-attempts against the same run without it, an all-clear during the
# outage raises reports; expect.status_updates and expect.first_notice pass
# and fail where they should; bad input is refused at its location.
#
#   sh tests/cli/status.sh path/to/firedrill      (from the repository root)
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"
# field DIR EXPR: a value out of DIR/summary.json (python3).
field() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1/summary.json"; }

mkdir -p "$T/s"
# db hangs from 10:05 to 10:50: web fails, every customer who tries is
# affected. statuspage is hosted apart; onweb is a page that needs web.
cat >"$T/s/topology.yaml" <<'YAML'
regions: [east]
settings:
  status_page: statuspage
services:
  web: { deploy: { east: 4 }, concurrency: 20, service_time: 2ms,
         calls: [ { to: db, timeout: 500ms } ] }
  db: { kind: storage, deploy: { east: 2 }, concurrency: 20, service_time: 1ms }
  statuspage: { deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
  onweb: { deploy: { east: 1 }, concurrency: 20, service_time: 1ms,
           calls: [ { to: web, timeout: 1s } ] }
sources:
  users: { entry: web, rate: 100/s, customers: 2000000,
           client: { retries: 1, reattempt: 80%, reattempt_after: 20s, max_reattempts: 5 } }
YAML
cat >"$T/s/drill.lua" <<'LUA'
local notify = param("notify", "none")   -- none, accurate, wrong
local host = param("host", "statuspage")
local every = param("every", "15m")
scenario { name = "status drill", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00",
           duration = "90m", report_rate = 0.05 }
support { threshold = 1e9 }
team { name = "sre", oncall = 1, ack = "1m" }
alert { name = "web-5xx", service = "web", when = "error_rate > 5%", hold = "1m", page = "sre" }
at("10:05", function() hang { service = "db" } end)
at("10:50", function() unhang { service = "db" } end)
if notify == "wrong" then
  at("10:00", function()
    status_page { text = "All systems operational", state = "operational", host = host }
  end)
end
on_page("sre", function()
  declare("P1", "web failing")
  if notify ~= "accurate" then return end
  wait("3m")
  note("posted: " .. tostring(status_page { text = "Investigating errors on the web", host = host }))
  for _ = 1, 3 do
    wait(every)
    status_page { text = "Still working on it", state = "identified", host = host }
  end
end)
expect.status_updates { every = "20m" }
expect.first_notice { within = "10m" }
LUA

# --- hosted apart: every post goes out; on the failed system: none does,
# and the page cannot be read while web is down. ---
expect 0 " 10:10  status page: Investigating errors on the web" -- run "$T/s/drill.lua" --param notify=accurate --out "$T/acc"
has "PASS  status page updated every 20m"
has "PASS  first notice within 10m        first notice 4.0 min after detection"
has "first notice  10:10, 4 min after detection"
has "notices       10:10, 10:25, 10:40, 10:55 (longest without one while the incident lasted: 15 min)"
lacks "post fails"
lacks "unreachable:"
expect 1 'status page post fails: the page is hosted on onweb, which needs web, which is down ("Investigating errors on the web")' -- run "$T/s/drill.lua" --param notify=accurate --param host=onweb --out "$T/onweb"
has " 10:10  posted: false"
has "status page unreachable: customers cannot read it (hosted on onweb, which needs web, which is down)"
has "status page reachable again"
has " 10:55  status page: Still working on it"
has "FAIL  status page updated every 20m  no notice went out while the incident lasted"
has "3 posts failed"
[ "$(field "$T/onweb" "s['communication']['failed_posts']")" = 3 ] && ok || bad "onweb: 3 failed posts"
[ "$(field "$T/onweb" "round(s['communication']['unreachable_min'])")" = 40 ] && ok || bad "onweb: 40 min unreachable"

# --- what customers do: the same run without a notice, with an accurate
# one, and with an all-clear up through the outage. ---
expect 1 "FAIL  first notice within 10m        no notice went out" -- run "$T/s/drill.lua" --out "$T/none"
expect 1 "page          wrong 45 min" -- run "$T/s/drill.lua" --param notify=wrong --out "$T/wrong"
rep() { field "$1" "round(s['entries'][0]['customers_reported'])"; }
att() { field "$1" "round(s['entries'][0]['attempts'])"; }
none=$(rep "$T/none"); acc=$(rep "$T/acc"); wrong=$(rep "$T/wrong")
echo "customers reported: none $none, accurate $acc, wrong $wrong"
echo "attempts: none $(att "$T/none"), accurate $(att "$T/acc")"
# The accurate notice is read for 40 of the 45 minutes: about 0.6x.
[ "$acc" -lt $((none * 7 / 10)) ] && ok || bad "an accurate notice should cut reports by 30% or more ($acc vs $none)"
[ "$wrong" -gt $((none * 13 / 10)) ] && ok || bad "a wrong all-clear should raise reports by 30% or more ($wrong vs $none)"
[ "$(att "$T/acc")" -lt $(( $(att "$T/none") * 3 / 4)) ] && ok || bad "an accurate notice should cut users' attempts"
# The page hosted on the failed system changes nothing for customers.
[ "$(rep "$T/onweb")" = "$none" ] && ok || bad "a page that cannot post should not lower reports"

# --- cadence: updates every 30 minutes fail a 20-minute expectation. ---
expect 1 "FAIL  status page updated every 20m  longest time without a notice: 30.0 min" -- run "$T/s/drill.lua" --param notify=accurate --param every=30m
has "PASS  first notice within 10m"

# --- a stale notice is not read as news ---
cat >"$T/s/stale.lua" <<'LUA'
scenario { name = "stale", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00",
           duration = "90m", report_rate = 0.05 }
status_effects { stale_after = "5m" }
at("10:05", function() hang { service = "db" } end)
at("10:50", function() unhang { service = "db" } end)
at("10:06", function() status_page { text = "Investigating" } end)
LUA
expect 0 "page          wrong 0 min, unreachable 0 min, accurate 5 min" -- run "$T/s/stale.lua"

# --- same inputs, same bytes ---
"$FD" run "$T/s/drill.lua" --param notify=accurate --out "$T/acc2" >/dev/null 2>&1
cmp -s "$T/acc/summary.json" "$T/acc2/summary.json" && ok || bad "summary.json differs between two identical runs"

# --- bad input ---
printf 'scenario { name = "t", topology = "topology.yaml", duration = "10m" }\nstatus_page { text = "x", state = "resovled" }\n' >"$T/s/typo.lua"
expect 2 "typo.lua:2: error: status_page: unknown state 'resovled' (did you mean 'resolved'?)" -- run "$T/s/typo.lua"
printf 'scenario { name = "t", topology = "topology.yaml", duration = "10m" }\nstatus_effects { acurate_reports = 0.5 }\n' >"$T/s/effkey.lua"
expect 2 "effkey.lua:2: error: status_effects: unknown option 'acurate_reports' (did you mean 'accurate_reports'?)" -- run "$T/s/effkey.lua"
printf 'scenario { name = "t", topology = "topology.yaml", duration = "10m" }\nstatus_effects { wrong_reports = 0.5 }\n' >"$T/s/effrange.lua"
expect 2 "effrange.lua:2: error: wrong_reports: 0.5 is out of range (1 to 100)" -- run "$T/s/effrange.lua"
printf 'scenario { name = "t", topology = "topology.yaml", duration = "10m" }\nexpect.status_updates { evry = "30m" }\n' >"$T/s/cadkey.lua"
expect 2 "cadkey.lua:2: error:" -- run "$T/s/cadkey.lua"
has "did you mean 'every'?"
sed 's/status_page: statuspage/status_page: statuspgae/' "$T/s/topology.yaml" >"$T/s/badtopo.yaml"
expect 2 "badtopo.yaml:3:16: error: status_page: unknown service 'statuspgae'" -- check "$T/s/badtopo.yaml"
has "did you mean 'statuspage'?"

finish status.sh
