#include "jetmon/common/host.hpp"

#include <unistd.h>

#include <array>

namespace jetmon {

std::string os_hostname() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == '\0') return "unknown";
  return std::string(buf.data());
}

}  // namespace jetmon
