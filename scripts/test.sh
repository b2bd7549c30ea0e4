#!/usr/bin/env bash
# Run the whole suite on SQLite and on a throwaway PostgreSQL cluster started and stopped here.
# The two passes run at the same time (each is one Python process that keeps about one core
# busy): SQLite's output comes live, PostgreSQL's is kept in test-artifacts/pytest-postgresql.log
# and shown when it ends. KULISSER_TEST_SERIAL=1 runs them one after the other instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kulisser-pgtest.XXXXXX")
PG_PORT=${KULISSER_TEST_PG_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
mkdir -p test-artifacts
LOCK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kulisser-testlock.XXXXXX")
PG_PID=""
cleanup() {
  if [ -n "$PG_PID" ]; then kill "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true; fi
  scripts/pg.sh stop "$PG_DIR"; rm -rf "$PG_DIR" "$LOCK_DIR"
}
trap cleanup EXIT
KULISSER_TEST_PG_URL=$(scripts/pg.sh start "$PG_DIR" "$PG_PORT")
export KULISSER_TEST_PG_URL
# The two passes take turns for what must not overlap (the load test's burst): see
# tests/conftest.py's `exclusive`.
export KULISSER_TEST_LOCK_DIR="$LOCK_DIR"

sqlite_pass() { KULISSER_TEST_DATABASE=sqlite .venv/bin/pytest -q -p no:cacheprovider "$@"; }
# Speech tests touch no database: they run once, in the SQLite pass, and are deselected here.
pg_pass() { KULISSER_TEST_DATABASE=postgresql exec .venv/bin/pytest -q -p no:cacheprovider -m "not speech" "$@"; }

if [ "${KULISSER_TEST_SERIAL:-}" = 1 ]; then
  echo "== pytest on SQLite"
  sqlite_pass "$@"
  echo "== pytest on PostgreSQL ($KULISSER_TEST_PG_URL)"
  (pg_pass "$@")
  exit 0
fi

PG_LOG=test-artifacts/pytest-postgresql.log
echo "== pytest on PostgreSQL ($KULISSER_TEST_PG_URL) started alongside, output in $PG_LOG"
# A subshell that becomes pytest (exec): the PID kept is the one to stop on an interrupt.
(pg_pass "$@") >"$PG_LOG" 2>&1 &
PG_PID=$!
echo "== pytest on SQLite"
sqlite_rc=0
sqlite_pass "$@" || sqlite_rc=$?
pg_rc=0
wait "$PG_PID" || pg_rc=$?
PG_PID=""
echo "== pytest on PostgreSQL ($KULISSER_TEST_PG_URL)"
cat "$PG_LOG"
echo "== SQLite pass: exit $sqlite_rc; PostgreSQL pass: exit $pg_rc"
[ "$sqlite_rc" = 0 ] && [ "$pg_rc" = 0 ]
