#!/bin/sh
# luacheck.sh: the Lua in lua/ and scenarios/ lints clean, and the lists of
# the scenario API that people and tools read agree with the binary.
#
#   sh tests/cli/luacheck.sh path/to/firedrill      (from the repository root)
#
# 1. luacheck, with the repository's .luacheckrc, over lua/ and scenarios/:
#    any warning fails the test, printed as file:line:col: (Wnnn) message.
# 2. The globals the binary gives a scenario (read from a tiny scenario that
#    lists _G) against the two hand-kept lists: .luacheckrc's read_globals
#    (what luacheck lets scenarios use) and lua/meta/firedrill.lua (the LuaLS
#    stubs). A global missing from either, or listed there but gone from the
#    binary, fails the test. Names starting with "_" are the library's
#    internal hooks and belong in neither.
# 3. The library's modules against their stubs: expect.*, patterns.* and
#    playbooks.* in lua/firedrill/ against lua/meta/.
#
# luacheck is Debian's lua-check, installed by `scripts/deps.sh test`.
set -u

fd=${1:?usage: sh tests/cli/luacheck.sh path/to/firedrill}
case $fd in /*) ;; *) fd=$(pwd)/$fd ;; esac
if ! command -v luacheck >/dev/null 2>&1; then
  echo "luacheck.sh: FAIL: luacheck is not installed (Debian package lua-check;" \
    "scripts/deps.sh test installs it)" >&2
  exit 1
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/fd-luacheck.XXXXXX") || { echo "luacheck.sh: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

fails=0
checks=0

fail() {
  echo "luacheck.sh: FAIL: $*" >&2
  fails=$((fails + 1))
}

# ---- 1. lint ----------------------------------------------------------------

checks=$((checks + 1))
luacheck --config .luacheckrc --no-cache --no-color --codes --formatter plain \
  lua scenarios >"$dir/lint" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  fail "luacheck found problems (exit $rc); fix them or, for a rule that is wrong for" \
    "scenarios, change .luacheckrc:"
  sed 's/^/    /' "$dir/lint" >&2
fi

# ---- 2. the API globals -----------------------------------------------------

cat >"$dir/topology.yaml" <<'EOF'
regions: [r]
services:
  api:
    deploy: { r: 1 }
    service_time: 1ms
sources:
  web: { entry: api, rate: 1/s }
EOF
# Lists every global that is neither Lua's own nor the sandbox's (print
# goes to stderr).
cat >"$dir/scenario.lua" <<'EOF'
scenario { name = "api globals", topology = "topology.yaml", duration = "10s" }
local lua = {}
for name in ([[assert error getmetatable ipairs load loadfile dofile next pairs
  pcall print rawequal rawget rawlen rawset require select setmetatable tonumber
  tostring type xpcall warn _G _VERSION string table math utf8 coroutine
  read_file]]):gmatch("%S+") do
  lua[name] = true
end
local api = {}
for _, k in ipairs(names("globals")) do
  if not lua[k] and k:sub(1, 1) ~= "_" then api[#api + 1] = k end
end
table.sort(api)
print("API " .. table.concat(api, " "))
EOF
checks=$((checks + 1))
"$fd" run "$dir/scenario.lua" --quiet >"$dir/out" 2>"$dir/err"
api=$(sed -n 's/^API //p' "$dir/err" | tr ' ' '\n')
if [ -z "$api" ]; then
  fail "could not list the API's globals from $fd; the lists are not compared"
  sed 's/^/    err: /' "$dir/err" >&2
fi

# The globals .luacheckrc lets a scenario read: the quoted names in its
# `local api = { ... }` list.
rc_names=$(awk '/^local api = \{/ { on = 1 } on && /^}/ { on = 0 } on' .luacheckrc |
  sed 's/--.*//' | grep -o '"[A-Za-z_][A-Za-z0-9_]*"' | tr -d '"' | sort -u)
# The globals the stubs define: top-level `function name(` and `name = {}`.
meta_names=$(sed -n -e 's/^function \([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' \
  -e 's/^\([A-Za-z_][A-Za-z0-9_]*\) = .*/\1/p' lua/meta/firedrill.lua | sort -u)

has() {  # has WORD LIST
  printf '%s\n' "$2" | grep -qx -- "$1"
}

[ -n "$api" ] && for name in $api; do
  checks=$((checks + 1))
  has "$name" "$rc_names" || fail "'$name' is in the API but not in .luacheckrc's read_globals"
  checks=$((checks + 1))
  has "$name" "$meta_names" || fail "'$name' is in the API but has no stub in lua/meta/firedrill.lua"
done
# read_file is the sandbox's, listed by both on purpose.
[ -n "$api" ] && for name in $rc_names; do
  [ "$name" = read_file ] && continue
  checks=$((checks + 1))
  has "$name" "$api" || fail "'$name' is in .luacheckrc's read_globals but not in the API"
done
[ -n "$api" ] && for name in $meta_names; do
  [ "$name" = read_file ] && continue
  checks=$((checks + 1))
  has "$name" "$api" || fail "'$name' has a stub in lua/meta/firedrill.lua but is not in the API"
done

# ---- 3. the library's modules -----------------------------------------------

# module_check REAL STUB PREFIX: every `function M.x(` of REAL has a
# `function PREFIX.x(` in STUB, and the other way round.
module_check() {
  [ -f "$1" ] || return 0
  real=$(sed -n 's/^function M\.\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$1" | sort -u)
  stub=$(sed -n "s/^function $3\\.\\([A-Za-z_][A-Za-z0-9_]*\\)(.*/\\1/p" "$2" 2>/dev/null | sort -u)
  for f in $real; do
    checks=$((checks + 1))
    has "$f" "$stub" || fail "$3.$f ($1) has no stub in $2"
  done
  for f in $stub; do
    checks=$((checks + 1))
    has "$f" "$real" || fail "$3.$f has a stub in $2 but is not in $1"
  done
}
module_check lua/firedrill/expect.lua lua/meta/firedrill.lua expect
module_check lua/firedrill/patterns.lua lua/meta/firedrill/patterns.lua patterns
module_check lua/firedrill/playbooks.lua lua/meta/firedrill/playbooks.lua playbooks

if [ "$fails" -ne 0 ]; then
  echo "luacheck.sh: $fails of $checks checks failed" >&2
  exit 1
fi
echo "luacheck.sh: all $checks checks passed"
