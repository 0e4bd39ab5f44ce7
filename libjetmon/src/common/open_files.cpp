#include "jetmon/common/open_files.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace jetmon {
namespace {

std::string limit_text(rlim_t limit) { return limit == RLIM_INFINITY ? "unlimited" : fmt::format("{}", limit); }

}  // namespace

std::string raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return fmt::format("open files: limit unreadable ({})", std::strerror(errno));
  }
  if (limit.rlim_cur == limit.rlim_max) {
    return fmt::format("open files: limit {}", limit_text(limit.rlim_cur));
  }
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return fmt::format("open files: limit {} (raising it to {} failed: {})", limit_text(before),
                       limit_text(limit.rlim_max), std::strerror(errno));
  }
  return fmt::format("open files: limit raised from {} to {}", limit_text(before), limit_text(limit.rlim_max));
}

std::uint64_t open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace jetmon
