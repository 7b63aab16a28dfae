#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang and the sanitizers,
# then runs each for SECONDS (default 60), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Each target starts from its seed corpus (tests/fuzz/corpus/NAME, read
# only; the scenario and topology targets also from every bundled drill
# under scenarios/, copied in at each run so the seeds follow the drills)
# plus a working corpus in $FUZZ_BUILD/corpus/NAME, with its
# dictionary (tests/fuzz/NAME.dict). Inputs that once crashed a target are
# kept in tests/fuzz/regress/NAME and run first, so a crash found once
# stays found. A crash, leak, timeout or sanitizer report fails the run;
# libFuzzer leaves the input as $FUZZ_BUILD/crash-* (copy it into regress/
# with the fix). FUZZ_JOBS=N runs N workers per target instead of one.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"units topology json scenario"}
B=${FUZZ_BUILD:-build-fuzz}

sh scripts/deps.sh fuzz
CC=clang cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFD_FUZZ=ON ${CMAKE_ARGS:-} >/dev/null
for t in $targets; do
  cmake --build "$B" -j "$(nproc 2>/dev/null || echo 2)" --target "fuzz_$t" >/dev/null
done

status=0
for t in $targets; do
  mkdir -p "$B/corpus/$t"
  regress=""
  bundled=""
  case $t in
    scenario|topology)
      bundled="$B/bundled/$t"
      rm -rf "$bundled" && mkdir -p "$bundled"
      ext=lua; [ "$t" = topology ] && ext=yaml
      for f in scenarios/*/$t.$ext scenarios/*/*/$t.$ext; do
        [ -f "$f" ] && cp "$f" "$bundled/$(basename "$(dirname "$f")").$ext"
      done ;;
  esac
  [ -d "tests/fuzz/regress/$t" ] && regress="tests/fuzz/regress/$t"
  echo "fuzz_$t: ${secs}s"
  # -timeout: one input over 10 s is a hang; -rss_limit_mb: the engine's
  # own caps are far below it.
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$B/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 -artifact_prefix="$B/" -dict="tests/fuzz/$t.dict" \
         ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} \
         "$B/corpus/$t" "tests/fuzz/corpus/$t" $bundled $regress >"$B/fuzz_$t.log" 2>&1; then
    echo "fuzz_$t: FAILED (see $B/fuzz_$t.log)" >&2
    tail -40 "$B/fuzz_$t.log" >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$B/fuzz_$t.log" | sed "s/^/fuzz_$t: /" || true
done
exit $status
