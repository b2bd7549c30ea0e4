#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks.
#   scripts/pg.sh start DIR PORT   -> prints the SQLAlchemy URL of database "kulisser"
#   scripts/pg.sh stop DIR
# As root it runs the server as the "postgres" user through runuser (PostgreSQL refuses root).
set -euo pipefail
cmd=${1:?start|stop}; dir=$(realpath -m "${2:?directory}"); port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
start)
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir" -U kulisser --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    # Durability off: this cluster is thrown away after the run.
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB" \
      start >/dev/null
  fi
  as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U kulisser -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='kulisser'" | grep -q 1 \
    || as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U kulisser kulisser
  echo "postgresql+psycopg://kulisser@127.0.0.1:$port/kulisser"
  ;;
stop)
  [ -f "$dir/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
  ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
