#!/bin/sh
# new.sh: `firedrill new NAME` writes a drill that passes check and run.
#
#   sh tests/cli/new.sh path/to/firedrill      (from the repository root)
set -u

fd=${1:?usage: sh tests/cli/new.sh path/to/firedrill}
case $fd in /*) ;; *) fd=$(pwd)/$fd ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/fd-new.XXXXXX") || { echo "new.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

fails=0
checks=0
fail() {
  echo "new.sh: FAIL: $*" >&2
  fails=$((fails + 1))
}
# want RC CMD...: runs CMD in $dir, output in $dir/out and $dir/err.
want() {
  rc_want=$1
  shift
  checks=$((checks + 1))
  (cd "$dir" && "$@") >"$dir/out" 2>"$dir/err"
  rc=$?
  if [ "$rc" -ne "$rc_want" ]; then
    fail "$* exited $rc, want $rc_want"
    sed 's/^/    /' "$dir/err" "$dir/out" >&2
  fi
}

want 0 "$fd" new my-drill
for f in topology.yaml scenario.lua README.md; do
  checks=$((checks + 1))
  [ -s "$dir/my-drill/$f" ] || fail "my-drill/$f missing or empty"
done
checks=$((checks + 1))
grep -q 'firedrill check my-drill' "$dir/out" || fail "new does not say what to do next"
checks=$((checks + 1))
grep -q 'name = "my-drill: ' "$dir/my-drill/scenario.lua" || fail "the scenario is not named after the folder"

# It passes check with no finding, and run with every expectation held.
want 0 "$fd" check my-drill --strict
checks=$((checks + 1))
grep -q '0 errors, 0 warnings' "$dir/out" || fail "check of the new drill is not clean"
want 0 "$fd" run my-drill
checks=$((checks + 1))
grep -q 'of 3 expectations hold' "$dir/out" || fail "the new drill has no expectations"
checks=$((checks + 1))
grep -q 'FAIL' "$dir/out" && fail "an expectation of the new drill fails"

# It shows the main ideas in comments.
for idea in 'param(' 'team {' 'alert {' 'on_alert(' 'at("' 'expect.'; do
  checks=$((checks + 1))
  grep -qF "$idea" "$dir/my-drill/scenario.lua" || fail "scenario.lua lacks $idea"
done

# An existing folder is refused and left alone; no temporary folder stays.
want 2 "$fd" new my-drill
checks=$((checks + 1))
grep -q "already exists" "$dir/err" || fail "no clear message for an existing folder"
want 2 "$fd" new
want 2 "$fd" new 'bad"name'
checks=$((checks + 1))
ls "$dir" | grep -q '\.new-' && fail "a temporary folder was left behind"

if [ "$fails" -ne 0 ]; then
  echo "new.sh: $fails of $checks checks failed" >&2
  exit 1
fi
echo "new.sh: all $checks checks passed"
