#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the server's tests (docs/server.md, "Tests").
#   scripts/pg-test-server.sh start   initdb in a temp dir, start on 127.0.0.1:$PGPORT
#                                     (default 55432), create the database; prints the
#                                     URL on its last line
#   scripts/pg-test-server.sh stop <dir>   stop that cluster and remove its directory
# PostgreSQL refuses to run as root: run as root, the cluster runs as the `postgres`
# user (created if missing). Exit status 3 when no PostgreSQL server is installed.
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "pg-test-server: no PostgreSQL server installed (apt-get install postgresql)" >&2
  exit 3
fi

# As the cluster's owner; from / so that it never needs to read the caller's directory.
as_owner() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

case "${1:-}" in
  start)
    PGPORT=${PGPORT:-55432}
    DIR=$(mktemp -d /tmp/pqwire-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
      id -u postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" --shell /bin/sh postgres
      chown postgres: "$DIR"
    fi
    as_owner "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log"
    # Durability off: a test cluster, thrown away after the run.
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
      -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    as_owner "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres pqwire_test
    echo "dir=$DIR"
    echo "postgres://postgres@127.0.0.1:$PGPORT/pqwire_test"
    ;;
  stop)
    DIR=${2:?usage: pg-test-server.sh stop <dir>}
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: pg-test-server.sh start | stop <dir>" >&2
    exit 2
    ;;
esac
