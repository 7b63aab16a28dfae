#!/bin/sh
# The CI examples in docs/examples/ must only show firedrill command lines
# that work. Extracts every `firedrill COMMAND ...` line from
# github-actions.yml, gitlab-ci.yml and Jenkinsfile (comment lines aside),
# maps the example drills to the bundled scenarios, and runs each distinct
# command with the real binary:
#   check          must exit 0 or 1 (1: warnings under --strict);
#   run            runs for real with --out in a temporary folder, must exit
#                  0 or 1 (1: an expectation failed, which is what a gate is
#                  for) and leave junit.xml and report.html, which the
#                  examples publish; never 2 (bad input) or 3;
#   batch, merge   only allowed if `firedrill help batch` works.
# Usage: sh tests/cli/ci_examples.sh path/to/firedrill (from the repo root).
set -u
set -f   # the commands are split into words below, never globbed
FD=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# The example drills and the bundled scenarios that stand in for them. A
# drill path with a CI variable in it (a matrix entry) stands for any.
map_drill() {
  case "$1" in
    drills/checkout | drills/checkout/ | *'$'*) echo scenarios/netease-2024-08-18 ;;
    drills/login | drills/login/) echo scenarios/tencent-2024-04-08 ;;
    *) return 1 ;;
  esac
}

# extract FILE: the firedrill command lines of FILE, one a line, from the
# word `firedrill` to the end, without a closing quote or backslash.
extract() {
  awk '
    /^[ \t]*(#|\/\/)/ { next }
    {
      if (match($0, /(^|[ \t"'\''])firedrill (check|run|batch|merge|report|graph|demo|help)( |$)/)) {
        s = substr($0, RSTART, RLENGTH + 1000)
        sub(/^[ \t"'\'']/, "", s)
        sub(/[ \t\\"'\'']*$/, "", s)
        print s
      }
    }' "$1" | sed 's/\${{ *matrix\.drill *}}/$DRILL/g'
}

: >"$T/seen"
n=0
for f in docs/examples/github-actions.yml docs/examples/gitlab-ci.yml docs/examples/Jenkinsfile; do
  if [ ! -f "$f" ]; then bad "$f is missing"; continue; fi
  extract "$f" >"$T/cmds"
  grep -q '^firedrill run ' "$T/cmds" || bad "$f: no 'firedrill run' line found"
  grep -q '^firedrill check ' "$T/cmds" || bad "$f: no 'firedrill check' line found"
  while IFS= read -r line; do
    # Rebuild the command with the stand-ins: drills -> bundled scenarios,
    # the --out folder -> a temporary one (the key leaves it out, so the
    # same command in two files runs once).
    set -- $line
    shift   # firedrill
    cmd=$1
    shift
    args=""
    key=$cmd
    hasout=0
    prev=""
    unknown=""
    for a in "$@"; do
      if [ "$prev" = "--out" ]; then
        a=OUT
        hasout=1
      else
        case "$a" in
          drills/*) a=$(map_drill "$a") || { unknown=$a; break; } ;;
        esac
      fi
      args="$args $a"
      prev=$a
    done
    if [ -n "$unknown" ]; then
      bad "$f: '$line': no bundled scenario stands for '$unknown' (add it to map_drill)"
      continue
    fi
    key="$cmd$args"
    if grep -qxF -- "$key" "$T/seen"; then continue; fi
    echo "$key" >>"$T/seen"
    n=$((n + 1))
    out="$T/out$n"
    set -- $args
    # The words again, with the real --out folder.
    args2=""
    for a in "$@"; do
      [ "$a" = OUT ] && a=$out
      args2="$args2 $a"
    done
    [ "$cmd" = run ] && [ "$hasout" = 0 ] && args2="$args2 --out $out"
    set -- $args2
    case "$cmd" in
      check | run)
        echo "ci_examples: firedrill $cmd$args2   (from $f)"
        timeout 600 "$FD" "$cmd" "$@" </dev/null >"$T/log" 2>&1
        rc=$?
        case "$rc" in
          0 | 1) ok ;;
          *) bad "$f: 'firedrill $cmd$args2' exited $rc (wanted 0 or 1)"; sed 's/^/  | /' "$T/log" | tail -20 >&2; continue ;;
        esac
        if [ "$cmd" = run ]; then
          for x in junit.xml report.html; do
            if [ -s "$out/$x" ]; then ok; else bad "$f: 'firedrill $cmd$args2' left no $x"; fi
          done
        fi
        ;;
      batch | merge)
        if "$FD" help batch >/dev/null 2>&1; then
          ok
        else
          bad "$f: '$line' uses 'firedrill $cmd', but 'firedrill help batch' fails: this firedrill has no batch runs"
        fi
        ;;
      *)
        bad "$f: '$line': this test does not know how to try 'firedrill $cmd'; teach it or leave it out"
        ;;
    esac
  done <"$T/cmds"
done
[ "$n" -gt 0 ] || bad "no firedrill command lines found in docs/examples"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
