#pragma once

#include <cstdint>
#include <string_view>

#include "jetmon/metrics/statsd.hpp"

// Process memory figures (product decision 9, dashboard-fleet.md §10/§11; docs/metrics.md).
// All figures are whole MiB (floor); any failure to read one gives 0 ("n/a" on the dashboard).
namespace jetmon::metrics {

struct MemoryFigures {
  // Allocator-mapped memory: glibc mallinfo2() arena (heap obtained with brk/mmap'd arenas) +
  // hblkhd (chunks mmap'd directly). Published under the compatibility name go_sys_mem_mb.
  std::int64_t allocator_mapped_mb = 0;
  // Memory in use by the program: mallinfo2() uordblks + hblkhd (heap_alloc_mb).
  std::int64_t heap_alloc_mb = 0;
  // Resident set size from /proc/self/statm (rss_mem_mb); also what WORKER_MAX_MEM_MB compares.
  std::int64_t rss_mb = 0;

  bool operator==(const MemoryFigures&) const = default;
};

// Reads the three figures now (mallinfo2 walks the malloc arenas: call it once per round or per
// health publish, not per request).
MemoryFigures read_memory_figures();

std::int64_t rss_mb();

// Pure parts, for tests.
inline constexpr std::int64_t kMiB = 1024 * 1024;
std::int64_t bytes_to_mb(std::uint64_t bytes) noexcept;  // floor
// MiB from the text of /proc/self/statm (field 2 = resident pages) and the page size; 0 when the
// text is malformed or page_size <= 0.
std::int64_t rss_mb_from_statm(std::string_view statm_text, long page_size) noexcept;

// The per-round gauges of STATSD_SEND_MEM_USAGE (dashboard-fleet.md §10):
//   process.rss_mb         = RSS, or the allocator figure when RSS is 0
//   process.go_sys_mem_mb  = allocator-mapped memory
//   process.heap_alloc_mb  = memory in use
void emit_memory_gauges(Sink& sink, const MemoryFigures& figures);

}  // namespace jetmon::metrics
