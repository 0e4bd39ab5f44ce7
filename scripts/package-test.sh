#!/usr/bin/env bash
# Packaging test (docs/operations.md, issue 8): builds the three .debs (scripts/package.sh: Release,
# no tests, Debian's build flags, in their own build dir), checks their metadata and file lists, then on this machine installs the deliverer
# alone, adds the monitor and the rollout tools, runs the installed binaries (version, migrate and
# validate-config against a private MariaDB, as the jetmon user), verifies the installed units,
# reinstalls the same version and upgrades to a repacked newer one (edited configs kept), removes
# the monitor while the deliverer stays, purges everything and checks that nothing is left but the
# jetmon system user (kept on purge, as Debian does).
#
# Needs root on Debian 12 and none of the jetmon packages installed. Leaves the machine as it found
# it, also on failure (an EXIT trap purges the packages, stops the database, removes the jetmon user
# if this script created it). Environment: PKG_BUILD_DIR (default build-pkg), JOBS (default 2),
# PKG_TEST_SKIP_BUILD=1 to reuse the packages already in PKG_BUILD_DIR/packages.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${PKG_BUILD_DIR:-$root/build-pkg}"
packages=(jetmon2 jetmon-deliverer jetmon-rollout)
base=/opt/jetmon2
units=(/etc/systemd/system/jetmon2.service /etc/systemd/system/jetmon-deliverer.service)

say() { echo "package-test: $*"; }
fail() { echo "package-test: FAIL $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "package-test: must run as root: it installs, upgrades and purges the jetmon packages on this" \
       "machine (run it in CI or a throwaway container)" >&2
  exit 1
fi
for tool in dpkg-deb apt-get systemd-analyze runuser; do
  command -v "$tool" >/dev/null || fail "needs $tool (Debian 12; run scripts/setup.sh)"
done
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [ -z "$status" ] || [ "$status" = not-installed ] ||
    fail "package $p is already on this machine ($status); refusing to touch an existing install"
done
[ ! -e "$base" ] || fail "$base exists; refusing to touch an existing install"
for u in "${units[@]}"; do [ ! -e "$u" ] || fail "$u exists; refusing to touch an existing install"; done

user_existed=0; getent passwd jetmon >/dev/null && user_existed=1
group_existed=0; getent group jetmon >/dev/null && group_existed=1
work="$(mktemp -d /tmp/jetmon-package-test.XXXXXX)"
chmod 0755 "$work"

cleanup() {
  local rc=$?
  set +e
  [ -n "${monitor_pid:-}" ] && kill -KILL "$monitor_pid" 2>/dev/null && wait "$monitor_pid" 2>/dev/null
  [ -n "${deliverer_pid:-}" ] && kill -KILL "$deliverer_pid" 2>/dev/null && wait "$deliverer_pid" 2>/dev/null
  [ "${made_run_dir:-0}" = 1 ] && rm -rf /run/jetmon2
  for p in "${packages[@]}"; do dpkg --purge "$p" >/dev/null 2>&1; done
  [ -d "$work/db" ] && "$root/scripts/mariadb.sh" stop "$work/db" >/dev/null 2>&1
  rm -rf "$base" "${units[@]}" /etc/systemd/system/multi-user.target.wants/jetmon2.service \
    /etc/systemd/system/multi-user.target.wants/jetmon-deliverer.service
  for path in "$base/config/config.json" "$base/config/deliverer.json" "$base/config"; do
    dpkg-statoverride --remove "$path" >/dev/null 2>&1
  done
  [ "$user_existed" = 1 ] || userdel jetmon >/dev/null 2>&1
  [ "$group_existed" = 1 ] || groupdel jetmon >/dev/null 2>&1
  rm -rf "$work"
  if [ $rc -eq 0 ]; then say "PASS (machine restored)"; else say "failed (rc=$rc); machine restored"; fi
}
trap cleanup EXIT

# ---- build ---------------------------------------------------------------------------------------
if [ "${PKG_TEST_SKIP_BUILD:-0}" != 1 ]; then
  say "building the packages in $build_dir (scripts/package.sh)"
  BUILD_DIR="$build_dir" JOBS="${JOBS:-2}" "$root/scripts/package.sh" >/dev/null
fi
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")"
[ -n "$version" ] || fail "no CMAKE_PROJECT_VERSION in $build_dir/CMakeCache.txt"
arch="$(dpkg --print-architecture)"
deb() { echo "$build_dir/packages/${1}_${version}-1_${arch}.deb"; }
for p in "${packages[@]}"; do [ -f "$(deb "$p")" ] || fail "missing $(deb "$p")"; done

# ---- metadata and file lists ---------------------------------------------------------------------
field() { dpkg-deb -f "$(deb "$1")" "$2"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
expect_has() { grep -qE -- "$2" <<<"$1" || fail "$3: '$1' does not match /$2/"; }

for p in "${packages[@]}"; do
  expect_eq "$(field "$p" Package)" "$p" "$p Package"
  expect_eq "$(field "$p" Version)" "$version-1" "$p Version"
  expect_eq "$(field "$p" Architecture)" "$arch" "$p Architecture"
  depends="$(field "$p" Depends)"
  # shlibdeps ran: the C and C++ runtimes with a minimum version.
  for lib in libc6 libstdc\\+\\+6; do
    expect_has "$depends" "(^|, )$lib \\(>= [^)]+\\)" "$p Depends ($lib)"
  done
  say "$p $version-1 $arch Depends: $depends"
done
# The monitor links every library of the suite.
for lib in libcurl4 libmariadb3 libuv1 libssl3 libfmt9 libcpp-httplib0.11; do
  expect_has "$(field jetmon2 Depends)" "(^|, )$lib \\(>= [^)]+\\)" "jetmon2 Depends ($lib)"
done
expect_has "$(field jetmon-rollout Depends)" "(^|, )libmariadb3 \\(>= [^)]+\\)" "jetmon-rollout Depends"
expect_has "$(field jetmon2 Depends)" '(^|, )adduser(,|$)' "jetmon2 Depends"
expect_has "$(field jetmon-deliverer Depends)" '(^|, )adduser(,|$)' "jetmon-deliverer Depends"
expect_has "$(field jetmon-rollout Depends)" '(^|, )systemd(,|$)' "jetmon-rollout Depends"

# Regular files (with mode) each package ships, sorted.
files_of() {
  dpkg-deb -c "$(deb "$1")" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print substr($1, 2, 9), $6}' | sort
}
expect_files() {
  local got; got="$(files_of "$1")"
  [ "$got" = "$2" ] || fail "$1 file list:"$'\n'"$got"$'\n'"want:"$'\n'"$2"
}
expect_files jetmon2 "rw-r----- /opt/jetmon2/config/config.json
rw-r--r-- /etc/systemd/system/jetmon2.service
rwxr-xr-x /opt/jetmon2/jetmon2"
expect_files jetmon-deliverer "rw-r----- /opt/jetmon2/config/deliverer.json
rw-r--r-- /etc/systemd/system/jetmon-deliverer.service
rwxr-xr-x /opt/jetmon2/bin/jetmon-deliverer"
expect_files jetmon-rollout "rwxr-xr-x /opt/jetmon2/jetmon-rollout"
expect_eq "$(dpkg-deb -I "$(deb jetmon2)" conffiles)" \
  "/opt/jetmon2/config/config.json
/etc/systemd/system/jetmon2.service" "jetmon2 conffiles"
expect_eq "$(dpkg-deb -I "$(deb jetmon-deliverer)" conffiles)" \
  "/opt/jetmon2/config/deliverer.json
/etc/systemd/system/jetmon-deliverer.service" "jetmon-deliverer conffiles"
say "metadata, file lists and conffiles as expected"

# ---- helpers for the installed system ------------------------------------------------------------
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
stat_is() { expect_eq "$(stat -c '%U:%G %a' "$1")" "$2" "owner and mode of $1"; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]; }
expect_version() {  # binary name: both `--version` and `version` print "<name> <version> (built …)"
  local out
  for arg in --version version; do
    out="$("$1" "$arg")" || fail "$1 $arg exited non-zero"
    expect_has "$out" "^$2 $version(\$| )" "$1 $arg"
  done
}
verify_unit() {
  local out
  out="$(systemd-analyze verify "$1" 2>&1)" || fail "systemd-analyze verify $1: $out"
  [ -z "$out" ] || fail "systemd-analyze verify $1 printed: $out"
}
as_jetmon() {  # runs a command as the service user from /opt/jetmon2 with the service's environment
  # shellcheck disable=SC1091
  (cd "$base" && set -a && . "$base/config/jetmon2.env" && set +a &&
    runuser -u jetmon -- env JETMON_CONFIG="$1" "${@:2}")
}

# ---- the deliverer alone -------------------------------------------------------------------------
say "installing jetmon-deliverer alone"
apt_install "$(deb jetmon-deliverer)"
installed jetmon-deliverer || fail "jetmon-deliverer not installed"
installed jetmon2 && fail "jetmon2 installed with the deliverer"
expect_has "$(getent passwd jetmon)" '^jetmon:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' "jetmon user"
uid="$(id -u jetmon)"
[ "$user_existed" = 1 ] || [ "$uid" -lt 1000 ] || fail "jetmon is not a system user (uid $uid)"
stat_is "$base/config" "root:jetmon 750"
stat_is "$base/config/deliverer.json" "root:jetmon 640"
stat_is "$base/config/jetmon2.env" "root:jetmon 640"
for d in logs stats; do [ ! -e "$base/$d" ] || fail "the deliverer created the monitor's $d dir"; done
expect_version "$base/bin/jetmon-deliverer" jetmon-deliverer
verify_unit /etc/systemd/system/jetmon-deliverer.service
# The operator fills the shared env file before the monitor arrives: it must never be overwritten.
"$root/scripts/mariadb.sh" start "$work/db" >/dev/null
sed 's/^/export /' "$work/db/env" > "$work/db/env.sh"
# shellcheck disable=SC1091
. "$work/db/env.sh"
cat "$work/db/env" >> "$base/config/jetmon2.env"

# ---- the monitor and the rollout tools -----------------------------------------------------------
say "installing jetmon2 and jetmon-rollout"
apt_install "$(deb jetmon2)" "$(deb jetmon-rollout)"
stat_is "$base/config/config.json" "root:jetmon 640"
stat_is "$base/config/jetmon2.env" "root:jetmon 640"
grep -qx "DB_PORT=$DB_PORT" "$base/config/jetmon2.env" || fail "jetmon2's postinst rewrote jetmon2.env"
stat_is "$base/logs" "jetmon:jetmon 750"
stat_is "$base/stats" "jetmon:jetmon 750"
expect_version "$base/jetmon2" jetmon2
expect_version "$base/jetmon-rollout" jetmon-rollout
verify_unit /etc/systemd/system/jetmon2.service
verify_unit /etc/systemd/system/jetmon-deliverer.service
# Secrets: the group can read the configs, nobody else can.
if runuser -u nobody -- cat "$base/config/config.json" >/dev/null 2>&1; then
  fail "config.json is readable by nobody"
fi
if runuser -u nobody -- cat "$base/config/jetmon2.env" >/dev/null 2>&1; then
  fail "jetmon2.env is readable by nobody"
fi

# The operator edits the config (a real token, a local StatsD) and starts the way docs/operations.md
# says: migrate, then validate-config, as the service user with the service's environment.
sed -i 's/"AUTH_TOKEN": "change_me"/"AUTH_TOKEN": "package-test-token"/; s/"statsd:8125"/"127.0.0.1:8125"/' \
  "$base/config/config.json"
grep -q '"AUTH_TOKEN": "package-test-token"' "$base/config/config.json" || fail "could not edit config.json"
out="$(as_jetmon "$base/config/config.json" ./jetmon2 migrate 2>&1)" || fail "jetmon2 migrate: $out"
tables="$("$root/scripts/mariadb.sh" sql "$work/db" "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$DB_NAME' AND table_name IN ('jetpack_monitor_sites','jetmon_hosts','jetmon_process_health')")"
expect_eq "$tables" 3 "tables created by the installed jetmon2 migrate"
applied="$("$root/scripts/mariadb.sh" sql "$work/db" "SELECT COUNT(*) FROM $DB_NAME.jetmon_schema_migrations")"
expect_eq "$applied" "$(find "$root/schema" -name '[0-9]*.sql' | wc -l)" "migrations applied by the installed jetmon2"
out="$(as_jetmon "$base/config/config.json" ./jetmon2 migrate 2>&1)" || fail "second jetmon2 migrate: $out"
out="$(as_jetmon "$base/config/config.json" ./jetmon2 validate-config 2>&1)" ||
  fail "jetmon2 validate-config: $out"
expect_has "$out" '^PASS config parse$' "jetmon2 validate-config"
expect_has "$out" '^PASS db connect$' "jetmon2 validate-config"
expect_has "$out" '^INFO bucket_ownership=dynamic' "jetmon2 validate-config"
expect_has "$out" '^validation passed$' "jetmon2 validate-config"
out="$(as_jetmon "$base/config/config.json" ./jetmon-rollout validate-config 2>&1)" ||
  fail "jetmon-rollout validate-config: $out"
expect_has "$out" '^PASS db connect$' "jetmon-rollout validate-config"
# The deliverer's unit runs exactly this before start (ExecStartPre).
sed -i "s/\"DELIVERY_OWNER_HOST\": \"\"/\"DELIVERY_OWNER_HOST\": \"$(hostname)\"/; s/\"statsd:8125\"/\"127.0.0.1:8125\"/" \
  "$base/config/deliverer.json"
out="$(as_jetmon "$base/config/deliverer.json" ./bin/jetmon-deliverer validate-config \
  --require-owner-match --require-api-disabled 2>&1)" || fail "jetmon-deliverer validate-config: $out"
expect_has "$out" '^PASS api_port=disabled$' "jetmon-deliverer validate-config"
expect_has "$out" 'matched; delivery workers enabled on this host$' "jetmon-deliverer validate-config"
expect_has "$out" '^validation passed$' "jetmon-deliverer validate-config"
say "installed binaries: version, migrate and validate-config pass as user jetmon"

# The rollout gate that verifies the monitor's unit finds it where the package put it (host-preflight
# with its default --service=jetmon2), for a host pinned to the whole range of a one-host plan.
printf 'package-test-v1,0,999\n' > "$work/ranges.csv"
cp -p "$base/config/config.json" "$work/config.json.dynamic"
sed -i 's/"PINNED_BUCKET_MIN": null/"PINNED_BUCKET_MIN": 0/; s/"PINNED_BUCKET_MAX": null/"PINNED_BUCKET_MAX": 999/' \
  "$base/config/config.json"
out="$(as_jetmon "$base/config/config.json" ./jetmon-rollout host-preflight --file="$work/ranges.csv" \
  --host=package-test-v1 --bucket-min=0 --bucket-max=999 2>&1)" || fail "jetmon-rollout host-preflight: $out"
expect_has "$out" '^PASS systemd_unit=/etc/systemd/system/jetmon2.service$' "host-preflight"
expect_has "$out" '^host preflight passed$' "host-preflight"
cp -p "$work/config.json.dynamic" "$base/config/config.json"
say "jetmon-rollout host-preflight passes against the installed unit"

# Run the installed monitor the way its unit does (user jetmon, /opt/jetmon2, the env file, the PID
# file in /run/jetmon2), minus systemd itself: the packaged logs/ and stats/ must satisfy its disk
# probes, SIGTERM must drain it cleanly. A free dashboard port below 32768 for `jetmon2 status`.
port=18480
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
sed -i "s/\"DASHBOARD_PORT\": 8080/\"DASHBOARD_PORT\": $port/; s/\"DEBUG_PORT\": 6060/\"DEBUG_PORT\": 0/" \
  "$base/config/config.json"
[ -e /run/jetmon2 ] && fail "/run/jetmon2 exists: is a jetmon2 running here?"
made_run_dir=1
install -d -o jetmon -g jetmon -m 0750 /run/jetmon2
# shellcheck disable=SC1091
(cd "$base" && set -a && . "$base/config/jetmon2.env" && set +a &&
  exec setpriv --reuid=jetmon --regid=jetmon --init-groups \
    env JETMON_CONFIG="$base/config/config.json" JETMON_PID_FILE=/run/jetmon2/jetmon2.pid \
    ./jetmon2 2>"$work/jetmon2.log") &
monitor_pid=$!
status_ok=0
for _ in $(seq 1 120); do
  kill -0 "$monitor_pid" 2>/dev/null || break
  if out="$(DASHBOARD_PORT=$port "$base/jetmon2" status 2>&1)" &&
     grep -qx 'disk:logs: green' <<<"$out" && grep -qx 'disk:stats: green' <<<"$out" &&
     grep -qx 'mysql: green.*' <<<"$out"; then
    status_ok=1; break
  fi
  sleep 0.5
done
[ "$status_ok" = 1 ] || fail "installed jetmon2 never reported mysql, disk:logs and disk:stats green:"$'\n'"${out:-}"$'\n'"$(cat "$work/jetmon2.log")"
expect_eq "$(cat /run/jetmon2/jetmon2.pid)" "$monitor_pid" "PID file of the installed jetmon2"
kill -TERM "$monitor_pid"
monitor_rc=0; wait "$monitor_pid" || monitor_rc=$?
monitor_pid=""
expect_eq "$monitor_rc" 0 "exit code of the installed jetmon2 after SIGTERM"
grep -q 'jetmon2: shutdown complete' "$work/jetmon2.log" || fail "no shutdown line: $(cat "$work/jetmon2.log")"
[ ! -e /run/jetmon2/jetmon2.pid ] || fail "the PID file stayed after the drain"
rm -rf /run/jetmon2; made_run_dir=0
say "installed jetmon2 ran as jetmon: status green for mysql, disk:logs, disk:stats; SIGTERM drained, exit 0"

# The installed deliverer, run as its unit runs it: it publishes <host>:deliverer `running` (it is
# the delivery owner), and SIGTERM marks the row `stopped` and exits 0.
deliverer_row() {
  "$root/scripts/mariadb.sh" sql "$work/db" \
    "SELECT state FROM $DB_NAME.jetmon_process_health WHERE process_id='$(hostname):deliverer'"
}
# shellcheck disable=SC1091
(cd "$base" && set -a && . "$base/config/jetmon2.env" && set +a &&
  exec setpriv --reuid=jetmon --regid=jetmon --init-groups \
    env JETMON_CONFIG="$base/config/deliverer.json" ./bin/jetmon-deliverer 2>"$work/deliverer.log") &
deliverer_pid=$!
row=""
for _ in $(seq 1 120); do
  kill -0 "$deliverer_pid" 2>/dev/null || break
  row="$(deliverer_row)"
  [ "$row" = running ] && break
  sleep 0.5
done
expect_eq "$row" running "process-health state of the installed jetmon-deliverer"$'\n'"$(cat "$work/deliverer.log")"
kill -TERM "$deliverer_pid"
deliverer_rc=0; wait "$deliverer_pid" || deliverer_rc=$?
deliverer_pid=""
expect_eq "$deliverer_rc" 0 "exit code of the installed jetmon-deliverer after SIGTERM"
grep -q 'jetmon-deliverer: shutdown complete' "$work/deliverer.log" ||
  fail "no deliverer shutdown line: $(cat "$work/deliverer.log")"
expect_eq "$(deliverer_row)" stopped "process-health state after the deliverer's SIGTERM"
say "installed jetmon-deliverer ran as jetmon: row running, SIGTERM marked it stopped, exit 0"

# An enabled unit is disabled when its package is removed.
systemctl enable --quiet jetmon2 2>/dev/null
[ -L /etc/systemd/system/multi-user.target.wants/jetmon2.service ] || fail "systemctl enable jetmon2"
echo 42 > "$base/stats/totals"; chown jetmon:jetmon "$base/stats/totals"

# ---- reinstall the same version, then upgrade to a newer one -------------------------------------
say "reinstalling the same version"
dpkg -i "$(deb jetmon2)" "$(deb jetmon-deliverer)" "$(deb jetmon-rollout)" >/dev/null
check_kept() {
  grep -q '"AUTH_TOKEN": "package-test-token"' "$base/config/config.json" || fail "$1: config.json edit lost"
  grep -qx "DB_PORT=$DB_PORT" "$base/config/jetmon2.env" || fail "$1: jetmon2.env edit lost"
  stat_is "$base/config" "root:jetmon 750"
  stat_is "$base/config/config.json" "root:jetmon 640"
  stat_is "$base/config/deliverer.json" "root:jetmon 640"
  stat_is "$base/config/jetmon2.env" "root:jetmon 640"
  expect_eq "$(cat "$base/stats/totals")" 42 "$1: stats/totals"
  [ -L /etc/systemd/system/multi-user.target.wants/jetmon2.service ] || fail "$1: jetmon2 no longer enabled"
}
check_kept "reinstall"

# A newer jetmon2 whose default config changed: dpkg keeps the edited file and puts the new default
# next to it as config.json.dpkg-dist (noninteractive: --force-confold).
say "upgrading jetmon2 to a repacked $version-2 with a changed default config"
dpkg-deb -R "$(deb jetmon2)" "$work/newer"
sed -i "s/^Version: .*/Version: $version-2/" "$work/newer/DEBIAN/control"
sed -i 's/"NUM_WORKERS": 60/"NUM_WORKERS": 61/' "$work/newer/opt/jetmon2/config/config.json"
(cd "$work/newer" && find opt etc -type f -exec md5sum {} + > DEBIAN/md5sums)
dpkg-deb -b --root-owner-group "$work/newer" "$work/jetmon2-newer.deb" >/dev/null
dpkg -i --force-confdef --force-confold "$work/jetmon2-newer.deb" >/dev/null
expect_eq "$(dpkg-query -W -f='${Version}' jetmon2)" "$version-2" "jetmon2 version after upgrade"
check_kept "upgrade"
grep -q '"NUM_WORKERS": 61' "$base/config/config.json.dpkg-dist" || fail "upgrade: no config.json.dpkg-dist"
expect_version "$base/jetmon2" jetmon2

# ---- remove the monitor while the deliverer stays ------------------------------------------------
say "removing jetmon2 while jetmon-deliverer stays"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq jetmon2 >/dev/null
[ ! -e "$base/jetmon2" ] || fail "jetmon2 binary left after remove"
[ ! -e /etc/systemd/system/multi-user.target.wants/jetmon2.service ] || fail "jetmon2 still enabled after remove"
[ -f "$base/config/config.json" ] || fail "remove (not purge) dropped config.json"
expect_version "$base/bin/jetmon-deliverer" jetmon-deliverer
verify_unit /etc/systemd/system/jetmon-deliverer.service
say "purging jetmon2 while jetmon-deliverer stays"
dpkg --purge jetmon2 >/dev/null
for gone in "$base/config/config.json" "$base/config/config.json.dpkg-dist" "$base/logs" "$base/stats" \
            /etc/systemd/system/jetmon2.service; do
  [ ! -e "$gone" ] || fail "purge of jetmon2 left $gone"
done
stat_is "$base/config" "root:jetmon 750"
stat_is "$base/config/deliverer.json" "root:jetmon 640"
grep -qx "DB_PORT=$DB_PORT" "$base/config/jetmon2.env" || fail "purge of jetmon2 removed the deliverer's env file"
expect_version "$base/bin/jetmon-deliverer" jetmon-deliverer
expect_version "$base/jetmon-rollout" jetmon-rollout

# ---- purge everything ----------------------------------------------------------------------------
say "purging jetmon-deliverer and jetmon-rollout"
dpkg --purge jetmon-deliverer jetmon-rollout >/dev/null
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
  [ -z "$status" ] || [ "$status" = not-installed ] || fail "$p is still $status after purge"
done
[ ! -e "$base" ] || fail "purge left $(find "$base" | tr '\n' ' ')"
for u in "${units[@]}"; do [ ! -e "$u" ] || fail "purge left $u"; done
left="$(find /etc/systemd/system -name 'jetmon*' 2>/dev/null)"
[ -z "$left" ] || fail "purge left $left"
overrides="$(dpkg-statoverride --list | grep ' /opt/jetmon2' || true)"
[ -z "$overrides" ] || fail "purge left stat overrides: $overrides"
getent passwd jetmon >/dev/null || fail "the jetmon user should be kept on purge (Debian practice)"
say "purged: nothing left but the jetmon user and group (kept, as Debian does)"
