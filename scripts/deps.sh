#!/bin/sh
# Install the Debian packages firedrill needs, and only those that are missing.
#
#   scripts/deps.sh [build|test|bench|fuzz]
#
# build: what compiling needs. test: build plus what the suite runs.
# bench: build plus the peer the benchmarks compare against.
# fuzz: build plus clang and its libFuzzer and sanitizer runtimes.
# Uses apt-get as root, sudo otherwise, and says so plainly if neither works.
set -eu

set_for=${1:-build}
pkgs="build-essential cmake pkg-config libuv1-dev liblua5.4-dev libyaml-dev libjansson-dev libedit-dev libwebsockets-dev libssl-dev"
case "$set_for" in
  build) ;;
  test)  pkgs="$pkgs lua-check libxml2-utils chromium chromium-driver python3-selenium parallel rsync python3 python3-yaml python3-jsonschema graphviz tmux" ;;
  bench) pkgs="$pkgs python3 python3-simpy3 libns3-dev g++" ;;
  fuzz)  pkgs="$pkgs clang libclang-rt-14-dev" ;;
  *) echo "deps.sh: unknown set '$set_for' (want build, test, bench or fuzz)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "firedrill: installing missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
  SUDO="sudo"
else
  echo "firedrill: cannot install packages: not root and no usable sudo." >&2
  echo "firedrill: as root, run:  apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
