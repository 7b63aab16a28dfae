#!/bin/sh
# report.sh: report.html from `firedrill run --out` and `firedrill report`.
#
#   sh tests/cli/report.sh path/to/firedrill      (from the repository root)
#
# Runs the Tencent replay into a temporary folder, checks that report.html
# is there, self-contained (no http(s) src/href) and holds every chart;
# rebuilds it with `firedrill report` and requires the same bytes; checks
# that broken inputs are reported as file:line:col with exit 2. Then
# renders the page in headless Chromium: the screenshot must not be blank
# and the DOM after load must hold every chart. Without Chromium that part
# is skipped with a message, except in CI (CI set), where it must run.
set -u

fd=${1:?usage: sh tests/cli/report.sh path/to/firedrill}
case $fd in /*) ;; *) fd=$(pwd)/$fd ;; esac
dir=$(mktemp -d "${TMPDIR:-/tmp}/fd-report.XXXXXX") || { echo "report.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

fails=0
checks=0
ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*" >&2; }

ids="chart-availability chart-traffic chart-errors chart-latency chart-instances graph-before graph-worst graph-end"

# --- a run writes report.html ---
out=$dir/run
"$fd" run scenarios/tencent-2024-04-08 --quiet --out "$out" >"$dir/run.log" 2>&1
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
  bad "firedrill run --out: exit $rc"
  sed 's/^/  | /' "$dir/run.log" >&2
fi
html=$out/report.html
if [ -s "$html" ]; then ok; else bad "no report.html after run --out"; fi

for id in $ids; do
  if grep -q "<svg id=\"$id\" role=\"img\"" "$html" 2>/dev/null; then ok; else bad "report.html: no <svg id=\"$id\" role=\"img\">"; fi
done
n=$(grep -c '<svg id=' "$html" 2>/dev/null)
t=$(grep -o '<svg id="[^"]*" role="img"[^>]*><title' "$html" 2>/dev/null | wc -l)
if [ "$n" -ge 8 ] && [ "$n" = "$t" ]; then ok; else bad "report.html: $n charts, $t with a <title>"; fi
if grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:)?//' "$html"; then
  bad "report.html refers to an external resource:"
  grep -Eio '(src|href)[[:space:]]*=[[:space:]]*["'"'"']?[[:space:]]*(https?:)?//[^"'"'"' >]*' "$html" | head -5 >&2
else ok; fi
if grep -Eiq '<script[^>]*src|<link[^>]*stylesheet|@import|url\((["'"'"'])?https?:' "$html"; then
  bad "report.html loads a script, stylesheet or URL"
else ok; fi
for s in "Tencent Cloud API, 2024-04-08" "The incident clock" "Expectations" "PASS" "Timeline" "deadlock in shanghai"; do
  if grep -qF "$s" "$html"; then ok; else bad "report.html: no '$s'"; fi
done

# --- firedrill report rebuilds the same bytes ---
cp "$html" "$dir/from-run.html"
rm -f "$html"
if "$fd" report "$out" >"$dir/rep.log" 2>&1; then ok; else bad "firedrill report: exit $?"; sed 's/^/  | /' "$dir/rep.log" >&2; fi
if cmp -s "$dir/from-run.html" "$html"; then ok; else bad "firedrill report: report.html differs from the run's"; fi
"$fd" report "$out" >/dev/null 2>&1
if cmp -s "$dir/from-run.html" "$html"; then ok; else bad "firedrill report: a second rebuild differs"; fi

# --- from DIR alone, from any folder: the run left its topology there ---
# (the scenario's path in summary.json is relative to the repository, so
# from / it cannot be found: the graph must come from DIR/topology.yaml)
if cmp -s "$out/topology.yaml" scenarios/tencent-2024-04-08/topology.yaml; then ok; else bad "run --out left no copy of the topology"; fi
rm -f "$html"
if (cd / && "$fd" report "$out") >"$dir/rep.log" 2>&1; then ok; else bad "firedrill report from /: exit $?"; fi
if grep -q "without edges" "$dir/rep.log"; then bad "report from /: the graph lost its edges"; sed 's/^/  | /' "$dir/rep.log" >&2; else ok; fi
if cmp -s "$dir/from-run.html" "$html"; then ok; else bad "firedrill report from /: report.html differs from the run's"; fi

# --- errors: exit 2, located ---
# expect CODE PATTERN -- args
expect() {
  code=$1; pat=$2; shift 3
  "$fd" "$@" >"$dir/out" 2>&1
  rc=$?
  if [ "$rc" != "$code" ]; then bad "firedrill $*: exit $rc, wanted $code"; sed 's/^/  | /' "$dir/out" >&2; return; fi
  if ! grep -qF -- "$pat" "$dir/out"; then bad "firedrill $*: no '$pat' in output"; sed 's/^/  | /' "$dir/out" >&2; return; fi
  ok
}
expect 2 "which run directory?" -- report
expect 2 "unknown option '--bogus'" -- report --bogus
expect 0 "usage: firedrill report DIR" -- report --help
expect 2 "$dir/none/summary.json: error: cannot read the summary" -- report "$dir/none"

b=$dir/broken
mkdir -p "$b"
cp "$out/summary.json" "$out/events.jsonl" "$out/metrics.csv" "$b/"
printf '{\n  "scenario": "x",\n  "seed": 1,,\n}\n' >"$b/summary.json"
expect 2 "$b/summary.json:3:" -- report "$b"
printf '{"scenario": "x"}\n' >"$b/summary.json"
expect 2 "missing key 'seed'" -- report "$b"
cp "$out/summary.json" "$b/"
{ head -n 2 "$out/events.jsonl"; printf '{"t": 1, "kind": "alert" "text": "x"}\n'; } >"$b/events.jsonl"
expect 2 "$b/events.jsonl:3:" -- report "$b"
printf '{"t": 1, "kind": "nonsense", "text": "x"}\n' >"$b/events.jsonl"
expect 2 "$b/events.jsonl:1: error: event: unknown kind 'nonsense'" -- report "$b"
cp "$out/events.jsonl" "$b/"
printf 'time,what\n1,2\n' >"$b/metrics.csv"
expect 2 "$b/metrics.csv:1:1: error: not a firedrill metrics.csv" -- report "$b"
rm -f "$b/metrics.csv"
expect 2 "$b/metrics.csv: error: cannot read the metrics" -- report "$b"
if [ ! -e "$b/report.html" ]; then ok; else bad "a failed report left report.html behind"; fi

# --- the page in a browser ---
chromium=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then chromium=$c; break; fi
done
if [ -z "$chromium" ]; then
  if [ -n "${CI:-}" ]; then
    bad "Chromium is not installed, and in CI the browser check must run (scripts/deps.sh test)"
  else
    echo "report.sh: SKIP the browser check: Chromium is not installed (scripts/deps.sh test installs it)"
  fi
else
  png=$dir/report.png
  flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"
  # shellcheck disable=SC2086
  timeout 60 "$chromium" $flags --user-data-dir="$(mktemp -d "$dir/chrome.XXXXXX")" \
    --screenshot="$png" --window-size=1280,2000 "file://$html" >"$dir/chrome.log" 2>&1
  rc=$?
  if [ "$rc" = 0 ] && [ -s "$png" ]; then ok; else bad "chromium --screenshot: exit $rc, no PNG"; tail -5 "$dir/chrome.log" | sed 's/^/  | /' >&2; fi
  size=$(wc -c <"$png" 2>/dev/null || echo 0)
  # A blank 1280x2000 page compresses to about 10 KB; the report's is far larger.
  if [ "$size" -gt 40000 ]; then ok; else bad "screenshot is $size bytes: blank?"; fi
  if command -v python3 >/dev/null 2>&1; then
    # Decode the PNG's pixels (zlib only) and count distinct colours.
    colours=$(python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
pos, idat, w, h, bpp = 8, b"", 0, 0, 4
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        bpp = {2: 3, 6: 4, 0: 1, 4: 2}.get(ctype, 4) * max(depth // 8, 1)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride, prev, seen = w * bpp, bytearray(w * bpp), set()
for y in range(min(h, 500)):  # the top of the page is enough, and pure Python is slow
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 2):
            seen.add(bytes(line[x:x + bpp]))
    prev = line
print(len(seen))
PY
    )
    if [ "${colours:-0}" -gt 20 ]; then ok; else bad "screenshot has ${colours:-0} colours: blank?"; fi
  fi
  # shellcheck disable=SC2086
  timeout 60 "$chromium" $flags --user-data-dir="$(mktemp -d "$dir/chrome.XXXXXX")" \
    --dump-dom "file://$html" >"$dir/dom.html" 2>"$dir/chrome.log"
  for id in $ids; do
    if grep -q "id=\"$id\"" "$dir/dom.html"; then ok; else bad "the DOM after load has no #$id"; fi
  done
fi

if [ "$fails" -gt 0 ]; then
  echo "report.sh: $fails of $checks checks failed" >&2
  exit 1
fi
echo "report.sh: $checks checks passed"
