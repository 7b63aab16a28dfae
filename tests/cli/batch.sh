#!/bin/sh
# firedrill batch and merge: determinism whatever -j, shards merged equal an
# unsharded batch byte for byte (sequentially and through GNU parallel when
# it is installed), --resume after lost records and after a kill -9, failed
# runs (Lua errors, runaways, crashes) recorded while the batch goes on, and
# exit codes. Usage: sh tests/cli/batch.sh path/to/firedrill
# [path/to/firedrill-faults] (from the repo root; the second, the test build
# with the worker's fault hook, defaults to firedrill-faults beside the first).
set -u
FD=$1
case "$FD" in /*) ;; *) FD=$(pwd)/$FD ;; esac
FDT=${2:-$(dirname "$FD")/firedrill-faults}
case "$FDT" in /*) ;; *) FDT=$(pwd)/$FDT ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# same A B WHAT: the two folders hold the same files with the same bytes.
same() {
  if diff -r "$1" "$2" >"$T/diff" 2>&1; then ok; else bad "$3"; head -20 "$T/diff" | sed 's/^/  | /' >&2; fi
}
# outputs DIR: the batch outputs are all there, and no temporaries are left.
outputs() {
  for f in plan.json runs.csv summary.json junit.xml report.html; do
    [ -s "$1/$f" ] || { bad "$1/$f missing"; return; }
  done
  if find "$1" -name '*.tmp.*' | grep -q .; then bad "temporaries left in $1"; else ok; fi
}

# A small, fast drill: errors on the store for a random while (math.random
# is seeded per run), an error rate to sweep, expectations with pass rates.
cd "$T" || exit 3
mkdir s
cat >s/topology.yaml <<'YAML'
regions: [east]
services:
  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms,
         calls: [ { to: db, timeout: 500ms } ] }
  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }
sources:
  users: { entry: web, rate: 20/s }
YAML
cat >s/scenario.lua <<'LUA'
scenario { name = "sweep", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "10m" }
local rate = param("err", 0.2)
local len = math.random(30, 150)
at("10:01", function() errors { service = "db", rate = rate } end)
at("10:01", function() after(len .. "s", function() errors { service = "db", rate = 0 } end) end)
expect.availability { entry = "users", min = 0.97, pass_rate = 0.5 }
expect.recovered_within("3m", { pass_rate = 0.8 })
LUA
# Some seeds fail: a Lua error, or a loop that never ends.
cat >s/flaky.lua <<'LUA'
scenario { name = "flaky", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "5m" }
local mode = param("mode", "error")
local draw = math.random(1, 4)
if draw == 1 then
  if mode == "error" then error("boom on a bad draw") else while true do end end
end
expect.availability { entry = "users", min = 0.5 }
LUA

SWEEP="s --seeds 1..20 --param err=0.02,0.3"   # 40 runs

# --- usage ---
"$FD" batch >/dev/null 2>&1; [ $? = 2 ] && ok || bad "no scenario: want exit 2"
"$FD" batch s --seeds 5..1 >/dev/null 2>&1; [ $? = 2 ] && ok || bad "bad seeds: want exit 2"
"$FD" batch s --shard 3/2 >/dev/null 2>&1; [ $? = 2 ] && ok || bad "bad shard: want exit 2"
"$FD" batch s --param err >/dev/null 2>&1; [ $? = 2 ] && ok || bad "bad param: want exit 2"
"$FD" batch nowhere.lua --out "$T/x" >/dev/null 2>&1; [ $? = 2 ] && ok || bad "missing scenario: want exit 2"
"$FD" merge >/dev/null 2>&1; [ $? = 2 ] && ok || bad "merge without args: want exit 2"
"$FD" batch s --param err=0.1,0.2,0.1 --out dup 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q "the value '0.1' is given twice" "$T/err" && [ ! -e dup ] &&
  ok || bad "a value given twice in one axis: want exit 2 before DIR is made, got $rc"
# 25 axes of 10 values overflow a 64-bit count: still refused as too many.
many=$(i=0; while [ $i -lt 25 ]; do printf ' --param p%d=0,1,2,3,4,5,6,7,8,9' $i; i=$((i + 1)); done)
# shellcheck disable=SC2086
"$FD" batch s $many --out many 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'more than 10^8 runs' "$T/err" && [ ! -e many ] &&
  ok || bad "a plan past 10^8 runs: want exit 2, got $rc"
# A --param no scenario declares fails every run: refused up front, with a
# did-you-mean, before DIR is touched.
"$FD" batch s --seeds 1..3 --param eror=0.1,0.2 --out typo 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && ok || bad "an undeclared --param: want exit 2, got $rc"
grep -q "s/scenario.lua: error: --param eror: the scenario declares no param 'eror'" "$T/err" &&
  grep -q "note: did you mean 'err'?" "$T/err" && ok || bad "an undeclared --param: message"
[ ! -e typo ] && ok || bad "an undeclared --param: DIR was created"

# --- -j1 and -j2 give the same bytes ---
"$FD" batch $SWEEP -j1 --out j1 >"$T/out1" 2>"$T/err1"
rc1=$?
"$FD" batch $SWEEP -j2 --out j2 2>"$T/err2"
rc2=$?
[ "$rc1" = "$rc2" ] && ok || bad "-j1 exit $rc1, -j2 exit $rc2"
outputs j1
same j1 j2 "-j1 and -j2 outputs differ"
[ "$(ls j1/runs | wc -l)" = 40 ] && ok || bad "want 40 run records"
[ "$(wc -l <j1/runs.csv)" = 41 ] && ok || bad "runs.csv: want a header and 40 rows"
# rows are in index order, with their own seeds and params
sed -n 2p j1/runs.csv | grep -q '^0,s/scenario.lua,err=0.02,1,' && ok || bad "runs.csv first row"
sed -n 41p j1/runs.csv | grep -q '^39,s/scenario.lua,err=0.3,20,' && ok || bad "runs.csv last row"
grep -q '"p95"' j1/summary.json && grep -q '"required": 0.8' j1/summary.json && ok || bad "summary.json distributions/pass rates"
[ "$(grep -c '<testcase' j1/junit.xml)" = 2 ] && ok || bad "junit.xml: want one testcase per parameter point"
grep -q 'name="sweep \[err=0.3\]"' j1/junit.xml && ok || bad "junit.xml testcase name"
# The high error rate misses the availability pass rate; the low one holds.
grep -q '<failure message="availability(users) &gt;= 97.00%' j1/junit.xml && ok || bad "junit.xml: err=0.3 should fail availability"
[ "$rc1" = 1 ] && ok || bad "an expectation below its pass rate: want exit 1, got $rc1"
grep -q 'runs done' "$T/err1" && ok || bad "no progress lines on a non-terminal"
# The key figures on stdout: per parameter point, the outage's p50/p95 and
# each expectation's pass rate against the one it needs.
grep -q '^sweep err=0.3  (20 runs)$' "$T/out1" && ok || bad "batch stdout: no group line"
grep -q '^  outage duration   p50 [0-9.]* min, p95 [0-9.]* min' "$T/out1" && ok || bad "batch stdout: no outage p50/p95"
grep -q '^  FAIL  *[0-9]*% of runs pass ([0-9]* of 20; needs 50%)  availability(users) >= 97.00%$' "$T/out1" &&
  ok || { bad "batch stdout: no pass rates"; sed 's/^/  | /' "$T/out1" >&2; }
# report.html: self-contained, with its charts and replay commands (-j1 = -j2
# is covered by the diff -r above, merged = unsharded by the ones below).
grep -q 'id="g0-duration"' j1/report.html && grep -q 'id="g1-availability-0"' j1/report.html &&
  grep -q 'id="g1-customers-0"' j1/report.html && grep -q 'id="g1-peak-0"' j1/report.html &&
  ok || bad "report.html: distribution charts"
grep -q 'id="s0-sweep-0-duration"' j1/report.html && grep -q 'id="s0-sweep-0-availability-0"' j1/report.html &&
  ok || bad "report.html: parameter effect charts"
[ "$(grep -c '<svg id="[^"]*" role="img"' j1/report.html)" = "$(grep -c '<title id=' j1/report.html)" ] &&
  ok || bad "report.html: every chart an <svg role=img> with a <title>"
grep -q '<td>availability(users) &gt;= 97.00%' j1/report.html && ok || bad "report.html: expectation pass rates"
# People read minutes and percentages on round ticks, not seconds and fractions.
grep -Eq '<p class="stat">n=[0-9]+ &middot; p5 [0-9.]+ min &middot; p50 [0-9.]+ min' j1/report.html &&
  grep -Eq 'text-anchor="end">[0-9]+(\.[0-9])?%</text>' j1/report.html &&
  ! grep -Eq '>[0-9]\.[0-9]{5,}</text>' j1/report.html &&
  ok || bad "report.html: durations in minutes, availability in percent, round tick labels"
seed=$(grep ',s/scenario.lua,err=0.3,[0-9]*,failed,' j1/runs.csv | head -1 | cut -d, -f4)
[ -n "$seed" ] && grep -q "<code>firedrill run s/scenario.lua --seed $seed --param err=0.3</code>" j1/report.html &&
  ok || bad "report.html: replay command of failing seed '$seed'"
if grep -Eiq '(src|href)=.?https?://' j1/report.html || grep -qi '<script' j1/report.html; then
  bad "report.html fetches from the network or runs a script"; else ok; fi
# On a terminal, a progress bar instead of lines (script(1) gives it a pty).
if command -v script >/dev/null 2>&1; then
  script -qec "\"$FD\" batch s --seeds 1..8 --param err=0.02 -j2 --out bar" /dev/null >"$T/tty.log" 2>&1
  if grep -q '\[#*\.*\] [0-9]*/8 runs  [0-9]* failed' "$T/tty.log" && grep -q '\[##############################\] 8/8 runs' "$T/tty.log" &&
     ! grep -q 'runs done' "$T/tty.log"; then ok; else
    bad "no progress bar on a terminal"; tr '\r' '\n' <"$T/tty.log" | sed 's/^/  | /' >&2; fi
else
  echo "note: script(1) not installed; skipping the terminal progress bar" >&2
fi
# A passing sweep exits 0.
"$FD" batch s --seeds 1..6 --param err=0.02 --out pass 2>/dev/null; rc=$?
[ "$rc" = 0 ] && ok || bad "all pass rates met: want exit 0, got $rc"

# Started with its standard descriptors closed (a runner with no stdin, a
# scheduler): the same batch, the same bytes, no crash.
"$FD" batch s --seeds 1..6 --param err=0.02 --out closed <&- >&- 2>&-; rc=$?
[ "$rc" = 0 ] && ok || bad "a batch with stdin, stdout and stderr closed: want exit 0, got $rc"
same pass closed "a batch with its standard descriptors closed differs"

# --- shards, run one after the other, merged, equal the whole ---
for k in 1 2 3 4; do
  "$FD" batch $SWEEP -j2 --shard $k/4 --out sh$k 2>/dev/null
done
[ "$(ls sh3/runs | wc -l)" = 10 ] && ok || bad "shard 3/4: want 10 records"
grep -q '^2,' sh3/runs.csv && grep -q '^6,' sh3/runs.csv && ok || bad "shard 3/4 runs indexes 2, 6, ..."
"$FD" merge sh1 sh2 sh3 sh4 --out merged 2>/dev/null; rc=$?
[ "$rc" = "$rc1" ] && ok || bad "merge exit $rc, batch exit $rc1"
outputs merged
same j1 merged "merged shards differ from the unsharded batch"
# order of inputs does not matter
"$FD" merge sh4 sh2 sh3 sh1 --out merged2 2>/dev/null
same j1 merged2 "merge depends on the order of its inputs"
# a missing shard is an error
"$FD" merge sh1 sh2 sh4 --out partial 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'have no record' "$T/err" && ok || bad "merge with a missing shard: want exit 2"
# a torn record is named, with its line and column, and the merge refused
cp -r sh2 torn
printf '{"index": 1, "seed"' >torn/runs/1.json
"$FD" merge sh1 torn sh3 sh4 --out nope 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q '^torn/runs/1.json:1:[0-9]*: error: ' "$T/err" && [ ! -e nope ] &&
  ok || bad "merge with a torn record: want exit 2 naming torn/runs/1.json:LINE:COL"
# so is a malformed plan
printf '{"scenarios": [' >torn/plan.json
"$FD" merge sh1 torn --out nope 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q '^torn/plan.json:[0-9]*:[0-9]*: error: ' "$T/err" &&
  ok || bad "merge with a malformed plan.json: want exit 2 naming torn/plan.json:LINE:COL"
# different plans do not merge
"$FD" batch s --seeds 1..2 --out other 2>/dev/null
"$FD" merge sh1 other --out nope 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'different batches' "$T/err" && ok || bad "merging different plans: want exit 2"

# --- the same through GNU parallel, when it is there ---
if command -v parallel >/dev/null 2>&1; then
  parallel --will-cite -j4 "$FD" batch $SWEEP -j1 --shard {}/4 --out par{} ::: 1 2 3 4 2>/dev/null
  "$FD" merge par1 par2 par3 par4 --out parmerged 2>/dev/null
  same j1 parmerged "shards run by GNU parallel, merged, differ from the unsharded batch"
else
  echo "note: GNU parallel not installed; skipping its part" >&2
fi

# --- --resume re-runs only the missing runs ---
cp -r j1 res
rm res/runs/3.json res/runs/17.json res/runs/39.json res/summary.json
"$FD" batch $SWEEP -j2 --out res --resume 2>"$T/err"
grep -q 'resuming: 37 of 40' "$T/err" && ok || bad "--resume should find 37 runs done"
grep -q '40/40 runs done' "$T/err" && ok || bad "--resume should finish 40/40"
same j1 res "--resume after lost records differs"
# a record from another run (a torn or foreign copy) is re-run too
cp res/runs/5.json res/runs/6.json
"$FD" batch $SWEEP -j2 --out res --resume 2>/dev/null
same j1 res "--resume did not replace a wrong record"
# a different plan in the same DIR is refused
"$FD" batch s --seeds 1..3 --out res --resume 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'holds another batch' "$T/err" && ok || bad "a different plan in DIR: want exit 2"

# Records carry a digest of the files their run read: a scenario edited
# between an interrupted batch and its --resume does not mix into it.
cp -r s s2
ED="s2 --seeds 1..6 --param err=0.02,0.3 -j2"
"$FD" batch $ED --out edited 2>/dev/null
"$FD" batch $ED --shard 1/2 --out old1 2>/dev/null
cp -r edited edited.before
rm edited/runs/2.json edited/runs/9.json
printf '%s\n' '-- an edit: the same scenario, other bytes' >>s2/scenario.lua
"$FD" batch $ED --out edited --resume 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'read different files' "$T/err" && grep -q 'without --resume' "$T/err" &&
  ok || bad "--resume after the scenario changed: want exit 2 naming the change, got $rc"
cmp -s edited/summary.json edited.before/summary.json && ok ||
  bad "--resume after the scenario changed: the old aggregates should stay as they were"
# ... and shards run on different copies of the drills do not merge: here
# the scenario is as it was, but its topology has changed.
cp s/scenario.lua s2/scenario.lua
printf '%s\n' '# an edit' >>s2/topology.yaml
"$FD" batch $ED --shard 2/2 --out new2 2>/dev/null
"$FD" merge old1 new2 --out edmerged 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'the shards ran different versions' "$T/err" && [ ! -e edmerged ] &&
  ok || bad "merging shards of two versions of a scenario: want exit 2 and nothing written, got $rc"
"$FD" batch $ED --shard 1/2 --out new1 2>/dev/null
"$FD" merge new1 new2 --out edmerged 2>/dev/null; rc=$?
[ "$rc" -le 1 ] && ok || bad "merging shards of one version: want exit 0 or 1, got $rc"

# --- kill -9 mid-way, then --resume ---
"$FD" batch s --seeds 1..60 --param err=0.02,0.3 -j2 --out killed 2>/dev/null &
pid=$!
n=0
while [ "$(ls killed/runs 2>/dev/null | wc -l)" -lt 20 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
sleep 0.3   # orphaned workers lose their pipe and end
done_before=$(ls killed/runs | grep -c '\.json$')
echo "note: killed after $done_before of 120 runs" >&2
[ "$done_before" -lt 120 ] && ok || bad "the batch finished before it could be killed"
"$FD" batch s --seeds 1..60 --param err=0.02,0.3 -j2 --out killed --resume 2>/dev/null
"$FD" batch s --seeds 1..60 --param err=0.02,0.3 -j2 --out whole 2>/dev/null
find killed -name '*.tmp.*' -delete   # a kill may leave a temporary, never a torn file
same whole killed "killed then resumed differs from an uninterrupted batch"

# --- failed runs are recorded and the batch goes on ---
"$FD" batch s/flaky.lua --seeds 1..12 -j2 --out flaky 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && ok || bad "runs that errored: want exit 1, got $rc"
[ "$(ls flaky/runs | wc -l)" = 12 ] && ok || bad "flaky: want 12 records"
grep -q ',error,s/flaky.lua:5: error: boom on a bad draw' flaky/runs.csv && ok || bad "a Lua error's reason, with file and line"
grep -q ',ok,' flaky/runs.csv && ok || bad "the other runs went on"
grep -q 'did not finish' flaky/junit.xml && ok || bad "junit.xml: errored runs fail the testcase"
seed=$(grep ',error,' flaky/runs.csv | head -1 | cut -d, -f4)
grep -q "<code>firedrill run s/flaky.lua --seed $seed</code>" flaky/report.html &&
  ok || bad "report.html: replay command of an errored seed"
# runaways hit the time limit and are killed
"$FD" batch s/flaky.lua --seeds 1..8 --param mode=loop -j4 --timeout 1 --out loop 2>/dev/null; rc=$?
[ "$rc" = 1 ] && ok || bad "runaway runs: want exit 1, got $rc"
grep -q ',timeout,no result within the time limit of 1s,' loop/runs.csv && ok || bad "runaway recorded as timeout"
[ "$(grep -c ',ok,' loop/runs.csv)" -ge 1 ] && ok || bad "runaway: the other runs went on"
# the released binary has no fault hook: the variable changes nothing
FIREDRILL_BATCH_FAULT=crash:1 "$FD" batch s --seeds 1..1 --param err=0.02 --out nofault 2>/dev/null
grep -q '^0,.*,ok,' nofault/runs.csv && ok || bad "FIREDRILL_BATCH_FAULT reached the release binary"
# a worker that crashes, and one that hangs (the test build's hook in the worker)
FIREDRILL_BATCH_FAULT=crash:2,hang:4 "$FDT" batch s --seeds 1..5 --param err=0.02 -j2 --timeout 2 --out crash 2>/dev/null; rc=$?
[ "$rc" = 1 ] && ok || bad "a crash: want exit 1, got $rc"
grep -q '^1,.*,crash,worker killed by signal 6 (SIGABRT),' crash/runs.csv && ok || bad "crash recorded with its signal"
grep -q '^3,.*,timeout,' crash/runs.csv && ok || bad "hang recorded as timeout"
[ "$(grep -c ',ok,' crash/runs.csv)" = 3 ] && ok || bad "crash: the other runs went on"
grep -q '"crash": 1' crash/summary.json && grep -q '"timeout": 1' crash/summary.json && ok || bad "summary.json counts crash and timeout"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
