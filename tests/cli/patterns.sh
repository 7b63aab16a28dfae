#!/bin/sh
# patterns.sh: the bundled pattern scenarios (scenarios/patterns/*) end to end.
#
#   sh tests/cli/patterns.sh path/to/firedrill      (from the repository root)
#
# Every scenario folder under scenarios/patterns/ must run with exit 0 (all
# its expectations hold). Each known pattern must also show, in its
# timeline, the line that proves its mechanism fired: a pattern whose
# expectations pass for the wrong reason is caught here. Some variants run
# with --param, to keep the scenarios' knobs working.
set -u

fd=${1:?usage: sh tests/cli/patterns.sh path/to/firedrill}
case $fd in /*) ;; *) fd=$(pwd)/$fd ;; esac
root=scenarios/patterns
dir=$(mktemp -d "${TMPDIR:-/tmp}/fd-patterns.XXXXXX") || { echo "patterns.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

fails=0
checks=0

fail() {
  echo "patterns.sh: FAIL: $*" >&2
  fails=$((fails + 1))
}

# run NAME [ARGS...]: runs the scenario folder NAME with ARGS into
# $dir/NAME.out (stdout and stderr) and requires exit 0.
run() {
  name=$1
  shift
  out=$dir/$(echo "$name $*" | tr ' /=' '___').out
  checks=$((checks + 1))
  "$fd" run "$root/$name" "$@" >"$out" 2>&1
  rc=$?
  last=$out
  if [ "$rc" -ne 0 ]; then
    fail "firedrill run $root/$name $* exited $rc, want 0"
    sed "s/^/    /" "$out" >&2
  fi
}

# has TEXT / lacks TEXT: about the output of the last run.
has() {
  checks=$((checks + 1))
  grep -qF -- "$1" "$last" || fail "$(basename "$last" .out): missing: $1"
}

lacks() {
  checks=$((checks + 1))
  if grep -qF -- "$1" "$last"; then fail "$(basename "$last" .out): unexpected: $1"; fi
}

[ -d "$root" ] || { echo "patterns.sh: no $root (run from the repository root)" >&2; exit 1; }

known="cascading-storage-failure storage-failure bad-config-push circular-dependency
retry-storm surge-on-recovery region-outage blind-monitoring restart-herd cpu-exhaustion"
for name in $known; do
  [ -f "$root/$name/scenario.lua" ] || fail "$root/$name/scenario.lua is missing"
done

# Every folder, known or new, must hold its expectations.
for path in "$root"/*/; do
  name=$(basename "$path")
  [ -f "$path/scenario.lua" ] || continue
  run "$name"
  case " $(echo $known) " in
    *" $name "*) ;;
    *) continue ;;
  esac
  case $name in
  cascading-storage-failure)
    has "db hangs in all regions: requests are accepted and never answered"
    has "gateway in east is failing 100% of requests"
    has "news in east is failing 100% of requests"
    has "db stops hanging in all regions"
    ;;
  storage-failure)
    has "recs-store fails 100.0% of requests in all regions"
    has "profile-db fails 20.0% of requests in all regions"
    has "start      not reached"
    ;;
  bad-config-push)
    has "v2 writes bad data to routing in east"
    has "rollout of api v2 halted: error rate"
    lacks "writes bad data to routing in west"
    has "api rolled back to v1"
    has "configuration data of routing repaired in every region"
    ;;
  circular-dependency)
    has "recovery deadlock in west: api -> platform -> api"
    has "traffic redirected from west to east"
    has "every api restarted in west by hand, bypassing its platform"
    ;;
  retry-storm)
    has "app traffic set to 2x its normal rate"
    has "app traffic set to 1x its normal rate"
    has "breakers on calls to db forced open"
    ;;
  surge-on-recovery)
    has "edge stops failing requests on its own in all regions"
    has "console in east is failing"
    has "console may now autoscale to 20 instances"
    ;;
  blind-monitoring)
    has "monitoring (monitor) hears nothing: alerts cannot fire"
    has "incident detected through customer reports"
    has "support pages sre"
    has "(customer reports)"
    lacks "alert web-5xx fires"
    ;;
  restart-herd)
    has "every service-control instance crashes in all regions"
    has "every service-control restarted in all regions through its platform"
    has "restart herd: 100 service-control instances booted at once"
    has "all 100 service-control instances serving again"
    ;;
  cpu-exhaustion)
    # The rule costs CPU and fails nothing by itself: the CPU pins, the
    # queues fill and requests are turned away; the global kill ends it.
    has "edge CPU 100% busy"
    has "edge in americas is failing"
    has "% of requests (mostly rejected)"
    has "configuration data of waf-rules repaired in every region"
    has "edge in americas is serving normally again"
    has "served traffic fell by 8"
    ;;
  region-outage)
    has "region west goes dark"
    has "power is back in west"
    has "kube in west is serving normally again"
    lacks "traffic redirected"
    ;;
  esac
done

# The knobs: without a gray release the data reaches both regions at once;
# with a redirect the incident ends before the power returns.
run bad-config-push --param gray=false
has "v2 writes bad data to routing in east, west"
lacks "halted"
run region-outage --param redirect=true
has "traffic redirected from west to east"
# A staged rollout of the same rules halts in its first region.
run cpu-exhaustion --param staged=true
has "rules-v2 writes bad data to waf-rules in americas"
has "rollout of edge rules-v2 halted: p99"
lacks "waf-rules in americas, europe"
# A dead-man alert catches the silence before the customers do.
run blind-monitoring --param deadman=true
has "alert telemetry-silent fires: monitor has received no telemetry for 3 min"
has "(alert telemetry-silent)"

# Jittered, throttled restarts: no herd, and the pool back within minutes.
run restart-herd --param restarts=jittered
lacks "restart herd:"
has "all 100 service-control instances serving again"

if [ "$fails" -ne 0 ]; then
  echo "patterns.sh: $fails of $checks checks failed" >&2
  exit 1
fi
echo "patterns.sh: $checks checks passed"
