#pragma once

#include <string>

namespace jetmon {

// Identity of this build, fixed at configure time (cmake/Version.cmake).
struct BuildInfo {
  std::string version;   // project version, e.g. "0.1.0"
  std::string commit;    // short git commit or "unknown"
  std::string describe;  // `git describe --tags --always --dirty` or ""
  std::string date;      // UTC build date, RFC 3339
  std::string compiler;  // toolchain, e.g. "GNU 12.2.0"
};

const BuildInfo& build_info();

// "<program> <version> (built <date> with <toolchain>)", the line `version` prints.
std::string version_line(const std::string& program);

// Multi-line text for `--version`: the version line plus the commit.
std::string version_text(const std::string& program);

}  // namespace jetmon
