#!/usr/bin/env bash
# Sites going down together, confirmed through a Veriflier: seconds from the monitor's start until
# every site has a Down event. Every site is silent (the fixture's /delay path, far beyond the
# check timeout), so each local check and each Veriflier check waits out the whole timeout.
#
#   bench/escalation_burst.sh BIN [--sites N] [--timeout S]     (defaults: 64 sites, 2 s)
#
# Uses ../shared/bench (fixture, throwaway MariaDB, seed.sh); starts them if they are not running
# and then stops them at exit. BIN serves both sides: `BIN veriflier` and `BIN` (the monitor),
# with NUM_OF_CHECKS 2 and TIME_BETWEEN_CHECKS_SEC 1, so every site escalates about two timeouts
# after the start.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_BENCH:-$root/../shared/bench}"
usage() { echo "usage: $0 BIN [--sites N] [--timeout S]" >&2; exit 2; }
[ $# -ge 1 ] || usage
BIN="$(readlink -f "$1")"; shift
N=64
T=2
while [ $# -gt 0 ]; do
  case "$1" in
    --sites) N="$2"; shift 2 ;;
    --timeout) T="$2"; shift 2 ;;
    *) usage ;;
  esac
done
export BENCH_DIR="${BENCH_DIR:-/tmp/jetmon-escalation}"
# shellcheck source=/dev/null
source "$shared/lib.sh"
RUN="$(mktemp -d)"
started_fixture=0
started_db=0
pids=()
cleanup() {
  for p in "${pids[@]+"${pids[@]}"}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
  [ "$started_db" = 1 ] && { "$shared/db.sh" stop || true; }
  [ "$started_fixture" = 1 ] && { "$shared/fixture.sh" stop || true; }
}
trap cleanup EXIT
fixture_running || { "$shared/fixture.sh" start; started_fixture=1; }
db_running || { "$shared/db.sh" start; started_db=1; }
fixture_port="$(cat "$FIXTURE_DIR/port")"

export DB_HOST=127.0.0.1 DB_PORT="$BENCH_DB_PORT" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASS" DB_NAME="$BENCH_DB_NAME"
"$shared/db.sh" reset
( cd "$RUN" && "$BIN" migrate ) >"$RUN/migrate.log" 2>&1 || { tail -20 "$RUN/migrate.log" >&2; exit 1; }
"$shared/seed.sh" --sites "$N" --fail-pct 100 --fail-kind timeout --port "$fixture_port" >/dev/null 2>&1

veriflier_port=17803
cat >"$RUN/config.json" <<JSON
{"AUTH_TOKEN":"bench","PINNED_BUCKET_MIN":0,"PINNED_BUCKET_MAX":999,"NUM_WORKERS":100,
 "NUM_OF_CHECKS":2,"TIME_BETWEEN_CHECKS_SEC":1,"NET_COMMS_TIMEOUT":$T,"MIN_TIME_BETWEEN_ROUNDS_SEC":600,
 "DASHBOARD_PORT":0,"API_PORT":0,"WPCOM_NOTIFY_URL":"http://127.0.0.1:9/",
 "VERIFIERS":[{"name":"v","host":"127.0.0.1","port":"$veriflier_port","auth_token":"vtoken"}]}
JSON
( cd "$RUN" && VERIFLIER_AUTH_TOKEN=vtoken VERIFLIER_PORT="$veriflier_port" exec "$BIN" veriflier ) >"$RUN/veriflier.log" 2>&1 &
pids+=($!)
sleep 1
start="$(now)"
( cd "$RUN" && JETMON_CONFIG="$RUN/config.json" JETMON_PID_FILE="$RUN/monitor.pid" exec "$BIN" ) >"$RUN/monitor.log" 2>&1 &
pids+=($!)
down=0
while [ "$down" -lt "$N" ]; do
  sleep 0.2
  down="$(db_sql "SELECT COUNT(*) FROM jetmon_events WHERE state = 'Down'")"
  elapsed="$(awk -v a="$start" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}')"
  if awk -v e="$elapsed" -v t="$T" -v n="$N" 'BEGIN{exit !(e > 10 + 3 * t * n)}'; then
    echo "gave up after ${elapsed}s with $down of $N Down (logs in $RUN)" >&2
    exit 1
  fi
done
echo "RESULT sites=$N timeout_s=$T all_down_s=$elapsed"
