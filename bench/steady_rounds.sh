#!/bin/bash
# Steady-state rounds: what round.sh cannot show, since it stops the monitor after the first round.
#
#   bench/steady_rounds.sh BIN [round.sh options…]
#
# 1. ../shared/bench/round.sh seeds a fresh database and runs BIN for its first round (the
#    RESULT line's round_s is printed).
# 2. BIN is started again on that database, with the same config, and runs two more rounds: the
#    sites that failed in the first round now have open events, as in production. The monitor's
#    own "round N done … in X ms" lines are printed, then the number of open events.
#
# Default round.sh options: 100,000 sites, 1,000 workers, DATASET_SIZE 2,000. Start the fixture
# and the database first (BENCH_DIR=… ../shared/bench/fixture.sh start; …/db.sh start): round.sh
# stops whatever it started itself, and the later rounds need both.
set -euo pipefail
BIN="$(realpath "$1")"; shift
HERE="$(cd "$(dirname "$0")" && pwd)"
BENCH_HOME="${BENCH_HOME:-$HERE/../../shared/bench}"
export BENCH_DIR="${BENCH_DIR:-/tmp/jetmon-round}"
. "$BENCH_HOME/lib.sh"
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--sites 100000 --workers 1000 --dataset-size 2000)
"$BENCH_HOME/round.sh" --monitor "$BIN" "${ARGS[@]}" 2>&1 | grep -o 'RESULT.*' | grep -o 'round_s=[0-9.]*'
RUN="$BENCH_DIR/runs/$(ls -t "$BENCH_DIR/runs" | head -1)"
cd "$RUN/work"
export JETMON_CONFIG="$RUN/config.json" JETMON_PID_FILE="$RUN/steady.pid"
export DB_HOST=127.0.0.1 DB_PORT="$BENCH_DB_PORT" DB_USER="$BENCH_DB_USER" DB_PASSWORD="$BENCH_DB_PASS" DB_NAME="$BENCH_DB_NAME"
"$BIN" >"$RUN/steady.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  sleep 0.5
  [ "$(grep -c 'round [0-9]* done' "$RUN/steady.log" || true)" -ge 2 ] && break
done
kill -INT "$pid"
wait "$pid" || true
grep 'round [0-9]* done' "$RUN/steady.log" | sed 's/.*orchestrator: //'
echo "open events: $(db_sql 'SELECT COUNT(*) FROM jetmon_events WHERE ended_at IS NULL')"
