#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "jetmon/delivery/rules.hpp"

using jetmon::delivery::FilterProblem;
using jetmon::delivery::FilterWarnings;

namespace {

std::vector<std::uint64_t> ids(const std::vector<FilterProblem>& problems) {
  std::vector<std::uint64_t> out;
  for (const auto& p : problems) out.push_back(p.subscriber_id);
  return out;
}

}  // namespace

TEST_CASE("delivery: an unreadable filter is warned about once until it changes", "[delivery]") {
  struct Tick {
    const char* what;
    std::vector<FilterProblem> problems;  // this tick's unreadable filters
    std::vector<std::uint64_t> warned;    // the ones to log
    std::size_t remembered;
  };
  const FilterProblem a{1, "[not json", "events: not valid JSON"};
  const FilterProblem a_edited{1, "[still not json", "events: not valid JSON"};
  const FilterProblem b{2, R"({"site_ids":"42"})", "site_filter: site_ids is not an array"};
  const FilterProblem c{3, "x", "site_filter: not valid JSON"};
  const std::vector<Tick> ticks{
      {"nothing wrong", {}, {}, 0},
      {"two new problems: both warned", {a, b}, {1, 2}, 2},
      {"the same again: silent", {a, b}, {}, 2},
      {"and again: silent", {a, b}, {}, 2},
      {"a's text changes, same error: warned again", {a_edited, b}, {1}, 2},
      {"a third one joins: only it", {a_edited, b, c}, {3}, 3},
      {"b fixed (or gone): forgotten", {a_edited, c}, {}, 2},
      {"b broken again the same way: warned again", {a_edited, b, c}, {2}, 3},
      {"a back to its first text: a change, warned", {a, b, c}, {1}, 3},
      {"everything fixed: nothing remembered", {}, {}, 0},
      {"a broken again: warned", {a}, {1}, 1},
  };
  FilterWarnings warnings;
  for (const Tick& tick : ticks) {
    INFO(tick.what);
    const auto due = warnings.due(tick.problems);
    CHECK(ids(due) == tick.warned);
    for (const auto& p : due) CHECK_FALSE(p.error.empty());  // the log line's text comes along
    CHECK(warnings.remembered() == tick.remembered);
  }
}

TEST_CASE("delivery: filter warnings keep the error text of the problem they report", "[delivery]") {
  FilterWarnings warnings;
  const auto due = warnings.due({{7, "t", "state_filter: states is not an array"}});
  REQUIRE(due.size() == 1);
  CHECK(due[0].subscriber_id == 7);
  CHECK(due[0].filter_text == "t");
  CHECK(due[0].error == "state_filter: states is not an array");
}
