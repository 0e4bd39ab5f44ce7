#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

// Memory pressure (monitor.md §3.7), C++ flavour: the check engine's in-flight ceiling plays the
// part of Go's worker pool size, and RSS (metrics::rss_mb) the part of Go's mapped memory.
namespace jetmon::schedule {

struct MemoryPressure {
  std::int64_t rss_mb = 0;
  int limit_mb = 0;
  std::size_t drained = 0;      // how far the ceiling goes down (>= 1)
  std::size_t new_ceiling = 1;  // the ceiling until the next round restores NUM_WORKERS (>= 1)
  bool operator==(const MemoryPressure&) const = default;
};

// After a non-empty round: nullopt (nothing to do) when limit_mb <= 0, rss_mb is unknown (<= 0)
// or not above the limit, or the ceiling is already 1; otherwise lower the ceiling by
// max(1, ceiling / 10), never below 1.
std::optional<MemoryPressure> decide_memory_pressure(std::int64_t rss_mb, int limit_mb, std::size_t ceiling);

// "memory pressure <X>MB > <L>MB, draining <n> workers"
std::string memory_pressure_message(const MemoryPressure& pressure);

}  // namespace jetmon::schedule
