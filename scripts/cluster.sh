#!/usr/bin/env bash
# A whole halfsky cluster on loopback, for the failover drill and the load
# run (README, "The cluster"):
#
#   scripts/cluster.sh up DIR        monitor + two PostgreSQL 15 nodes (pg_auto_failover,
#                                    synchronous), two halfsky processes, HAProxy in
#                                    front; prints DIR/env (ports, URLs, pids)
#   scripts/cluster.sh failover DIR  kills the primary's machine (its pg_autoctl and
#                                    every postgres process, SIGKILL) and returns at once;
#                                    prints the node's number and when (Unix seconds)
#   scripts/cluster.sh rejoin DIR    restarts the killed node; returns once it is a
#                                    synchronous standby again (primary + secondary)
#   scripts/cluster.sh kill-app DIR N  kills halfsky N (SIGKILL); prints its pid and when
#   scripts/cluster.sh state DIR     the monitor's view (pg_autoctl show state)
#   scripts/cluster.sh down DIR      stops everything and removes DIR
#
# DIR must be new or empty, under /tmp (the postgres user must reach it).
# Everything listens on 127.0.0.1, on ports the kernel says are free. Every
# process is started under `timeout` (HALFSKY_CLUSTER_TTL seconds, default
# 3600), so a test killed before its cleanup leaves nothing running for
# ever. HALFSKY_BIN names a built halfsky; otherwise `up` builds one.
#
# Failover timing: the monitor's health checks are tuned down from their
# defaults (a check every 5 s, a node unhealthy after 20 s, 30 s for a
# primary to demote) so that a dead primary is replaced in about ten
# seconds; see tune_monitor.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pgbin=/usr/lib/postgresql/15/bin
marker=.halfsky-cluster # down refuses to delete a DIR without it
ttl=${HALFSKY_CLUSTER_TTL:-3600}
password=${HALFSKY_ADMIN_PASSWORD:-drill-Passw0rd-2024}

usage() {
  echo "usage: $0 up|down|failover|rejoin|state DIR | kill-app DIR N" >&2
  exit 2
}
say() { echo "cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# pg_autoctl, like PostgreSQL, refuses root: as root it runs as postgres.
# Its configuration, state and pid files go under DIR (XDG_*), never in
# the postgres user's home, so clusters side by side never see each other.
# pgrun is that prefix, set once DIR is known.
pgrun=()
set_pgrun() {
  pgrun=(env "HOME=$dir/home" "XDG_CONFIG_HOME=$dir/home/config"
    "XDG_DATA_HOME=$dir/home/data" "XDG_RUNTIME_DIR=$dir/home/run" "PG_CONFIG=$pgbin/pg_config")
  if ((EUID == 0)); then
    pgrun=(runuser -u postgres -- "${pgrun[@]}")
  fi
}
as_pg() { "${pgrun[@]}" "$@"; }

# free_ports N prints N distinct TCP ports no socket uses (listening or
# connected), from a random start below the kernel's ephemeral range
# (32768 and up), where outgoing connections take their ports.
free_ports() {
  local n=$1 port=$((20000 + RANDOM % 12000)) used found=0
  used=$(ss -Htan | awk '{print $4}' | sed 's/.*://' | sort -u)
  while ((found < n)); do
    port=$((port + 1))
    grep -qx "$port" <<<"$used" && continue
    echo "$port"
    found=$((found + 1))
  done
}

# bg NAME CMD… starts CMD in the background under timeout, as its own
# process group, its output in DIR/NAME.log; DIR/NAME.pid is the group.
bg() {
  local name=$1
  shift
  # shellcheck disable=SC2016 # $$ is the inner shell's, on purpose
  setsid bash -c 'echo $$ >"$1"; shift; exec timeout -k 10 "$@"' _ \
    "$dir/$name.pid" "$ttl" "$@" >>"$dir/$name.log" 2>&1 </dev/null &
  wait_for "$name pid file" 5 test -s "$dir/$name.pid"
}

# wait_for WHAT SECONDS CMD… runs CMD every 0.2 s until it succeeds.
wait_for() {
  local what=$1 secs=$2
  shift 2
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || die "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

psql_at() {
  local port=$1 db=$2
  shift 2
  as_pg "$pgbin/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

load_env() {
  [[ -f $dir/env ]] || die "$dir/env missing: is the cluster up?"
  # shellcheck source=/dev/null
  . "$dir/env"
}

up() {
  [[ -x $pgbin/initdb && -x /usr/bin/pg_autoctl && -x /usr/sbin/haproxy ]] ||
    die "PostgreSQL 15, pg_auto_failover or HAProxy missing; run scripts/deps.sh"
  mkdir -p "$dir"
  [[ -z $(ls -A "$dir") ]] || die "$dir is not empty"
  touch "$dir/$marker"
  chmod 755 "$dir"
  mkdir -p "$dir/home/run" "$dir/pg"
  chmod 700 "$dir/home/run"
  ((EUID == 0)) && chown -R postgres: "$dir/home" "$dir/pg"
  local ports
  mapfile -t ports < <(free_ports 7)
  cat >"$dir/env" <<ENV
MONITOR_PORT=${ports[0]}
PG1_PORT=${ports[1]}
PG2_PORT=${ports[2]}
APP1_PORT=${ports[3]}
APP2_PORT=${ports[4]}
LB_PORT=${ports[5]}
LB_STATS_PORT=${ports[6]}
DATABASE_URL='postgres://halfsky:halfsky@127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}/halfsky?sslmode=disable&target_session_attrs=read-write&connect_timeout=2'
LB_URL=http://127.0.0.1:${ports[5]}
APP1_URL=http://127.0.0.1:${ports[3]}
APP2_URL=http://127.0.0.1:${ports[4]}
ADMIN_PASSWORD=$password
ENV
  load_env
  start_monitor
  start_node 1 "$PG1_PORT"
  wait_state "node 1 single" 60 "node1:single"
  wait_for "node 1's postgres" 30 psql_at "$PG1_PORT" halfsky -c "SELECT 1"
  psql_at "$PG1_PORT" halfsky -c "CREATE ROLE halfsky LOGIN PASSWORD 'halfsky'; ALTER DATABASE halfsky OWNER TO halfsky; ALTER SCHEMA public OWNER TO halfsky"
  # The standby copies the primary while halfsky 1 makes the schema and
  # the demo on it: the two longest steps of the start, side by side.
  start_node 2 "$PG2_PORT"
  build_halfsky
  start_app 1 "$APP1_PORT"
  wait_state "node 2 a synchronous standby" 120 "node1:primary" "node2:secondary"
  wait_for "halfsky 1 ready" 300 curl -fsS "$APP1_URL/readyz"
  start_app 2 "$APP2_PORT"
  wait_for "halfsky 2 ready" 60 curl -fsS "$APP2_URL/readyz"
  start_haproxy
  wait_for "the balancer" 20 curl -fsS "$LB_URL/healthz"
  say "up: balancer $LB_URL, halfsky $APP1_URL $APP2_URL, PostgreSQL $PG1_PORT/$PG2_PORT, monitor $MONITOR_PORT"
  cat "$dir/env"
}

start_monitor() {
  as_pg pg_autoctl create monitor --pgdata "$dir/pg/monitor" --pgport "$MONITOR_PORT" \
    --hostname 127.0.0.1 --auth trust --no-ssl --pgctl "$pgbin/pg_ctl" >>"$dir/monitor.log" 2>&1 ||
    die "creating the monitor failed: see $dir/monitor.log"
  tune_monitor
  bg monitor "${pgrun[@]}" pg_autoctl run --pgdata "$dir/pg/monitor"
  wait_for "the monitor" 60 psql_at "$MONITOR_PORT" pg_auto_failover -c "SELECT 1"
}

# tune_monitor also keeps the monitor on loopback (pg_autoctl opens it to
# every address), and shortens the monitor's failure detection for the drill
# (defaults in brackets): a health check every second [5 s], given up
# after 1 s [5 s] and one retry [2]; a node unreachable for 3 s is
# unhealthy [20 s]; a primary that does not answer is given 3 s to demote
# itself [30 s] before its standby is promoted. The price is a failover
# on a three-second stall; production keeps the defaults or sets these
# from its own network's figures.
tune_monitor() {
  as_pg tee -a "$dir/pg/monitor/postgresql.conf" >/dev/null <<'CONF'
pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 3000
listen_addresses = '127.0.0.1'
CONF
}

# start_node N PORT creates data node N (on its first start) and runs it.
# --replication-quorum true: commits wait for the standby
# (synchronous_standby_names is set by the monitor), so an acknowledged
# write is on both nodes before halfsky answers.
start_node() {
  local n=$1 port=$2
  if [[ ! -d $dir/pg/node$n ]]; then
    as_pg pg_autoctl create postgres --pgdata "$dir/pg/node$n" --pgport "$port" \
      --hostname 127.0.0.1 --listen 127.0.0.1 --name "node$n" --dbname halfsky --auth trust --no-ssl \
      --monitor "postgres://autoctl_node@127.0.0.1:$MONITOR_PORT/pg_auto_failover?sslmode=disable" \
      --replication-quorum true --candidate-priority 50 --pgctl "$pgbin/pg_ctl" >>"$dir/node$n.log" 2>&1 ||
      die "creating node $n failed: see $dir/node$n.log"
  fi
  bg "node$n" "${pgrun[@]}" pg_autoctl run --pgdata "$dir/pg/node$n"
}

# state prints "name:state" for each node, the monitor's reported states.
node_states() {
  psql_at "$MONITOR_PORT" pg_auto_failover -c \
    "SELECT nodename || ':' || reportedstate FROM pgautofailover.node ORDER BY nodename"
}

# wait_state WHAT SECONDS WANT… waits until every WANT line is a node's
# state, and each node's reported state is its goal (no transition left).
wait_state() {
  local what=$1 secs=$2
  shift 2
  wait_for "$what" "$secs" states_are "$@"
}
states_are() {
  local have want
  have=$(node_states) || return 1
  for want in "$@"; do
    grep -qx "$want" <<<"$have" || return 1
  done
  [[ -z $(psql_at "$MONITOR_PORT" pg_auto_failover -c \
    "SELECT 1 FROM pgautofailover.node WHERE reportedstate <> goalstate") ]]
}

build_halfsky() {
  if [[ -n ${HALFSKY_BIN:-} ]]; then
    cp "$HALFSKY_BIN" "$dir/halfsky"
  else
    (cd "$root" && go build -o "$dir/halfsky" ./cmd/halfsky)
  fi
}

# start_app N PORT runs halfsky N. Both read the one key file
# (DIR/keys.txt, 0600, made by the first on its first start) and the
# multi-host URL: pgx tries each host and keeps the one that accepts
# writes (target_session_attrs=read-write).
start_app() {
  local n=$1 port=$2
  mkdir -p "$dir/app$n"
  bg "app$n" env HALFSKY_ADDR="127.0.0.1:$port" HALFSKY_DATA_DIR="$dir/app$n" \
    HALFSKY_DATABASE_URL="$DATABASE_URL" HALFSKY_KEY_FILE="$dir/keys.txt" \
    HALFSKY_ADMIN_PASSWORD="$ADMIN_PASSWORD" HALFSKY_DEMO=1 HALFSKY_TRUST_PROXY=true \
    HALFSKY_LOG_LEVEL=warn "$dir/halfsky" serve
}

# start_haproxy: see scripts/cluster/haproxy.cfg for the choices.
start_haproxy() {
  sed -e "s/@LB_PORT@/$LB_PORT/; s/@STATS_PORT@/$LB_STATS_PORT/" \
    -e "s/@APP1_PORT@/$APP1_PORT/; s/@APP2_PORT@/$APP2_PORT/" \
    "$root/scripts/cluster/haproxy.cfg" >"$dir/haproxy.cfg"
  haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy.cfg does not check"
  bg haproxy haproxy -db -f "$dir/haproxy.cfg"
}

# primary_node prints the number of the node the monitor has as primary.
primary_node() {
  psql_at "$MONITOR_PORT" pg_auto_failover -c \
    "SELECT substr(nodename, 5) FROM pgautofailover.node
      WHERE reportedstate IN ('primary', 'wait_primary', 'single') ORDER BY nodeid LIMIT 1"
}

# kill_group NAME [SIGNAL] signals NAME's process group (DIR/NAME.pid).
kill_group() {
  local name=$1 sig=${2:-TERM} pid
  [[ -s $dir/$name.pid ]] || return 0
  pid=$(<"$dir/$name.pid")
  kill "-$sig" -- "-$pid" 2>/dev/null || true
}

# kill_postmaster DATADIR kills a postgres left running (its postmaster
# and every backend: they share its process group, or are its children).
kill_postmaster() {
  local pid
  [[ -s $1/postmaster.pid ]] || return 0
  pid=$(head -n1 "$1/postmaster.pid")
  kill -0 "$pid" 2>/dev/null || return 0
  pkill -KILL -P "$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
}

failover() {
  load_env
  local n
  n=$(primary_node)
  [[ $n == [12] ]] || die "no primary to kill (states: $(node_states | paste -sd' '))"
  kill_group "node$n" KILL
  kill_postmaster "$dir/pg/node$n"
  local at
  at=$(date +%s.%N)
  echo "$n" >"$dir/killed"
  say "killed node $n (the primary)"
  echo "$n $at"
}

rejoin() {
  load_env
  [[ -s $dir/killed ]] || die "no node was killed"
  local n port
  n=$(<"$dir/killed")
  port=PG${n}_PORT
  rm -f "$dir/node$n.pid"
  start_node "$n" "${!port}"
  wait_state "node $n back as a synchronous standby" 120 "node$n:secondary" "node$((3 - n)):primary"
  rm -f "$dir/killed"
  say "node $n rejoined as the standby"
}

# kill_app N kills halfsky N itself (the child of its timeout) with
# SIGKILL: a process gone at once, its connections refused from then on.
kill_app() {
  local n=$1 pid
  [[ $n == [12] ]] || usage
  [[ -s $dir/app$n.pid ]] || die "halfsky $n was not started"
  pid=$(cat "/proc/$(<"$dir/app$n.pid")/task/"*"/children" 2>/dev/null | awk '{print $1; exit}')
  [[ -n $pid ]] || die "halfsky $n is not running"
  kill -KILL "$pid"
  local at
  at=$(date +%s.%N)
  say "killed halfsky $n (pid $pid)"
  echo "$pid $at"
}

down() {
  [[ -d $dir ]] || return 0
  rmdir "$dir" 2>/dev/null && return 0
  [[ -e $dir/$marker ]] || die "$dir was not made by this script; not removing it"
  local name
  for name in haproxy app1 app2 node1 node2 monitor; do
    kill_group "$name" TERM
  done
  # pg_autoctl stops its postgres on TERM; give it a few seconds, then
  # kill what is left.
  for _ in $(seq 50); do
    any_alive || break
    sleep 0.2
  done
  for name in haproxy app1 app2 node1 node2 monitor; do
    kill_group "$name" KILL
  done
  for name in node1 node2 monitor; do
    kill_postmaster "$dir/pg/$name"
  done
  rm -rf "$dir"
}

any_alive() {
  local f
  for f in "$dir"/*.pid; do
    [[ -s $f ]] && kill -0 -- "-$(<"$f")" 2>/dev/null && return 0
  done
  return 1
}

[[ $# -eq 2 || ($# -eq 3 && $1 == kill-app) ]] || usage
dir=$2
[[ $dir == /* ]] || dir=$PWD/$dir
set_pgrun
case $1 in
  up) up ;;
  down) down ;;
  failover) failover ;;
  rejoin) rejoin ;;
  kill-app) kill_app "$3" ;;
  state) load_env && as_pg pg_autoctl show state --pgdata "$dir/pg/monitor" ;;
  *) usage ;;
esac
