#!/usr/bin/env bash
# Run the whole suite on SQLite, then on a throwaway PostgreSQL cluster started and stopped here.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kulisser-pgtest.XXXXXX")
PG_PORT=${KULISSER_TEST_PG_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
mkdir -p test-artifacts
cleanup() { scripts/pg.sh stop "$PG_DIR"; rm -rf "$PG_DIR"; }
trap cleanup EXIT
KULISSER_TEST_PG_URL=$(scripts/pg.sh start "$PG_DIR" "$PG_PORT")
export KULISSER_TEST_PG_URL

echo "== pytest on SQLite"
KULISSER_TEST_DATABASE=sqlite .venv/bin/pytest -q -p no:cacheprovider "$@"
echo "== pytest on PostgreSQL ($KULISSER_TEST_PG_URL)"
# Speech tests touch no database: they ran once above and are deselected here.
KULISSER_TEST_DATABASE=postgresql .venv/bin/pytest -q -p no:cacheprovider -m "not speech" "$@"
