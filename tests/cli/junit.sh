#!/bin/sh
# firedrill run --out: junit.xml. A small scenario with one expectation that
# holds and one that fails; the file must be valid against
# tests/junit/junit.xsd, count 2 tests and 1 failure, carry the failure's
# detail and the timeline excerpt, be escaped, and come out byte-identical
# from two identical runs. Then the bundled replays' junit.xml are
# validated too. Needs xmllint (scripts/deps.sh test).
# Usage: sh tests/cli/junit.sh path/to/firedrill (from the repo root).
set -u
FD=$1
XSD=tests/junit/junit.xsd
. "$(dirname "$0")/lib/harness.sh"

if ! command -v xmllint >/dev/null 2>&1; then
  echo "FAIL: xmllint not found; install it with scripts/deps.sh test (libxml2-utils)" >&2
  exit 1
fi

# valid FILE: validates FILE against the schema, showing xmllint's reasons.
valid() {
  if xmllint --noout --schema "$XSD" "$1" >"$T/lint" 2>&1; then ok
  else bad "$1 is not valid against $XSD"; sed 's/^/  | /' "$T/lint" >&2; fi
}

# has FILE TEXT: FILE contains the fixed string TEXT.
has() {
  if grep -qF -- "$2" "$1"; then ok; else bad "$1 lacks: $2"; fi
}

# run CODE ARGS...: runs firedrill and checks its exit code.
run() {
  code=$1; shift
  "$FD" run "$@" >"$T/out" 2>&1
  rc=$?
  if [ "$rc" = "$code" ]; then ok
  else bad "firedrill run $*: exit $rc, wanted $code"; sed 's/^/  | /' "$T/out" >&2; fi
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
cat >"$T/s/drill.lua" <<'LUA'
scenario { name = "junit <drill> & co", topology = "topology.yaml",
           start = "2024-01-01 10:00 +08:00", duration = "10m" }
local k = param("k", 1)
at("10:02", function()
  note('db about to crash: "<fire>" & smoke')
  crash { service = "db" }
end)
expect.that("db & web answer", function() return true, "fine" end)
expect.that("web's error rate < 1%", function() return false, "web's errors peaked at 100% (> 1%)" end)
LUA

# --- one passing and one failing expectation ---
run 1 "$T/s/drill.lua" --param k=3 --out "$T/o1"
run 1 "$T/s/drill.lua" --param k=3 --out "$T/o2"
J=$T/o1/junit.xml
if [ -s "$J" ]; then ok; else bad "--out did not write junit.xml"; fi
valid "$J"
xmllint --noout "$J" 2>/dev/null && ok || bad "junit.xml is not well-formed"
has "$J" '<?xml version="1.0" encoding="UTF-8"?>'
has "$J" '<testsuites name="firedrill" tests="2" failures="1" errors="0" time="600.000">'
has "$J" '<testsuite name="junit &lt;drill&gt; &amp; co" tests="2" failures="1" errors="0" skipped="0" time="600.000" timestamp="2024-01-01T10:00:00+08:00" hostname="firedrill">'
has "$J" '<property name="seed" value="1"/>'
has "$J" '<property name="param.k" value="3"/>'
has "$J" "<property name=\"path\" value=\"$T/s/drill.lua\"/>"
has "$J" '<testcase classname="junit &lt;drill&gt; &amp; co" name="db &amp; web answer" time="0"/>'
has "$J" '<testcase classname="junit &lt;drill&gt; &amp; co" name="web&apos;s error rate &lt; 1%" time="0">'
has "$J" '<failure message="web&apos;s errors peaked at 100% (&gt; 1%)" type="expectation">web&apos;s errors peaked at 100% (&gt; 1%)'
# The timeline excerpt in the failure's body, numbered, in local time.
has "$J" 'Timeline ('
has "$J" '  1. 10:02  db about to crash: &quot;&lt;fire&gt;&quot; &amp; smoke'
has "$J" '. 10:02  every db instance crashes in all regions'
[ "$(grep -c '^ *[0-9]*\. 10:0[0-9]  ' "$J")" -ge 3 ] && ok || bad "the failure body has no timeline lines"
# Counted by a reader rather than by grep.
[ "$(xmllint --xpath 'count(//testcase)' "$J")" = 2 ] && ok || bad "not 2 testcases"
[ "$(xmllint --xpath 'count(//testcase/failure)' "$J")" = 1 ] && ok || bad "not 1 failure"
[ "$(xmllint --xpath 'string(//failure/@message)' "$J")" = "web's errors peaked at 100% (> 1%)" ] && ok ||
  bad "the failure message does not read back"
xmllint --xpath 'string(//testsuite/system-out)' "$J" | grep -q '^  start      10:02$' && ok ||
  bad "system-out lacks the incident clock"
# Deterministic: the same run twice gives the same bytes.
cmp -s "$T/o1/junit.xml" "$T/o2/junit.xml" && ok || bad "junit.xml differs between identical runs"
ls "$T/o1" | grep -q tmp && bad "temporary files left in --out" || ok

# --- every expectation holds; and none at all ---
cat >"$T/s/holds.lua" <<'LUA'
scenario { name = "holds", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "2m" }
expect.that("quiet", function() return true, "ok" end)
LUA
run 0 "$T/s/holds.lua" --out "$T/h"
valid "$T/h/junit.xml"
has "$T/h/junit.xml" 'tests="1" failures="0" errors="0" skipped="0"'
grep -q '<failure' "$T/h/junit.xml" && bad "a run that holds has a failure" || ok
cat >"$T/s/none.lua" <<'LUA'
scenario { name = "none", topology = "topology.yaml", start = "2024-01-01 10:00 +00:00", duration = "2m" }
LUA
run 0 "$T/s/none.lua" --out "$T/n"
valid "$T/n/junit.xml"
has "$T/n/junit.xml" '<testsuites name="firedrill" tests="0" failures="0" errors="0" time="120.000">'

# --- the bundled replays (10-20 s each) ---
for s in scenarios/tencent-2024-04-08 scenarios/netease-2024-08-18; do
  name=$(basename "$s")
  "$FD" run "$s" --quiet --out "$T/$name" >"$T/out" 2>&1
  rc=$?
  if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then ok
  else bad "firedrill run $s: exit $rc"; sed 's/^/  | /' "$T/out" >&2; continue; fi
  valid "$T/$name/junit.xml"
  tests=$(xmllint --xpath 'string(/testsuites/@tests)' "$T/$name/junit.xml")
  cases=$(xmllint --xpath 'count(//testcase)' "$T/$name/junit.xml")
  fails=$(xmllint --xpath 'string(/testsuites/@failures)' "$T/$name/junit.xml")
  nfail=$(xmllint --xpath 'count(//testcase/failure)' "$T/$name/junit.xml")
  [ -n "$tests" ] && [ "$tests" = "$cases" ] && [ "$fails" = "$nfail" ] && ok ||
    bad "$name: counts disagree (tests=$tests cases=$cases failures=$fails found=$nfail)"
  # The exit code and the report agree on whether everything held.
  if [ "$rc" = 0 ]; then [ "$fails" = 0 ] && ok || bad "$name: exit 0 with failures=$fails"
  else [ "$fails" != 0 ] && ok || bad "$name: exit 1 without failures"; fi
done

finish junit.sh
