#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "delivery/alert_rate_cap.hpp"

using jetmon::delivery::alert::RateCap;
using namespace std::chrono_literals;

namespace {
RateCap::Clock::time_point at(std::chrono::seconds s) { return RateCap::Clock::time_point(24h + s); }
}  // namespace

TEST_CASE("alert rate cap: a sliding hour per contact", "[delivery]") {
  struct Step {
    std::uint64_t contact;
    int max;
    std::chrono::seconds at;
    bool allowed;
  };
  struct Table {
    const char* name;
    std::vector<Step> steps;
  };
  auto table = GENERATE(values<Table>({
      {"under the cap",
       {{1, 3, 0s, true}, {1, 3, 10s, true}, {1, 3, 20s, true}, {1, 3, 30s, false}, {1, 3, 3599s, false}}},
      {"the oldest send leaves the window after exactly one hour",
       {{1, 2, 0s, true}, {1, 2, 60s, true}, {1, 2, 3599s, false}, {1, 2, 3600s, true}, {1, 2, 3601s, false},
        {1, 2, 3660s, true}}},
      {"contacts are counted apart",
       {{1, 1, 0s, true}, {2, 1, 0s, true}, {1, 1, 1s, false}, {2, 1, 1s, false}, {3, 1, 1s, true}}},
      {"zero is unlimited and counts nothing",
       {{1, 0, 0s, true}, {1, 0, 0s, true}, {1, 0, 0s, true}, {1, 1, 1s, true}, {1, 1, 2s, false}}},
      {"a refused send is not counted",
       {{1, 1, 0s, true}, {1, 1, 1800s, false}, {1, 1, 3600s, true}}},
      {"a lowered cap applies at once, a raised one lets more through",
       {{1, 3, 0s, true}, {1, 3, 1s, true}, {1, 1, 2s, false}, {1, 3, 3s, true}, {1, 4, 4s, true},
        {1, 4, 5s, false}}},
  }));
  INFO(table.name);
  RateCap cap;
  for (std::size_t i = 0; i < table.steps.size(); ++i) {
    const auto& s = table.steps[i];
    INFO("step " << i);
    CHECK(cap.try_consume(s.contact, s.max, at(s.at)) == s.allowed);
  }
}

TEST_CASE("alert rate cap: contacts idle for an hour are forgotten", "[delivery]") {
  RateCap cap;
  for (std::uint64_t c = 1; c <= 100; ++c) CHECK(cap.try_consume(c, 5, at(0s)));
  CHECK(cap.tracked_contacts() == 100);
  CHECK(cap.try_consume(500, 5, at(7200s)));
  CHECK(cap.tracked_contacts() == 1);
}

TEST_CASE("alert rate cap: concurrent sends never exceed the cap", "[delivery]") {
  RateCap cap;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        if (cap.try_consume(7, 60, at(std::chrono::seconds(i % 10)))) ++allowed;
    });
  }
  for (auto& th : threads) th.join();
  CHECK(allowed.load() == 60);
}
