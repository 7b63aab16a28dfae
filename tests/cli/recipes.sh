#!/bin/sh
# The batch recipes in docs/batch.md (GNU Parallel across hosts, a GitHub
# Actions matrix, a Kubernetes Indexed Job, a Slurm array), each run as
# written and its merge compared with the unsharded batch: see recipes.py.
# Usage: sh tests/cli/recipes.sh path/to/firedrill (from the repo root).
exec /usr/bin/python3 "$(dirname "$0")/recipes.py" "$1"
