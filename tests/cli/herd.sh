#!/bin/sh
# herd.sh: the way back from a crash, seen from scenarios: each instance
# asks its platform on its own, under the platform's scheduler policy; a
# start-up call that fails is a crash loop; and the restart-herd pattern's
# figure: jittered, throttled restarts bring the pool back at least 3x
# faster after the fix than synchronised ones, on every seed tried.
#
#   sh tests/cli/herd.sh path/to/firedrill      (from the repository root)
set -u
FD=$1
case $FD in /*) ;; *) FD=$(pwd)/$FD ;; esac
. "$(dirname "$0")/lib/harness.sh"

# run ARGS: runs firedrill into $T/out, wants exit 0.
run() {
  "$FD" "$@" >"$T/out" 2>&1
  rc=$?
  if [ "$rc" != 0 ]; then bad "firedrill $*: exit $rc, wanted 0"; sed 's/^/  | /' "$T/out" >&2; return 1; fi
  ok
}

mkdir -p "$T/s"
# Eight instances of app on a platform that boots at most `parallel` at once;
# app reads db when it starts.
topology() {
  cat >"$T/s/topology.yaml" <<YAML
regions: [east]
services:
  app: { deploy: { east: 8 }, concurrency: 8, service_time: 2ms, runs_on: plat, restart_time: 30s,
         startup: { calls: [ { to: db, timeout: 1s } ] } }
  db: { deploy: { east: 1 }, concurrency: 8, service_time: 2ms, restart_time: 10s }
  plat: { deploy: { east: 1 }, concurrency: 8, service_time: 5ms,
          scheduler: { backoff: { base: 5s, max: 20s, jitter: 0 } $1 } }
sources:
  users: { entry: app, rate: 20/s }
YAML
}

# scenario BODY: a scenario file around BODY.
scenario() {
  printf 'scenario { name = "t", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "10m" }\n%s\n' "$1" >"$T/s/scenario.lua"
}

# The most instances seen starting at once, and when all were back.
WATCH='
local most, back = 0, nil
at("10:01", function() crash { service = "app" } end)
every("1s", function()
  local s = instances("app", "east", "starting")
  if s > most then most = s end
  if not back and now() > 60 and instances("app", "east", "up") == 8 then
    back = now() - 60
    note(("most starting at once %d; all back after %d s"):format(most, back))
  end
end)'

# Times are seen at 1s steps, after the few milliseconds that asking the
# platform and the start-up read take: 30s of booting shows as 31.

# --- no throttle: all eight boot together and serve 30s later ---
topology ""
scenario "$WATCH"
run run "$T/s" && has "most starting at once 8; all back after 31 s"

# --- parallel: 2: two at a time, four rounds of 30s ---
topology ", parallel: 2"
run run "$T/s" && has "most starting at once 2; all back after 121 s"

# --- rate: 6/m: one start every 10 seconds; the last starts 70s in, and
# three are booting at once from the third start on ---
topology ", rate: 6/m"
run run "$T/s" && has "most starting at once 3; all back after 101 s"

# --- the throttle counts real starts at every sampling factor: sixteen
# instances, four at a time, are four rounds of 30s whether each simulated
# instance stands for one or for four ---
for n in 1 4; do
  cat >"$T/s/topology.yaml" <<YAML
regions: [east]
settings: { sampling: $n }
services:
  app: { deploy: { east: 16 }, concurrency: 8, service_time: 2ms, runs_on: plat, restart_time: 30s }
  plat: { deploy: { east: 4 }, concurrency: 8, service_time: 5ms,
          scheduler: { backoff: { base: 5s, max: 20s, jitter: 0 }, parallel: 4 } }
sources:
  users: { entry: app, rate: 20/s }
YAML
  scenario "$(echo "$WATCH" | sed 's/== 8 then/== 16 then/')"
  run run "$T/s" && has "most starting at once 4; all back after 121 s"
done

# --- a start-up call that fails is a crash loop: db hangs from 10:00:30 to
# 10:03; app crashes at 10:01, boots until 10:01:30, its read of db times
# out a second later and it is waiting again (5s of backoff); it keeps
# failing until db answers again, then the next start works. ---
topology ""
scenario "$WATCH
at(\"10:00:30\", function() hang { service = \"db\" } end)
at(\"10:01:33\", function() note((\"app: %d up, %d waiting\"):format(instances(\"app\", \"east\", \"up\"), instances(\"app\", \"east\", \"waiting\"))) end)
at(\"10:03\", function() unhang { service = \"db\" } end)"
run run "$T/s" && has "app: 0 up, 8 waiting" && has "most starting at once 8; all back after"

# --- a start-up call that needs the very service that is down is a
# deadlock, reported as one: app reads policy at start-up, policy needs
# auth, auth needs app. With auth's call to app optional, app comes back. ---
for crit in true false; do
  cat >"$T/s/topology.yaml" <<YAML
regions: [east]
services:
  app: { deploy: { east: 4 }, concurrency: 8, service_time: 2ms, restart_time: 30s,
         startup: { calls: [ { to: policy, timeout: 1s } ] } }
  policy: { deploy: { east: 2 }, concurrency: 8, service_time: 2ms, calls: [ { to: auth, timeout: 500ms } ] }
  auth: { deploy: { east: 2 }, concurrency: 8, service_time: 2ms,
          calls: [ { to: app, timeout: 300ms, critical: $crit } ] }
sources:
  users: { entry: policy, rate: 20/s }
YAML
  scenario 'at("10:01", function() crash { service = "app" } end)
at("10:05", function() note(("app up %d"):format(instances("app", "east", "up"))) end)'
  if [ "$crit" = true ]; then
    run run "$T/s" && has "recovery deadlock in east: app -> policy -> app (instances cannot start: what they call at start-up needs them)" && has "app up 0"
  else
    run run "$T/s" && lacks "recovery deadlock" && has "app up 4"
  fi
done

# --- the restart-herd pattern: time from the fix until every instance
# serves again, synchronised against jittered and throttled, per seed ---
for seed in 1 2 3 4; do
  sync=""; jit=""
  if run run scenarios/patterns/restart-herd --seed "$seed"; then
    has "restart herd: "
    sync=$(sed -n 's/.*serving again, \([0-9]*\) s after the fix.*/\1/p' "$T/out" | head -1)
  fi
  if run run scenarios/patterns/restart-herd --seed "$seed" --param restarts=jittered; then
    lacks "restart herd: "
    jit=$(sed -n 's/.*serving again, \([0-9]*\) s after the fix.*/\1/p' "$T/out" | head -1)
  fi
  if [ -z "$sync" ] || [ -z "$jit" ]; then bad "seed $seed: no recovery time (synchronised '$sync', jittered '$jit')"; continue; fi
  echo "herd.sh: seed $seed: synchronised ${sync}s, jittered ${jit}s after the fix"
  if [ "$jit" -gt 0 ] && [ "$sync" -ge $((3 * jit)) ]; then ok; else bad "seed $seed: ${sync}s is not 3x ${jit}s"; fi
done

finish herd.sh
