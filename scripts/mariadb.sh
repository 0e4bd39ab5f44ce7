#!/usr/bin/env bash
# Throwaway MariaDB server for the demo and the integration tests: its own datadir, a private
# socket and a loopback TCP port below 32768. It never touches the system MariaDB service.
#
#   scripts/mariadb.sh start DIR [PORT]   # fresh datadir under DIR; PORT defaults to the first free from 23306
#   scripts/mariadb.sh stop DIR
#   scripts/mariadb.sh halt DIR           # stop the server but keep its data and DIR/env (an outage)
#   scripts/mariadb.sh resume DIR         # start it again on the same data and port after `halt`
#   scripts/mariadb.sh status DIR
#   scripts/mariadb.sh sql DIR "SQL"      # run SQL as root over the private socket
#
# `start` writes DIR/env with DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME (KEY=VALUE lines)
# for an application user with all privileges, and creates database DB_NAME (default jetmon_db).
set -euo pipefail

usage() { echo "usage: $0 start|stop|halt|resume|status|sql DIR [PORT|SQL]" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd="$1"; dir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2
sock="$dir/mysqld.sock"
pidfile="$dir/mysqld.pid"
db_name="${JETMON_DB_NAME:-jetmon_db}"
db_user="${JETMON_DB_USER:-jetmon}"
db_pass="${JETMON_DB_PASSWORD:-jetmon_local_pw}"

log() { echo "mariadb.sh: $*" >&2; }

running() {
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

root_sql() { mariadb --no-defaults --socket="$sock" -uroot -N -B -e "$1"; }

find_mariadbd() {
  local c
  for c in mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; do
    command -v "$c" >/dev/null 2>&1 && { command -v "$c"; return 0; }
  done
  return 1
}

# Starts mariadbd on the existing datadir and waits until it answers.
launch() {
  local bin="$1" port="$2" user
  user="$(id -un)"
  "$bin" --no-defaults --datadir="$dir/data" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --pid-file="$pidfile" --log-error="$dir/error.log" \
    --tmpdir="$dir/tmp" --user="$user" --skip-name-resolve --skip-log-bin \
    --performance-schema=OFF --innodb-buffer-pool-size=128M --innodb-log-file-size=48M \
    --innodb-flush-log-at-trx-commit=2 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci --default-time-zone=+00:00 \
    --max-connections=500 >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    [ -S "$sock" ] && root_sql "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.1
  done
  root_sql "SELECT 1" >/dev/null 2>&1 || { tail -20 "$dir/error.log" >&2; log "mariadbd did not come up"; exit 1; }
}

# SIGTERM to the server of DIR, then SIGKILL after 30 s; sets pid.
terminate() {
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
}

case "$cmd" in
  start)
    if running; then log "already running (pid $(cat "$pidfile")) in $dir"; exit 0; fi
    mariadbd_bin="$(find_mariadbd)" || { log "mariadbd not found; run scripts/setup.sh"; exit 1; }
    port="${1:-}"
    if [ -z "$port" ]; then
      port=23306
      while port_busy "$port"; do port=$((port + 1)); done
    fi
    [ "$port" -lt 32768 ] || { log "port $port is not below 32768"; exit 1; }
    rm -rf "$dir/data" "$dir/tmp"; mkdir -p "$dir/data" "$dir/tmp"
    user="$(id -un)"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 ||
      { tail -20 "$dir/install.log" >&2; log "mariadb-install-db failed"; exit 1; }
    launch "$mariadbd_bin" "$port"
    root_sql "CREATE USER IF NOT EXISTS '$db_user'@'127.0.0.1' IDENTIFIED BY '$db_pass';
      CREATE USER IF NOT EXISTS '$db_user'@'localhost' IDENTIFIED BY '$db_pass';
      GRANT ALL ON *.* TO '$db_user'@'127.0.0.1' WITH GRANT OPTION;
      GRANT ALL ON *.* TO '$db_user'@'localhost' WITH GRANT OPTION;
      CREATE DATABASE IF NOT EXISTS \`$db_name\`;"
    cat >"$dir/env" <<ENV
DB_HOST=127.0.0.1
DB_PORT=$port
DB_USER=$db_user
DB_PASSWORD=$db_pass
DB_NAME=$db_name
ENV
    log "up: pid $(cat "$pidfile") port $port socket $sock"
    ;;
  stop)
    if running; then
      terminate
      log "stopped pid $pid"
    fi
    rm -f "$dir/env"
    ;;
  halt)
    running || { log "not running in $dir"; exit 1; }
    terminate
    log "halted pid $pid (data and env kept)"
    ;;
  resume)
    if running; then log "already running (pid $(cat "$pidfile")) in $dir"; exit 0; fi
    [ -f "$dir/env" ] && [ -d "$dir/data" ] || { log "nothing to resume in $dir (use start)"; exit 1; }
    mariadbd_bin="$(find_mariadbd)" || { log "mariadbd not found; run scripts/setup.sh"; exit 1; }
    port="$(sed -n 's/^DB_PORT=//p' "$dir/env")"
    launch "$mariadbd_bin" "$port"
    log "resumed: pid $(cat "$pidfile") port $port socket $sock"
    ;;
  status)
    if running; then echo "running pid $(cat "$pidfile")"; else echo "stopped"; exit 1; fi
    ;;
  sql)
    [ $# -ge 1 ] || usage
    root_sql "$1"
    ;;
  *) usage ;;
esac
