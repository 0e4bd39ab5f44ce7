#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running the demo need.
# Idempotent: packages already installed are left alone and apt is not touched at all when
# nothing is missing. Run as root (or with sudo). Nothing is downloaded outside the Debian archive.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config git ca-certificates
  # libraries of the suite
  libuv1-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libcpp-httplib-dev libmariadb-dev
  rapidjson-dev libfmt-dev libcli11-dev
  # tests: Catch2 v2, a real MariaDB server (run as a throwaway instance), certificate tooling,
  # Node.js to run the dashboard page's own JavaScript summary rules
  catch2 mariadb-server mariadb-client openssl curl python3 nodejs
  # headless Chromium: the host dashboard page is loaded from a live server, its rendered DOM
  # checked and a screenshot kept (test/integration/dashboard/page_browser_test.cpp)
  chromium
  # packaging (scripts/package-test.sh): CPack's shlibdeps (dpkg-shlibdeps, file), what the
  # packages' maintainer scripts and units need (adduser, systemd-analyze)
  dpkg-dev file adduser systemd
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(nginx-light libnginx-mod-http-echo wrk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
