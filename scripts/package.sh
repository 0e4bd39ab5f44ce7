#!/usr/bin/env bash
# Builds the three Debian packages (jetmon2, jetmon-deliverer, jetmon-rollout; docs/operations.md)
# into BUILD_DIR/packages (BUILD_DIR defaults to build-pkg; JOBS as for build.sh). Release build,
# tests and benchmarks off, with Debian's compiler and linker flags (dpkg-buildflags, hardening=+all:
# -O2, stack protector, _FORTIFY_SOURCE=2, relro and bind-now) in place of CMake's Release -O3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build-pkg}"
for tool in dpkg-buildflags dpkg-shlibdeps file cpack; do
  command -v "$tool" >/dev/null || { echo "package.sh: needs $tool (run scripts/setup.sh)" >&2; exit 1; }
done

cd "$root"
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cppflags="$(dpkg-buildflags --get CPPFLAGS)"
BUILD_DIR="$build_dir" "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=Release \
  -DJETMON_BUILD_TESTS=OFF -DJETMON_BUILD_BENCH=OFF \
  -DCMAKE_C_FLAGS="$(dpkg-buildflags --get CFLAGS) $cppflags" \
  -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CXXFLAGS) $cppflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" \
  -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG
rm -rf "$build_dir/packages"
(cd "$build_dir" && cpack -G DEB -B "$build_dir/packages" >/dev/null)
ls "$build_dir"/packages/*.deb
