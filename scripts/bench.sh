#!/usr/bin/env bash
# `make bench`: the worklist benchmark on a throwaway PostgreSQL cluster (1,000,000 items) and on
# a temporary SQLite file (200,000 items). Extra arguments go to both runs, e.g.
#   scripts/bench.sh --requests 100
# Each run prints a Markdown section for docs/benchmarks.md (machine, command, date, figures).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
echo "== worklist on PostgreSQL"
"$PY" benchmarks/worklist.py "$@"
echo
echo "== worklist on SQLite"
"$PY" benchmarks/worklist.py --sqlite "$@"
