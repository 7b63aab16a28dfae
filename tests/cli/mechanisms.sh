#!/bin/sh
# mechanisms.sh: scenario functions seen from a scenario: a partition and
# its heal, a status page hosted on a service that fails, and the calls
# that must refuse what would change nothing (partition between services
# that do not call each other, scale{ max } without autoscaling) or what is
# misspelt (deploy's and rollback's keys and names, halt_on's and cost's
# keys), each at the caller's line with exit code 2; a rollback of a
# halted release by region and one of a canary by instance, each touching
# only what got the new version; the canary figure (a 1%-of-instances
# canary halts before 2% of the traffic fails); what a costly version or
# bad data does to capacity and latency; policies changed mid-run
# (set_call, set_autoscale, client{ backoff }) measured by their effect;
# and the topology's collapse and configuration-cache keys refused at
# file:line:col.
#
#   sh tests/cli/mechanisms.sh path/to/firedrill      (from the repository root)
set -u
FD=$1
. "$(dirname "$0")/lib/harness.sh"

mkdir -p "$T/s"
cat >"$T/s/topology.yaml" <<'YAML'
regions: [east, west]
configs:
  flags: { store: db }
services:
  web: { deploy: { east: 2, west: 2 }, concurrency: 20, service_time: 2ms,
         calls: [ { to: db, timeout: 500ms }, { to: auth, timeout: 200ms } ] }
  auth: { deploy: { east: 1, west: 1 }, concurrency: 20, service_time: 1ms }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
  pages: { deploy: { east: 1 }, concurrency: 20, service_time: 1ms, restart_time: 30s }
  api: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms,
         autoscale: { target: 60%, min: 2, max: 4 } }
sources:
  users: { entry: web, rate: 50/s, regions: { east: 50%, west: 50% } }
  readers: { entry: pages, rate: 5/s }
  clients: { entry: api, rate: 20/s }
YAML

# scenario NAME BODY: a scenario file whose first line declares the scenario.
scenario() {
  printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "10m" }\n%s\n' "$2" >"$T/s/$1.lua"
}

# --- partition, then heal: calls from web in west to auth are lost (web
# there fails: each request waits out the 200ms timeout), web in east goes
# on, and everything answers again after heal. Availability is of the
# last finished 10s interval.
scenario part 'local function avail(tag)
  note(("%s: web west %.3f, east %.3f"):format(tag, metric("web", "availability", "west"),
    metric("web", "availability", "east")))
end
at("10:01", function() partition { from = "web", to = "auth", regions = { "west" } } end)
at("10:02:30", function() avail("during") end)
at("10:03", function() heal { from = "web", to = "auth" } end)
at("10:04:30", function() avail("after") end)'
expect 0 "calls from web to auth are dropped in west" -- run "$T/s/part.lua"
has " 10:02  during: web west 0.000, east 1.000"
has "calls from web to auth flow again"
has " 10:04  after: web west 1.000, east 1.000"
# A single region may be given as a string; heal names its regions too.
scenario part1 'at("10:01", function() partition { from = "web", to = "db", regions = "east" } end)
at("10:02", function() heal { from = "web", to = "db", regions = { "east" } } end)'
expect 0 "calls from web to db are dropped in east" -- run "$T/s/part1.lua"
has "calls from web to db flow again in east"

# --- partition refuses what would change nothing, at the caller's line ---
scenario nocall 'at("10:01", function() partition { from = "web", to = "pages" } end)'
expect 2 "nocall.lua:2: error: partition: web does not call pages in the topology (it calls db, auth)" -- run "$T/s/nocall.lua"
has "(at 10:01:00)"
scenario nocall2 'heal { from = "db", to = "web" }'
expect 2 "nocall2.lua:2: error: heal: db does not call web in the topology (it calls nothing)" -- run "$T/s/nocall2.lua"
scenario typo_to 'partition { from = "web", to = "auht" }'
expect 2 "typo_to.lua:2: error: unknown service 'auht' (did you mean 'auth'?)" -- run "$T/s/typo_to.lua"
scenario typo_from 'partition { from = "wbe", to = "auth" }'
expect 2 "unknown service 'wbe' (did you mean 'web'?)" -- run "$T/s/typo_from.lua"
scenario typo_region 'partition { from = "web", to = "auth", regions = { "wset" } }'
expect 2 "typo_region.lua:2: error: unknown region 'wset' (did you mean 'west'?)" -- run "$T/s/typo_region.lua"
scenario undeployed 'partition { from = "db", to = "web", regions = { "west" } }'
expect 2 "does not call web" -- run "$T/s/undeployed.lua"
scenario undeployed2 'partition { from = "web", to = "db", regions = { "east" } }
partition { from = "pages", to = "web", regions = { "west" } }'
expect 2 "undeployed2.lua:3: error: partition: pages does not call web" -- run "$T/s/undeployed2.lua"
scenario typo_key 'partition { from = "web", to = "auth", region = "west" }'
expect 2 "typo_key.lua:2: error: partition: unknown option 'region' (did you mean 'regions'?)" -- run "$T/s/typo_key.lua"
scenario noregion 'partition { from = "web", to = "auth", regions = {} }'
expect 2 "noregion.lua:2: error: regions: name at least one region" -- run "$T/s/noregion.lua"

# --- a status page hosted on a service: posts fail while it is down (it
# hangs from 10:01 to 10:03: no request is answered), and go out again once
# it is healthy (at least 99% answered over the last 10s interval). ---
scenario status 'at("10:01", function() hang { service = "pages" } end)
at("10:02", function()
  note("posted: " .. tostring(status_page { text = "We are looking into it", host = "pages" }))
end)
at("10:03", function() unhang { service = "pages" } end)
at("10:05", function()
  note("posted: " .. tostring(status_page { text = "Fixed", host = "pages" }))
end)'
expect 0 'status page post fails: the page is hosted on pages, which is down ("We are looking into it")' -- run "$T/s/status.lua"
has " 10:02  posted: false"
has " 10:05  status page: Fixed"
has " 10:05  posted: true"
lacks "status page: We are looking into it"
# Without a host the page shares nothing and every post goes out.
scenario status_free 'at("10:01", function() hang { service = "pages" } end)
at("10:02", function() status_page { text = "We are looking into it" } end)'
expect 0 " 10:02  status page: We are looking into it" -- run "$T/s/status_free.lua"
scenario status_typo 'status_page { text = "x", host = "pagse" }'
expect 2 "status_typo.lua:2: error: unknown service 'pagse' (did you mean 'pages'?)" -- run "$T/s/status_typo.lua"

# --- scale{ max } needs an autoscaler ---
scenario scale_max 'at("10:01", function() scale { service = "web", max = 8 } end)'
expect 2 "scale_max.lua:2: error: scale: web does not autoscale (no autoscale: in the topology), so max would change nothing; give instances instead" -- run "$T/s/scale_max.lua"
has "(at 10:01:00)"
# Refused before anything changes, even with instances beside it.
scenario scale_both 'scale { service = "web", instances = 3, max = 8 }'
expect 2 "scale_both.lua:2: error: scale: web does not autoscale" -- run "$T/s/scale_both.lua"
lacks "scaled to"
scenario scale_ok 'at("10:01", function() scale { service = "api", max = 6 } end)
at("10:02", function() scale { service = "web", instances = 3 } end)'
expect 0 "api may now autoscale to 6 instances in all regions" -- run "$T/s/scale_ok.lua"
has "web scaled to 3 instances in all regions"

# --- deploy and rollback: keys first (with did-you-mean), then names ---
scenario dep_key 'deploy { servce = "web", version = "v2" }'
expect 2 "dep_key.lua:2: error: deploy: unknown option 'servce' (did you mean 'service'?)" -- run "$T/s/dep_key.lua"
scenario dep_key2 'deploy { service = "web", version = "v2", stage = { 0.5, 1 } }'
expect 2 "dep_key2.lua:2: error: deploy: unknown option 'stage' (did you mean 'stages'?)" -- run "$T/s/dep_key2.lua"
scenario dep_halt 'deploy { service = "web", version = "v2", halt_on = { eror_rate = 0.1 } }'
expect 2 "dep_halt.lua:2: error: deploy.halt_on: unknown option 'eror_rate' (did you mean 'error_rate'?)" -- run "$T/s/dep_halt.lua"
scenario dep_cfg 'deploy { service = "web", version = "v2", config = { item = "flags", write = "bad" } }'
expect 2 "dep_cfg.lua:2: error: deploy.config: unknown option 'write' (did you mean 'writes'?)" -- run "$T/s/dep_cfg.lua"
scenario dep_req 'deploy { service = "web" }'
expect 2 "dep_req.lua:2: error: deploy: 'version' is required" -- run "$T/s/dep_req.lua"
scenario dep_svc 'deploy { service = "wbe", version = "v2" }'
expect 2 "dep_svc.lua:2: error: deploy: unknown service 'wbe' (did you mean 'web'?)" -- run "$T/s/dep_svc.lua"
scenario dep_item 'deploy { service = "web", version = "v2", config = { item = "flag" } }'
expect 2 "dep_item.lua:2: error: deploy: unknown configuration item 'flag' (did you mean 'flags'?)" -- run "$T/s/dep_item.lua"
scenario rb_svc 'rollback("wbe")'
expect 2 "rb_svc.lua:2: error: rollback: unknown service 'wbe' (did you mean 'web'?)" -- run "$T/s/rb_svc.lua"
scenario rb_key 'rollback { service = "web", batc = 2 }'
expect 2 "rb_key.lua:2: error: rollback: unknown option 'batc' (did you mean 'batch'?)" -- run "$T/s/rb_key.lua"
scenario dep_ok 'deploy { service = "web", version = "v2", stages = { 0.5, 1 }, every = "1m" }'
expect 0 "web v1 -> v2 rolled out to east" -- run "$T/s/dep_ok.lua"
has "web v1 -> v2 rolled out to west"

# --- a rollback of a halted staged deploy touches only the regions the
# release reached. Four regions of one instance each: v2 (every request
# fails) reaches a only, the halt rule stops it, and the rollback puts v1
# back in a alone; b, c and d never lose their one instance (a redeploy
# there would take each fully down while it restarts).
mkdir -p "$T/r"
cat >"$T/r/topology.yaml" <<'YAML'
regions: [a, b, c, d]
services:
  app: { deploy: { a: 1, b: 1, c: 1, d: 1 }, concurrency: 20, service_time: 2ms, restart_time: 2m }
sources:
  users: { entry: app, rate: 40/s, regions: { a: 25%, b: 25%, c: 25%, d: 25% } }
YAML
cat >"$T/r/s.lua" <<'LUA'
scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "12m" }
deploy { service = "app", version = "v2", error_rate = 1, stages = { 0.25, 0.5, 1 }, every = "2m",
         halt_on = { error_rate = 0.05 } }
at("10:03", function() rollback("app") end)
local low = { a = 1, b = 1, c = 1, d = 1 }
every("10s", function()
  for r in pairs(low) do low[r] = math.min(low[r], metric("app", "availability", r)) end
end)
at("10:11", function()
  note(("lowest: a %.3f, b %.3f, c %.3f, d %.3f"):format(low.a, low.b, low.c, low.d))
  note(("after: a %.3f"):format(metric("app", "availability", "a")))
end)
LUA
expect 0 "rollout of app v2 halted" -- run "$T/r/s.lua"
has "app v1 -> v2 rolled out to a"
lacks "rolled out to b"
has "app rolled back to v1 in a"
lacks "rolled back to v1 in a, b"
has "lowest: a 0.000, b 1.000, c 1.000, d 1.000"
has "after: a 1.000"
# Nothing newer than v1 anywhere: nothing is redeployed.
cat >"$T/r/none.lua" <<'LUA'
scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "5m" }
at("10:01", function() rollback("app") end)
LUA
expect 0 "app: nothing to roll back, a, b, c, d runs v1" -- run "$T/r/none.lua"
lacks "restart"

# --- policies changed mid-run: set_call, set_autoscale, client{ backoff } ---
# db fails half its requests from 10:01. With 3 retries each api request
# makes 1 + 1/2 + 1/4 + 1/8 = 1.875 attempts at db; cutting retries to 0
# brings that to 1; 3 retries again under a 10% budget (burst 1) to ~1.1.
mkdir -p "$T/p"
cat >"$T/p/topology.yaml" <<'YAML'
regions: [east]
services:
  api: { deploy: { east: 2 }, concurrency: 50, service_time: 1ms,
         calls: [ { to: db, timeout: 100ms, retries: 3, backoff: { base: 10ms, max: 50ms } } ] }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
  web: { deploy: { east: 2 }, concurrency: 4, service_time: 2ms,
         autoscale: { target: 60%, min: 2, max: 20, period: 15s, delay: 10s } }
  plain: { deploy: { east: 1 }, service_time: 1ms }
sources:
  users: { entry: api, rate: 100/s }
  browsers: { entry: web, rate: 1000/s }
  others: { entry: plain, rate: 1/s }
YAML
pol() {
  printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "8m" }\n%s\n' "$2" >"$T/p/$1.lua"
}
pol amp 'local function amp(tag)
  note(("%s: %.2f db attempts per api request"):format(tag, metric("db", "offered") / metric("api", "offered")))
end
at("10:01", function() errors { service = "db", rate = "50%" } end)
at("10:02:30", function() amp("before") end)
at("10:03", function() set_call { from = "api", to = "db", retries = 0 } end)
at("10:04:30", function() amp("after") end)
at("10:05", function() set_call { from = "api", to = "db", region = "east", retries = 3,
  budget = { ratio = "10%", burst = 1 }, backoff = { base = "5ms" } } end)
at("10:06:30", function() amp("budget") end)
at("10:07", function() client { source = "users", backoff = { base = "1s", max = "4s" } } end)'
expect 0 " 10:02  before: 1.86 db attempts per api request" -- run "$T/p/amp.lua"
has " 10:03  calls from api to db in all regions now: timeout 0.1s, 0 retries, backoff 0.01s to 0.05s, no retry budget"
has " 10:04  after: 1.00 db attempts per api request"
has "calls from api to db in east now: timeout 0.1s, 3 retries, backoff 0.005s to 0.05s, budget 10% (burst 1)"
has " 10:06  budget: 1.09 db attempts per api request"
has "users clients now back off 1s to 4s (x2, jitter 100%)"
# web runs at 25% utilisation: a 60% target keeps its minimum of 2, a 10%
# target wants ceil(2 x 25% / 10%) = 5.
pol as 'local function up(tag) note(("%s: web %d up"):format(tag, instances("web", "east", "up"))) end
at("10:04", function() up("before") end)
at("10:04", function() set_autoscale { service = "web", target = "10%" } end)
at("10:07", function() up("after") end)'
expect 0 " 10:04  before: web 2 up" -- run "$T/p/as.lua"
has "web now autoscales on utilisation to 10%, 2 to 20 instances in all regions"
has " 10:07  after: web 5 up"
# max below what runs scales in; min above it scales out.
pol as_min 'at("10:01", function() set_autoscale { service = "web", min = 4, max = 4, signal = "cpu" } end)
at("10:03", function() note(("web %d up"):format(instances("web", "east", "up"))) end)'
expect 0 "web now autoscales on cpu to 60%, 4 to 4 instances in all regions" -- run "$T/p/as_min.lua"
has " 10:03  web 4 up"
# Refusals: misspelt keys (nested too), impossible values, each at the line.
pol e1 'at("10:01", function() set_call { from = "api", to = "db", retires = 0 } end)'
expect 2 "e1.lua:2: error: set_call: unknown option 'retires' (did you mean 'retries'?)" -- run "$T/p/e1.lua"
pol e2 'set_call { from = "api", to = "db", budget = { ration = "10%" } }'
expect 2 "e2.lua:2: error: set_call.budget: unknown option 'ration' (did you mean 'ratio'?)" -- run "$T/p/e2.lua"
pol e3 'set_call { from = "api", to = "web", retries = 1 }'
expect 2 "e3.lua:2: error: set_call: api does not call web in the topology (it calls db)" -- run "$T/p/e3.lua"
pol e4 'set_call { from = "api", to = "db", backoff = { max = "1ms" } }'
expect 2 "e4.lua:2: error: backoff max (0.001s) would be less than its base (0.01s)" -- run "$T/p/e4.lua"
pol e5 'set_call { from = "api", to = "db", retries = 101 }'
expect 2 "e5.lua:2: error: retries: 101 is out of range (0 to 100)" -- run "$T/p/e5.lua"
pol e6 'set_autoscale { service = "plain", max = 5 }'
expect 2 "e6.lua:2: error: set_autoscale: plain does not autoscale (no autoscale: in the topology); use scale{ instances = N } instead" -- run "$T/p/e6.lua"
pol e7 'set_autoscale { service = "web", target = "150%" }'
expect 2 "e7.lua:2: error: target: expected a fraction like '5%' or 0.05" -- run "$T/p/e7.lua"
pol e8 'set_autoscale { service = "web", min = 30 }'
expect 2 "e8.lua:2: error: set_autoscale: min (30) is more than max (20)" -- run "$T/p/e8.lua"
pol e9 'set_autoscale { service = "web", signal = "cpus" }'
expect 2 "e9.lua:2: error: signal: 'cpus' is not one of utilisation, concurrency, cpu (did you mean 'cpu'?)" -- run "$T/p/e9.lua"
pol e10 'set_autoscale { servce = "web" }'
expect 2 "e10.lua:2: error: set_autoscale: unknown option 'servce' (did you mean 'service'?)" -- run "$T/p/e10.lua"
pol e11 'client { source = "users", backoff = { bse = "1s" } }'
expect 2 "e11.lua:2: error: client.backoff: unknown option 'bse' (did you mean 'base'?)" -- run "$T/p/e11.lua"

# --- the topology's new blocks, refused at file:line:col with exit 2 ---
mkdir -p "$T/k"
cat >"$T/k/topology.yaml" <<'YAML'
regions: [east]
configs:
  flags: { store: db, ttl: 30s, max_stael: 5m }
services:
  db: { kind: storage, deploy: { east: 1 }, service_time: 1ms,
        collapse: { knee: 0, contention: 0.1 } }
  web: { deploy: { east: 1 }, service_time: 1ms, reads: [flags],
         collapse: { knee: 8, coherence: 0.01 } }
sources:
  users: { entry: web, rate: 10/s }
YAML
printf 'scenario { name = "t", topology = "topology.yaml", duration = "1m" }\n' >"$T/k/s.lua"
expect 2 "topology.yaml:3:33: error: unknown key 'max_stael' in config 'flags'" -- check "$T/k/s.lua"
has "did you mean 'max_stale'?"
has "topology.yaml:6:27: error: knee: '0' must be at least 1"
has "topology.yaml:8:31: error: unknown key 'coherence' in collapse"
has "did you mean 'coherency'?"
# --- halt_on's keys are checked too, and its p99 is a duration ---
scenario dep_halt2 'deploy { service = "web", version = "v2", halt_on = { p95 = "1s" } }'
expect 2 "dep_halt2.lua:2: error: deploy.halt_on: unknown option 'p95' (did you mean 'p99'?)" -- run "$T/s/dep_halt2.lua"
scenario dep_halt3 'deploy { service = "web", version = "v2", halt_on = { p99 = "fast" } }'
expect 2 "dep_halt3.lua:2: error: deploy: halt_on.p99:" -- run "$T/s/dep_halt3.lua"
scenario dep_by 'deploy { service = "web", version = "v2", by = "instance" }'
expect 2 "dep_by.lua:2: error: deploy: by: expected \"regions\" or \"instances\"" -- run "$T/s/dep_by.lua"
scenario dep_cost 'deploy { service = "web", version = "v2", cost = { cpus = "1ms" } }'
expect 2 "dep_cost.lua:2: error: cost: unknown option 'cpus' (did you mean 'cpu'?)" -- run "$T/s/dep_cost.lua"
scenario sv_both 'set_version { service = "web", version = 2, share = 0.5, instances = 1 }'
expect 2 "sv_both.lua:2: error: set_version: give share or instances, not both" -- run "$T/s/sv_both.lua"

# --- the canary figure: a 1%-of-instances canary of a version that fails
# every request halts before 2% of the fleet's traffic is hit. 300
# instances over three regions; the first stage puts 3 of them (one per
# region) on v2, and the halt rule, checked every 10s during the stage's
# 5 minutes, trips on the first check: it judges the requests v2's
# instances answered (100% failed), not the region's average (1%). The
# rollback then redeploys those 3 instances alone.
mkdir -p "$T/c"
cat >"$T/c/topology.yaml" <<'YAML'
regions: [eu, us, ap]
settings: { sampling: 1 }   # a 1% canary is one instance a region: exact instances
services:
  app: { deploy: { eu: 100, us: 100, ap: 100 }, concurrency: 4, service_time: 5ms, restart_time: 1m }
sources:
  users: { entry: app, rate: 1500/s, regions: { eu: 34%, us: 33%, ap: 33% }, client: { retries: 0 } }
YAML
cat >"$T/c/canary.lua" <<'LUA'
scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "8m", slo = 0.95 }
at("10:01", function()
  deploy { service = "app", version = "v2", error_rate = 1, by = "instances",
           stages = { "1%", "10%", "50%", 1.0 }, every = "5m",
           halt_on = { error_rate = 0.05, p99 = "500ms", availability = 0.99 } }
end)
local answered, failed, peak = 0, 0, 0
every("10s", function()
  local n = metric("app", "offered") * 10
  answered = answered + n
  failed = failed + n * metric("app", "error_rate")
  peak = math.max(peak, (version_share("app", 2)))
end)
at("10:02", function()
  rollback { service = "app", batch = 2 }
  note(("up after the rollback: eu %d, us %d, ap %d"):format(instances("app", "eu"),
    instances("app", "us"), instances("app", "ap")))
end)
at("10:05", function()
  note(("up later: eu %d, us %d, ap %d; on v2 %d"):format(instances("app", "eu"),
    instances("app", "us"), instances("app", "ap"), select(2, version_share("app", 2))))
end)
at("10:07", function()
  note(("peak on v2: %.4f"):format(peak))
  note(("failed: %.4f of %d requests"):format(failed / answered, answered))
end)
LUA
expect 0 "app v1 -> v2 rolled out to 3 of 300 instances (1.0%): eu 1, us 1, ap 1" -- run "$T/c/canary.lua"
has " 10:01  rollout of app v2 halted: error rate 100.0% on v2 in eu"
lacks "rolled out to 30 of 300"
has "app rolled back to v1 in eu, us, ap"
# Only the instance on v2 in each region was restarted (a batch of 2
# without the version filter would take two down).
has "up after the rollback: eu 99, us 99, ap 99"
has "up later: eu 100, us 100, ap 100; on v2 0"
peak=$(sed -n 's/.*peak on v2: \([0-9.]*\).*/\1/p' "$T/out")
failed=$(sed -n 's/.*failed: \([0-9.]*\) of.*/\1/p' "$T/out")
echo "canary: at most $peak of the instances on v2, $failed of the requests failed"
if awk -v p="$peak" -v f="$failed" 'BEGIN { exit !(p != "" && p <= 0.01 && f != "" && f < 0.02) }'; then ok
else bad "canary: peak share on v2 $peak (want <= 0.01), failed $failed (want < 0.02)"; fi
# Without the halt rule the same rollout reaches the whole fleet.
sed '/halt_on = /d; s/every = "5m",/every = "20s" }/' "$T/c/canary.lua" >"$T/c/nohalt.lua"
expect 0 "rolled out to 300 of 300 instances" -- run "$T/c/nohalt.lua"
lacks "halted"
# At sampling 2 an instance moves in steps of two: the stage comes out at
# 2%, and the timeline says what was asked and how to make it exact.
sed -i 's/sampling: 1 }/sampling: 2 }/' "$T/c/topology.yaml"
expect 0 "rolled out to 6 of 300 instances (2.0%): eu 2, us 2, ap 2 (the stage asked for 3, 1%: at this run's sampling" -- run "$T/c/canary.lua"
sed -i 's/sampling: 2 }/sampling: 1 }/' "$T/c/topology.yaml"

# A 1% canary on one region's instances: regions = { "eu" }.
sed 's/by = "instances",/by = "instances", regions = { "eu" },/' "$T/c/canary.lua" >"$T/c/eu.lua"
expect 0 "app v1 -> v2 rolled out to 1 of 100 instances (1.0%): eu 1" -- run "$T/c/eu.lua"
has "rollout of app v2 halted: error rate 100.0% on v2 in eu"
has "app rolled back to v1 in eu"
lacks "rolled back to v1 in eu, us"

# A slow version (latency, no errors) trips the p99 rule, within the
# stage (every = 5m; the halt comes within seconds).
sed 's/error_rate = 1, by/cost = { latency = "800ms" }, by/' "$T/c/canary.lua" >"$T/c/slow.lua"
expect 0 " 10:01  rollout of app v2 halted: p99 8" -- run "$T/c/slow.lua"
has "ms on v2 in eu"

# --- costs: CPU time holds a worker (utilisation doubles, the CPU
# autoscaler grows the pool); latency delays without holding one
# (utilisation stays, latency rises); bad data can cost the same way. ---
cat >"$T/c/costs.yaml" <<'YAML'
regions: [eu]
settings: { sampling: 1 }
configs:
  rules: {}
services:
  api: { deploy: { eu: 10 }, concurrency: 4, service_time: 10ms, reads: [rules],
         autoscale: { signal: cpu, target: 30%, min: 10, max: 40, period: 30s, delay: 30s, step: 10 } }
sources:
  users: { entry: api, rate: 1000/s, client: { retries: 0 } }
YAML
cat >"$T/c/costs.lua" <<'LUA'
scenario { name = "t", topology = "costs.yaml", start = "2024-01-01 10:00 +00:00", duration = "12m" }
local function show(tag)
  note(("%s: utilisation %.2f, p50 %.0fms, up %d"):format(tag, metric("api", "utilisation"),
    metric("api", "p50") * 1000, instances("api", "eu")))
end
at("10:01", function() show("before"); set_version { service = "api", version = 2, cost = { cpu = "10ms" } } end)
at("10:01:50", function() show("cpu") end)
at("10:04", function() show("cpu later"); set_version { service = "api", version = 3, cost = { latency = "100ms" } } end)
at("10:04:50", function() show("latency") end)
at("10:06", function()
  set_version { service = "api", version = 0 }
  write_config { item = "rules", data = "bad", error_rate = 0, cost = { cpu = "10ms" } }
end)
at("10:06:50", function() show("bad data"); note(("errors %.3f"):format(metric("api", "error_rate"))) end)
LUA
expect 0 "before: utilisation 0.25, p50 10ms, up 10" -- run "$T/c/costs.lua"
has "cpu: utilisation 0.49, p50 21ms, up 10"
if grep -q "cpu later: utilisation 0.[0-3][0-9], p50 2[0-9]ms, up 1[1-9]" "$T/out"; then ok
else bad "the CPU autoscaler did not grow the pool"; sed 's/^/  | /' "$T/out" >&2; fi
has "latency: utilisation 0.25, p50 113ms"
has "bad data: utilisation 0.50, p50 21ms"
has "errors 0.000"

finish mechanisms.sh
