#!/bin/sh
# The JSON Schemas in docs/schemas/ against what run and batch write: see
# outputs.py. Usage: sh tests/cli/outputs.sh path/to/firedrill (from the repo root).
exec /usr/bin/python3 "$(dirname "$0")/outputs.py" "$@"
