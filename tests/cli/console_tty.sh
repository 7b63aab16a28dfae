#!/bin/sh
# The game day console on a real terminal (tmux), with test_console's fake
# hub (test_console --interactive): Tab completes a verb and a service,
# Up recalls the last command, an alert that comes while a line is half
# typed is printed above it and the line is kept (Enter then sends it),
# help, Ctrl-D leaves with the terminal restored, and the history file.
# Bounded in time: every wait polls with a limit.
# Usage: sh tests/cli/console_tty.sh path/to/firedrill (from the repo root);
# FD_TEST_CONSOLE names test_console (ctest sets it). Exit 77: no tmux.
set -u
FD=$1
TC=${FD_TEST_CONSOLE:-$(dirname "$FD")/tests/test_console}
[ -x "$TC" ] || { echo "console_tty.sh: no test_console at $TC" >&2; exit 1; }
T=$(mktemp -d)
. "$(dirname "$0")/lib/tmux.sh"

tmux_start \
  "env HOME='$T' TERM=xterm '$TC' --interactive --name alice --team api; echo EXITED \$?; stty -a | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)\$'; sleep 60"

if wait_for 1 "type help for the commands" && wait_last "api>"; then ok; else bad "no welcome and prompt"; fi

# Tab: the verb, then the longest common part of two services, then one
keys 'insp' Tab
if wait_last "api> inspect"; then ok; else bad "insp<Tab> did not complete to 'inspect '"; fi
keys 'cl' Tab
if wait_last "api> inspect cloud-"; then ok; else bad "cl<Tab> did not complete to 'cloud-'"; fi
keys 'a' Tab
if wait_last "api> inspect cloud-api"; then ok; else bad "a<Tab> did not complete to 'cloud-api'"; fi
keys Enter
if wait_for 1 "cloud-api: 3 of 3 up" && wait_last "api>"; then ok; else bad "no reply to inspect"; fi

# Up: the last command again
keys Up
if wait_last "api> inspect cloud-api"; then ok; else bad "Up did not recall the last command"; fi
keys Enter
if wait_for 2 "cloud-api: 3 of 3 up"; then ok; else bad "the recalled command was not sent"; fi

# an alert while a line is half typed
keys 'arm' Enter
if wait_for 1 "armed"; then ok; else bad "no reply to arm"; fi
keys 'ack 4'
if wait_last "api> ack 4"; then ok; else bad "the half-typed line is not shown"; fi
if wait_for 1 "[15:23:10] ALERT api-5xx firing: error_rate > 5%"; then ok; else bad "the alert was not printed"; fi
if wait_last "api> ack 4"; then ok; else bad "the half-typed line was lost when the alert came"; fi
case $(before_last) in
  *"ALERT api-5xx firing"*) ok ;;
  *) bad "the alert is not right above the line being typed" ;;
esac
keys Enter
if wait_for 1 "acked page #4"; then ok; else bad "the half-typed line, finished, was not sent whole"; fi

# two verbs start with r: both are listed, the line stays
keys 'r' Tab
if wait_for 1 "restart  rollback" && wait_last "api> r"; then ok; else bad "r<Tab> did not list restart and rollback"; fi
keys C-u
if wait_last "api>"; then ok; else bad "Ctrl-U did not clear the line"; fi

keys 'help' Enter
if wait_for 1 "acknowledge a page" && wait_for 1 "leave the console"; then ok; else bad "help did not list the verbs"; fi

# Ctrl-D leaves; the terminal is back in its ordinary mode
keys C-d
if wait_for 1 "EXITED 0"; then ok; else bad "Ctrl-D did not end the console"; fi
# hello, inspect twice, arm, ack 4 (help is local)
if wait_for 1 "console done: 5 message(s) sent"; then ok; else bad "the hub did not get 5 messages"; fi
if wait_for 1 "icanon" && ! screen | grep -qx -- "-icanon" && ! screen | grep -qx -- "-echo"; then ok
else bad "the terminal was not restored (icanon, echo)"; fi

if [ -f "$T/.firedrill_history" ] && grep -qF 'ack\0404' "$T/.firedrill_history"; then ok
else bad "no ~/.firedrill_history with the commands"; fi

echo "console_tty.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
