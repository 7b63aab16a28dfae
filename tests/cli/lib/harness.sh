# harness.sh: the bookkeeping the shell tests of tests/cli share. Source it
# after setting FD (the firedrill binary):
#
#   . "$(dirname "$0")/lib/harness.sh"
#
# It makes T, a scratch directory removed on exit, and defines:
#   ok / bad MESSAGE       count a check that held / failed (bad prints
#                          "FAIL: MESSAGE" to stderr)
#   show FILE              FILE indented, to stderr (what a failure saw)
#   expect CODE PATTERN -- ARGS
#                          runs firedrill ARGS into $T/out (stdout and
#                          stderr), wants exit CODE and PATTERN in it
#   has PATTERN / lacks PATTERN
#                          PATTERN is / is not in $T/out (the last expect)
#   finish NAME            prints "NAME: P passed, F failed" and exits 0
#                          when nothing failed, 1 otherwise
# PATTERNs are fixed strings. A script may define its own variants after
# sourcing this.
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
show() { sed 's/^/  | /' "$1" >&2; }

expect() {
  code=$1; pat=$2; shift 3
  "$FD" "$@" >"$T/out" 2>&1
  rc=$?
  if [ "$rc" != "$code" ]; then bad "firedrill $*: exit $rc, wanted $code"; show "$T/out"; return; fi
  if ! grep -qF -- "$pat" "$T/out"; then bad "firedrill $*: no '$pat' in output"; show "$T/out"; return; fi
  ok
}

has() { if grep -qF -- "$1" "$T/out"; then ok; else bad "no '$1' in the output"; show "$T/out"; fi; }
lacks() { if grep -qF -- "$1" "$T/out"; then bad "'$1' in the output"; show "$T/out"; else ok; fi; }

finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" = 0 ]
  exit
}
