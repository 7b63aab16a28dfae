#!/bin/sh
# firedrill gameday --console on a real terminal (tmux), against the real
# Tencent Cloud 2024-04-08 drill: the person at the terminal plays the api
# team and facilitates. The page comes, `ack 1` acknowledges it under the
# player's name, `inspect cloud-api` answers with the region table the
# model computes, `pause` holds the clock, `end` ends the drill, and the
# journal and the outputs are written. Bounded in time: every wait polls
# with a limit. Usage: sh tests/cli/gameday_console.sh path/to/firedrill
set -u
FD=$1
T=$(mktemp -d)
. "$(dirname "$0")/lib/tmux.sh"

tmux_start "env HOME='$T' USER=carol TERM=xterm '$FD' gameday scenarios/tencent-2024-04-08 --console \
  --port 0 --start --speed 120 --play api --debrief-seeds 0 --out '$T/out'; echo EXITED \$?; sleep 60"

if wait_for 1 "type help for the commands" 300 && wait_for 1 "teams: api (played), platform, console"; then ok
else bad "no welcome naming the played team"; fi
# 15:23, 23 simulated minutes in: about 12 s at 120x
if wait_for 1 "PAGE #1 to api: alert api-5xx (ack 1)" 600; then ok; else bad "the api team was not paged"; fi
if wait_for 1 "PAGE #2 to console acked by the scripted responder" 100; then ok
else bad "the console team, not played, was not answered by its scripted responder"; fi

keys 'ack 1' Enter
if wait_for 1 "PAGE #1 to api acked by carol" 100; then ok; else bad "ack 1 did not acknowledge the page as carol"; fi

keys 'inspect cloud-api' Enter
if wait_for 1 "failing (last interval)" 200 && wait_for 4 "mostly bad configuration data"; then ok
else bad "inspect cloud-api gave no region table naming the bad data"; fi

# pause is acknowledged (tests/cli/gameday_pacing.py checks that the clock holds)
keys 'pause' Enter
if wait_for 1 "paused" 50; then ok; else bad "pause was not acknowledged"; fi
keys 'unknownverb' Enter
if wait_for 1 "unknownverb" 50 && wait_last "api>"; then ok; else bad "an unknown verb lost the prompt"; fi

keys -l 'end'; keys Enter    # -l: tmux would read 'end' as the End key
if wait_for 1 "The drill is over" 300; then ok; else bad "end did not end the drill"; fi
if wait_for 1 "EXITED 0" 600; then ok; else bad "firedrill gameday did not exit 0 after the end"; fi

J=$T/out/session.jsonl
if [ -f "$J" ] && grep -q '"ack 1"' "$J" && grep -q '"carol"' "$J"; then ok
else bad "the journal does not hold carol's ack"; fi
for f in summary.json events.jsonl report.html; do
  if [ -s "$T/out/$f" ]; then ok; else bad "no $f in the outputs"; fi
done
# The session replays to the same summary.
if "$FD" replay "$T/out" --out "$T/replay" >/dev/null 2>&1 && cmp -s "$T/out/summary.json" "$T/replay/summary.json"
then ok; else bad "firedrill replay of the console session did not give the same summary.json"; fi

echo "gameday_console.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
