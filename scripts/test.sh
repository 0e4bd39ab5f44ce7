#!/usr/bin/env bash
# The whole test suite from a clean clone: installs packages, builds, runs ctest (which starts and
# stops its own throwaway MariaDB and fixture servers), then the same under ASan/UBSan.
# JETMON_SKIP_SANITIZE=1 skips the sanitizer pass. JETMON_PACKAGE_TEST=1 (set by .ci/run) then builds,
# installs, upgrades and purges the .deb packages on this machine (scripts/package-test.sh, root).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"

run_suite() {
  local build_dir="$1"; shift
  echo "== build $build_dir $*"
  BUILD_DIR="$build_dir" "$root/scripts/build.sh" "$@"
  echo "== ctest $build_dir"
  (cd "$build_dir" && ctest --output-on-failure -j2 --timeout 600)
}

run_suite "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${JETMON_SKIP_SANITIZE:-0}" != "1" ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DJETMON_SANITIZE=ON -DJETMON_BUILD_BENCH=OFF
fi
if [ "${JETMON_PACKAGE_TEST:-0}" = "1" ]; then
  echo "== package test"
  "$root/scripts/package-test.sh"
fi
