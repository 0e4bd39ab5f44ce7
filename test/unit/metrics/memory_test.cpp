#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "jetmon/metrics/memory.hpp"

using jetmon::metrics::MemoryFigures;

TEST_CASE("metrics: rss from /proc/self/statm text") {
  struct Row {
    const char* text;
    long page_size;
    std::int64_t mb;
  };
  const Row rows[] = {
      {"12345 2560 300 10 0 400 0\n", 4096, 10},    // 2560 pages × 4 KiB = 10 MiB
      {"12345 2559 300 10 0 400 0\n", 4096, 9},     // floor
      {"1 256 0 0 0 0 0", 65536, 16},               // 64 KiB pages
      {"100 0 0 0 0 0 0\n", 4096, 0},
      {"", 4096, 0},                                 // malformed → 0
      {"123", 4096, 0},
      {"abc def", 4096, 0},
      {"12345 2560", 0, 0},                          // no page size → 0
      {"1 18446744073709551615", 4096, 0},           // overflow → 0
  };
  for (const auto& r : rows) {
    INFO(r.text << " page " << r.page_size);
    CHECK(jetmon::metrics::rss_mb_from_statm(r.text, r.page_size) == r.mb);
  }
  CHECK(jetmon::metrics::bytes_to_mb(0) == 0);
  CHECK(jetmon::metrics::bytes_to_mb(1048575) == 0);
  CHECK(jetmon::metrics::bytes_to_mb(1048576) == 1);
  CHECK(jetmon::metrics::bytes_to_mb(3u * 1048576u + 5u) == 3);
}

TEST_CASE("metrics: live memory figures are plausible") {
  // A 64 MiB block is served by mmap and counted by both allocator figures while it is alive.
  const auto before = jetmon::metrics::read_memory_figures();
  auto block = std::make_unique<char[]>(64u * 1024u * 1024u);
  for (std::size_t i = 0; i < 64u * 1024u * 1024u; i += 4096) block[i] = 1;  // make it resident
  const auto during = jetmon::metrics::read_memory_figures();
  CHECK(during.rss_mb >= 64);
  CHECK(jetmon::metrics::rss_mb() >= 64);
  CHECK(during.allocator_mapped_mb >= during.heap_alloc_mb);
  // Under sanitizers malloc is not glibc's, so mallinfo2 does not see the block.
  if (during.allocator_mapped_mb > 0) {
    CHECK(during.allocator_mapped_mb >= before.allocator_mapped_mb + 60);
    CHECK(during.heap_alloc_mb >= before.heap_alloc_mb + 60);
  }
  block.reset();
}

TEST_CASE("metrics: memory gauges, RSS falling back to the allocator figure") {
  jetmon::metrics::RecordingSink sink;
  jetmon::metrics::emit_memory_gauges(sink, MemoryFigures{91, 40, 104});
  jetmon::metrics::emit_memory_gauges(sink, MemoryFigures{91, 40, 0});
  CHECK(sink.lines() == std::vector<std::string>{
                            "process.rss_mb:104|g", "process.go_sys_mem_mb:91|g", "process.heap_alloc_mb:40|g",
                            "process.rss_mb:91|g", "process.go_sys_mem_mb:91|g", "process.heap_alloc_mb:40|g"});
}
