#include <catch2/catch.hpp>

#include "jetmon/schedule/memory_pressure.hpp"

using jetmon::schedule::decide_memory_pressure;
using jetmon::schedule::memory_pressure_message;
using jetmon::schedule::MemoryPressure;

TEST_CASE("schedule: memory pressure lowers the ceiling by a tenth, at least 1, never below 1") {
  struct Case {
    std::int64_t rss;
    int limit;
    std::size_t ceiling;
    std::optional<MemoryPressure> want;
  };
  const std::vector<Case> cases{
      {100, 0, 60, std::nullopt},     // off
      {100, -5, 60, std::nullopt},    // off
      {0, 53, 60, std::nullopt},      // RSS unknown
      {-1, 53, 60, std::nullopt},     // RSS unknown
      {53, 53, 60, std::nullopt},     // at the limit is not above it
      {52, 53, 60, std::nullopt},
      {54, 53, 60, MemoryPressure{54, 53, 6, 54}},
      {900, 53, 1000, MemoryPressure{900, 53, 100, 900}},
      {900, 53, 19, MemoryPressure{900, 53, 1, 18}},  // 19/10 = 1
      {900, 53, 9, MemoryPressure{900, 53, 1, 8}},    // a tenth rounds to 0: at least 1
      {900, 53, 2, MemoryPressure{900, 53, 1, 1}},
      {900, 53, 1, std::nullopt},     // already at the floor
      {900, 53, 0, std::nullopt},
  };
  for (const auto& c : cases) {
    INFO("rss=" << c.rss << " limit=" << c.limit << " ceiling=" << c.ceiling);
    CHECK(decide_memory_pressure(c.rss, c.limit, c.ceiling) == c.want);
  }
}

TEST_CASE("schedule: the memory pressure log line of monitor.md 3.7") {
  CHECK(memory_pressure_message(MemoryPressure{61, 53, 6, 54}) == "memory pressure 61MB > 53MB, draining 6 workers");
}
