#!/usr/bin/env bash
# Builds everything and runs the monitor for real on this machine:
#   1. installs packages (scripts/setup.sh) and builds (scripts/build.sh);
#   2. starts a throwaway MariaDB under .jetmon-demo/db (private socket, loopback port);
#   3. starts a local fixture site (python3 http.server on loopback) that is up, and a recording
#      WPCOM stub (scripts/demo-wpcom.py: answers 200, appends each notice to
#      .jetmon-demo/wpcom-notices.log);
#   4. writes .jetmon-demo/config.json, runs `jetmon2 migrate`, seeds demo sites (some on the
#      fixture, one keyword miss, one that is down) and runs `jetmon2 validate-config`;
#   5. starts `jetmon2` and prints the dashboard address. Ctrl-C stops it all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
demo="$root/.jetmon-demo"
mkdir -p "$demo"

"$root/scripts/setup.sh"
BUILD_TARGETS="jetmon2 jetmon-deliverer jetmon-rollout" "$root/scripts/build.sh"
jetmon2="$root/build/apps/jetmon2/jetmon2"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p="$1"; while port_busy "$p"; do p=$((p + 1)); done; echo "$p"; }

fixture_pid=""
wpcom_pid=""
cleanup() {
  [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null || true
  [ -n "$wpcom_pid" ] && kill "$wpcom_pid" 2>/dev/null || true
  "$root/scripts/mariadb.sh" stop "$demo/db" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/scripts/mariadb.sh" start "$demo/db"
set -a; . "$demo/db/env"; set +a

fixture_port="$(free_port 18091)"
python3 -m http.server "$fixture_port" --bind 127.0.0.1 --directory "$root/scripts/demo-site" \
  >"$demo/fixture.log" 2>&1 &
fixture_pid=$!
for _ in $(seq 1 50); do port_busy "$fixture_port" && break; sleep 0.1; done
echo "demo.sh: fixture site on http://127.0.0.1:$fixture_port/"

wpcom_port="$(free_port 18191)"
wpcom_log="$demo/wpcom-notices.log"
python3 "$root/scripts/demo-wpcom.py" "$wpcom_port" "$wpcom_log" >"$demo/wpcom.log" 2>&1 &
wpcom_pid=$!
for _ in $(seq 1 50); do port_busy "$wpcom_port" && break; sleep 0.1; done
echo "demo.sh: recording WPCOM stub on http://127.0.0.1:$wpcom_port/ (notices go to $wpcom_log)"

dashboard_port="$(free_port 8080)"
cat >"$demo/config.json" <<JSON
{
  "AUTH_TOKEN": "demo-token-not-a-secret",
  "NUM_WORKERS": 20,
  "DATASET_SIZE": 100,
  "MIN_TIME_BETWEEN_ROUNDS_SEC": 30,
  "NET_COMMS_TIMEOUT": 5,
  "NUM_OF_CHECKS": 2,
  "TIME_BETWEEN_CHECKS_SEC": 10,
  "BUCKET_TOTAL": 1000,
  "BUCKET_TARGET": 1000,
  "DASHBOARD_PORT": $dashboard_port,
  "DASHBOARD_BIND_ADDR": "127.0.0.1",
  "DEBUG_PORT": 0,
  "STATSD_ADDR": "127.0.0.1:8125",
  "WPCOM_NOTIFY_URL": "http://127.0.0.1:$wpcom_port/wpcom/v2/jetpack-monitor/status-change",
  "VERIFIERS": []
}
JSON
export JETMON_CONFIG="$demo/config.json"
export JETMON_PID_FILE="$demo/jetmon2.pid"

"$jetmon2" migrate
"$root/scripts/mariadb.sh" sql "$demo/db" "
  USE \`$DB_NAME\`;
  DELETE FROM jetpack_monitor_sites WHERE blog_id BETWEEN 900001 AND 900010;
  INSERT INTO jetpack_monitor_sites (blog_id, bucket_no, monitor_url, monitor_active, site_status, check_keyword) VALUES
    (900001, 1,   'http://127.0.0.1:$fixture_port/', 1, 1, NULL),
    (900002, 17,  'http://127.0.0.1:$fixture_port/index.html', 1, 1, 'jetmon-demo-keyword'),
    (900003, 250, 'http://localhost:$fixture_port/', 1, 1, NULL),
    (900004, 400, 'http://127.0.0.1:$fixture_port/index.html', 1, 1, 'this keyword is not on the page'),
    (900005, 999, 'http://127.0.0.1:9/', 1, 1, NULL);"
echo "demo.sh: seeded 5 demo sites (3 up, 1 keyword miss, 1 down on a closed port)"

"$jetmon2" validate-config

monitor_pid=""
stop_monitor() { [ -n "$monitor_pid" ] && kill -INT "$monitor_pid" 2>/dev/null && wait "$monitor_pid" || true; }
trap 'stop_monitor; exit 130' INT TERM
mkdir -p "$demo/run/stats" "$demo/run/logs"   # stats files and disk probes are relative to the working dir
(cd "$demo/run" && exec "$jetmon2" serve) &
monitor_pid=$!
for _ in $(seq 1 50); do port_busy "$dashboard_port" && break; sleep 0.1; done
if port_busy "$dashboard_port"; then
  echo "demo.sh: host dashboard at http://127.0.0.1:$dashboard_port/ (JSON: /api/host; or: DASHBOARD_PORT=$dashboard_port $jetmon2 status)"
else
  echo "demo.sh: the dashboard did not answer on port $dashboard_port; the monitor's log above says why"
fi
echo "demo.sh: the checks as written: mariadb --socket=$demo/db/mysqld.sock -uroot $DB_NAME -e 'SELECT blog_id, http_code, error_code, rtt_ms, checked_at FROM jetmon_check_history ORDER BY id DESC LIMIT 10'"
echo "demo.sh: this host's heartbeat row: mariadb --socket=$demo/db/mysqld.sock -uroot $DB_NAME -e 'SELECT process_id, state, health_status, updated_at FROM jetmon_process_health'"
echo "demo.sh: WPCOM notices (the down site within about a minute): tail -f $wpcom_log"
echo "demo.sh: Ctrl-C stops the monitor, the fixture, the WPCOM stub and the database"
wait "$monitor_pid"
