#include <catch2/catch.hpp>

#include "jetmon/schedule/buckets.hpp"

using jetmon::schedule::assign_buckets;
using jetmon::schedule::BucketRange;

namespace {

std::vector<BucketRange> ranges(const jetmon::schedule::Assignment& a) {
  std::vector<BucketRange> out;
  for (const auto& h : a.hosts) out.push_back(h.range);
  return out;
}

// Every bucket owned exactly once.
bool covers_exactly(const jetmon::schedule::Assignment& a, int total) {
  std::vector<int> owners(static_cast<std::size_t>(total), 0);
  for (const auto& h : a.hosts) {
    for (int b = h.range.min; b <= h.range.max; ++b) {
      if (b < 0 || b >= total) return false;
      ++owners[static_cast<std::size_t>(b)];
    }
  }
  return std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; });
}

}  // namespace

TEST_CASE("schedule: bucket assignment examples of monitor.md 3.2") {
  struct Row {
    std::vector<std::string> hosts;
    int total;
    int target;
    std::vector<BucketRange> expected;
    bool over_target;
  };
  auto row = GENERATE(values<Row>({
      {{"a", "b", "c"}, 1000, 500, {{0, 333}, {334, 666}, {667, 999}}, false},
      {{"a", "b", "c"}, 12, 4, {{0, 3}, {4, 7}, {8, 11}}, false},
      // Decision 3: one host at defaults owns everything (Go left 500-999 unowned).
      {{"solo"}, 1000, 500, {{0, 999}}, true},
      {{"a", "b"}, 10, 3, {{0, 4}, {5, 9}}, true},
      {{"a", "b"}, 10, 5, {{0, 4}, {5, 9}}, false},
      {{"a", "b", "c"}, 10, 10, {{0, 3}, {4, 6}, {7, 9}}, false},
      // More hosts than buckets: the extra hosts own nothing (Go wrote [0,-1] and failed).
      {{"a", "b", "c"}, 2, 1, {{0, 0}, {1, 1}, {0, -1}}, false},
      // Byte order, duplicates collapse.
      {{"b", "B", "a", "a"}, 9, 9, {{0, 2}, {3, 5}, {6, 8}}, false},
  }));
  const auto assignment = assign_buckets(row.hosts, row.total, row.target);
  CHECK(ranges(assignment) == row.expected);
  CHECK(assignment.over_target == row.over_target);
  CHECK(covers_exactly(assignment, row.total));
}

TEST_CASE("schedule: host order is byte order") {
  const auto a = assign_buckets({"host-b", "Host-a", "host-a"}, 3, 1);
  REQUIRE(a.hosts.size() == 3);
  CHECK(a.hosts[0].host_id == "Host-a");
  CHECK(a.hosts[1].host_id == "host-a");
  CHECK(a.hosts[2].host_id == "host-b");
}

TEST_CASE("schedule: no bucket is ever unowned, whatever the host count and target") {
  for (int total : {1, 2, 7, 100, 1000}) {
    for (int hosts = 1; hosts <= 12; ++hosts) {
      for (int target : {1, 3, 50, 500, 5000}) {
        std::vector<std::string> ids;
        for (int i = 0; i < hosts; ++i) ids.push_back("h" + std::to_string(100 + i));
        const auto a = assign_buckets(ids, total, target);
        INFO("total=" << total << " hosts=" << hosts << " target=" << target);
        REQUIRE(covers_exactly(a, total));
        // Ranges never exceed the target unless the fleet is too small for it.
        if (!a.over_target) {
          for (const auto& h : a.hosts) CHECK(h.range.max - h.range.min + 1 <= target);
        }
      }
    }
  }
}
