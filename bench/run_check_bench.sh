#!/usr/bin/env bash
# Check-engine benchmark matrix against the shared nginx fixture (../shared/bench), plus wrk's
# new-connection rate on the same target as the ceiling, all in one run.
#
#   bench/run_check_bench.sh [--count N] [--build DIR] [--only http|https] [--in-flight "1000 5000"]
#
# Needs: scripts/setup.sh --bench (nginx-light, libnginx-mod-http-echo, wrk) and a build with
# bench/check_bench. HTTPS uses a throwaway CA and a leaf certificate whose SANs are the first 250
# loopback addresses the benchmark uses (127.1.0.1 … 127.1.0.250).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared_bench="${SHARED_BENCH:-$root/../shared/bench}"
build="$root/build"
count=20000
only=""
in_flight_list="1000 5000 10000"
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --in-flight) in_flight_list="$2"; shift 2 ;;
    *) echo "usage: $0 [--count N] [--build DIR] [--only http|https] [--in-flight LIST]" >&2; exit 2 ;;
  esac
done
bench_bin="${CHECK_BENCH_BIN:-$build/bench/check_bench}"
[ -x "$bench_bin" ] || { echo "missing $bench_bin (build first)" >&2; exit 1; }
export BENCH_DIR="${BENCH_DIR:-/tmp/jetmon-check-bench}"
port=18700
tls_port=18743
mkdir -p "$BENCH_DIR/tls"

"$shared_bench/fixture.sh" start --port "$port" --access-log 0
tls_conf="$BENCH_DIR/tls/nginx.conf"
cleanup() {
  "$shared_bench/fixture.sh" stop --port "$port" || true
  [ -f "$BENCH_DIR/tls/nginx.pid" ] && kill "$(cat "$BENCH_DIR/tls/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# Throwaway CA + leaf for the HTTPS target.
(
  cd "$BENCH_DIR/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -keyout ca.key -out ca.pem -subj "/CN=jetmon bench CA" 2>/dev/null
  san="subjectAltName=IP:127.0.0.1"
  for i in $(seq 1 250); do san="$san,IP:127.1.0.$i"; done
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr \
    -subj "/CN=bench" 2>/dev/null
  printf '%s\n' "$san" > ext.cnf
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile ext.cnf -out leaf.pem 2>/dev/null
)
mkdir -p "$BENCH_DIR/tls/tmp"
cat > "$tls_conf" <<CONF
worker_processes 2;
worker_rlimit_nofile 200000;
pid $BENCH_DIR/tls/nginx.pid;
error_log $BENCH_DIR/tls/error.log warn;
events { worker_connections 65536; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $BENCH_DIR/tls/tmp;
  server {
    listen 0.0.0.0:$tls_port ssl backlog=65535 reuseport;
    ssl_certificate $BENCH_DIR/tls/leaf.pem;
    ssl_certificate_key $BENCH_DIR/tls/leaf.key;
    ssl_session_cache off;
    ssl_session_tickets off;
    location = /ok { return 200 'jetmon-bench-ok\n'; }
  }
}
CONF
nginx -c "$tls_conf" -p "$BENCH_DIR/tls"
sleep 0.5

if [ "$only" != https ]; then
echo "## ceiling: wrk, new connection per request (Connection: close), 10 s"
wrk -t 2 -c 200 -d 10s -H "Connection: close" "http://127.0.0.1:$port/ok" | grep -E "Requests/sec|Socket errors" || true
echo "## engine, HTTP"
for k in $in_flight_list; do
  "$bench_bin" --scheme http --port "$port" --count "$count" --in-flight "$k"
  sleep 3
done
fi
if [ "$only" != http ]; then
echo "## ceiling: wrk over TLS, new connection per request, 10 s"
wrk -t 2 -c 200 -d 10s -H "Connection: close" "https://127.1.0.1:$tls_port/ok" | grep -E "Requests/sec|Socket errors" || true
echo "## engine, HTTPS"
for k in $in_flight_list; do
  "$bench_bin" --scheme https --port "$tls_port" --count "$count" --in-flight "$k" --distinct 250 \
    --ca-file "$BENCH_DIR/tls/ca.pem"
  sleep 3
done
fi
