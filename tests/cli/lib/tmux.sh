# Helpers for the tests that drive a program through a real terminal
# (tmux): sourced by tests/cli/console_tty.sh and gameday_console.sh.
# Before sourcing, set T (a scratch directory). Every wait polls with a
# limit, so a test never hangs. tmux_start CMD runs CMD in session "fd".
if ! command -v tmux >/dev/null 2>&1; then
  echo "$(basename "$0"): SKIP: tmux is not installed (scripts/deps.sh test installs it)"
  exit 77
fi
TM="tmux -S $T/tmux.sock -f /dev/null"
cleanup() {
  $TM kill-server 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; screen | awk NF | tail -25 | sed 's/^/  | /' >&2; }
screen() { $TM capture-pane -p -S -200 -t fd 2>/dev/null; }
# the last line that is not empty: the prompt and what is being typed
last() { screen | awk 'NF { l = $0 } END { print l }'; }
# before_last: the line above it
before_last() { screen | awk 'NF { p = l; l = $0 } END { print p }'; }

# wait_for COUNT PATTERN [TENTHS]: up to TENTHS/10 s (default 10 s) until
# PATTERN (a fixed string) is on the screen COUNT times.
wait_for() {
  i=0
  while [ "$i" -lt "${3:-100}" ]; do
    n=$(screen | grep -cF -- "$2")
    [ "${n:-0}" -ge "$1" ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# wait_last TEXT: up to ~5 s until the last line is TEXT.
wait_last() {
  i=0
  while [ "$i" -lt 50 ]; do
    [ "$(last)" = "$1" ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
keys() { $TM send-keys -t fd "$@"; }
tmux_start() { $TM new-session -d -s fd -x 140 -y 50 "$1"; }
