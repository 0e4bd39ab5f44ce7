#include "jetmon/common/build_info.hpp"

#include <fmt/format.h>

namespace jetmon {

std::string version_line(const std::string& program) {
  const BuildInfo& info = build_info();
  return fmt::format("{} {} (built {} with {})", program, info.version, info.date, info.compiler);
}

std::string version_text(const std::string& program) {
  const BuildInfo& info = build_info();
  return fmt::format("{}\ncommit {}{}\n", version_line(program), info.commit,
                     info.describe.empty() || info.describe == info.commit
                         ? std::string{}
                         : fmt::format(" ({})", info.describe));
}

}  // namespace jetmon
