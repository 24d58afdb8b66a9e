#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for tests.
#
#   url=$(scripts/pg-test-cluster.sh start [DIR])   # prints the connection URL
#   scripts/pg-test-cluster.sh stop DIR              # stops it and removes DIR
#   url=$(scripts/pg-test-cluster.sh start DIR durable)
#                    # fsync and synchronous commit kept on: for the crash
#                    # drill, whose acknowledged writes must survive
#   scripts/pg-test-cluster.sh crash DIR             # an immediate stop: no
#                    # checkpoint, as when the server loses its process
#   scripts/pg-test-cluster.sh resume DIR            # start it again
#
# It listens on no TCP port at all, only on a unix socket inside DIR, so
# parallel runs (and a developer's own server) never collide. Durability is
# switched off for speed: the data is thrown away anyway.
# DIR defaults to a new directory under /tmp (a short path: socket paths are
# limited to ~107 bytes, and the postgres user can reach it).
set -euo pipefail

bindir=/usr/lib/postgresql/15/bin
marker=.halfsky-pg-test   # stop refuses to delete a DIR without it
db=halfsky_test

usage() { echo "usage: $0 start [DIR] [durable] | stop DIR | crash DIR | resume DIR" >&2; exit 2; }

# PostgreSQL refuses to run as root, so as root everything runs as the
# postgres OS user; as anyone else it runs as that user.
as_pg() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=${1:-} durable=${2:-}
  [[ -x $bindir/initdb ]] || { echo "pg-test-cluster: $bindir/initdb missing; run scripts/deps.sh" >&2; exit 1; }
  if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/halfsky-pg.XXXXXX)
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  chmod 755 "$dir"
  ((EUID == 0)) && chown postgres: "$dir"
  if ! as_pg test -w "$dir"; then
    echo "pg-test-cluster: $dir is not writable by the postgres user (is a parent directory closed?)" >&2
    exit 1
  fi
  touch "$dir/$marker"

  # Ports only name the socket here (no TCP), but keep them distinct anyway so
  # that the URL of each run is recognisable in logs.
  local port=$((20000 + RANDOM % 40000))

  # cd into DIR: the postgres user may not be able to read the caller's cwd.
  (
    cd "$dir"
    # -U postgres: the URL's user exists even when a non-root user runs this.
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
      -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
max_connections = 200
CONF
    if [[ $durable != durable ]]; then
      as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null ||
      { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
    as_pg "$bindir/createdb" -h "$dir" -p "$port" -U postgres "$db"
  )
  echo "postgres://postgres@/$db?host=$dir&port=$port&sslmode=disable"
}

stop() {
  local dir=${1:-}
  [[ -n $dir ]] || usage
  [[ -d $dir ]] || return 0
  # A caller's mktemp dir that start never got to: empty, safe to drop.
  rmdir "$dir" 2>/dev/null && return 0
  if [[ ! -e $dir/$marker ]]; then
    echo "pg-test-cluster: $dir was not made by this script; not removing it" >&2
    exit 1
  fi
  if [[ -f $dir/data/postmaster.pid ]]; then
    # immediate: no checkpoint, the data is discarded next.
    (cd "$dir" && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null) || true
  fi
  rm -rf "$dir"
}

# crash and resume: the crash drill's stop of PostgreSQL itself.
crash() {
  local dir=${1:-}
  [[ -e $dir/$marker ]] || usage
  (cd "$dir" && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null)
}
resume() {
  local dir=${1:-}
  [[ -e $dir/$marker ]] || usage
  (cd "$dir" && as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null) ||
    { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
}

case ${1:-} in
  start) start "${2:-}" "${3:-}" ;;
  stop) stop "${2:-}" ;;
  crash) crash "${2:-}" ;;
  resume) resume "${2:-}" ;;
  *) usage ;;
esac
