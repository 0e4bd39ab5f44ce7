#include "jetmon/metrics/memory.hpp"

#include <malloc.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace jetmon::metrics {

std::int64_t bytes_to_mb(std::uint64_t bytes) noexcept {
  return static_cast<std::int64_t>(bytes / static_cast<std::uint64_t>(kMiB));
}

std::int64_t rss_mb_from_statm(std::string_view text, long page_size) noexcept {
  if (page_size <= 0) return 0;
  // Fields: size resident shared text lib data dt (pages).
  std::size_t pos = 0;
  auto skip_spaces = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  };
  auto read_number = [&](std::uint64_t& out) {
    skip_spaces();
    const char* begin = text.data() + pos;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc() || ptr == begin) return false;
    pos += static_cast<std::size_t>(ptr - begin);
    return true;
  };
  std::uint64_t size_pages = 0, resident_pages = 0;
  if (!read_number(size_pages) || !read_number(resident_pages)) return 0;
  if (resident_pages > UINT64_MAX / static_cast<std::uint64_t>(page_size)) return 0;
  return bytes_to_mb(resident_pages * static_cast<std::uint64_t>(page_size));
}

std::int64_t rss_mb() {
  try {
    std::ifstream in("/proc/self/statm");
    if (!in) return 0;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return rss_mb_from_statm(text, ::sysconf(_SC_PAGESIZE));
  } catch (...) {
    return 0;
  }
}

MemoryFigures read_memory_figures() {
  MemoryFigures figures;
  const struct mallinfo2 info = ::mallinfo2();
  figures.allocator_mapped_mb = bytes_to_mb(info.arena + info.hblkhd);
  figures.heap_alloc_mb = bytes_to_mb(info.uordblks + info.hblkhd);
  figures.rss_mb = rss_mb();
  return figures;
}

void emit_memory_gauges(Sink& sink, const MemoryFigures& figures) {
  sink.gauge("process.rss_mb", figures.rss_mb > 0 ? figures.rss_mb : figures.allocator_mapped_mb);
  sink.gauge("process.go_sys_mem_mb", figures.allocator_mapped_mb);
  sink.gauge("process.heap_alloc_mb", figures.heap_alloc_mb);
}

}  // namespace jetmon::metrics
