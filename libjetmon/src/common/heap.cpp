#include "jetmon/common/heap.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string_view>

namespace jetmon {

std::string keep_heap_for_reuse() {
  constexpr int kTrimThresholdBytes = 64 << 20;
  constexpr int kTopPadBytes = 16 << 20;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const std::string_view set_by_operator = tunables != nullptr ? tunables : "";
  if (set_by_operator.find("malloc.trim_threshold") != std::string_view::npos ||
      set_by_operator.find("malloc.top_pad") != std::string_view::npos) {
    return "heap: trim threshold and top pad left to GLIBC_TUNABLES";
  }
  if (mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes) != 1 || mallopt(M_TOP_PAD, kTopPadBytes) != 1) {
    return "heap: allocator tuning not supported, glibc defaults kept";
  }
  return "heap: freed memory kept for reuse up to 64 MiB (trim threshold), grown 16 MiB at a time";
}

}  // namespace jetmon
