#include "jetmon/schedule/memory_pressure.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace jetmon::schedule {

std::optional<MemoryPressure> decide_memory_pressure(std::int64_t rss_mb, int limit_mb, std::size_t ceiling) {
  if (limit_mb <= 0 || rss_mb <= 0 || rss_mb <= limit_mb || ceiling <= 1) return std::nullopt;
  const std::size_t wanted = std::max<std::size_t>(1, ceiling / 10);
  const std::size_t drained = std::min(wanted, ceiling - 1);
  return MemoryPressure{rss_mb, limit_mb, drained, ceiling - drained};
}

std::string memory_pressure_message(const MemoryPressure& pressure) {
  return fmt::format("memory pressure {}MB > {}MB, draining {} workers", pressure.rss_mb, pressure.limit_mb,
                     pressure.drained);
}

}  // namespace jetmon::schedule
