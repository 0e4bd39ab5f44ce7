#include <catch2/catch.hpp>

#include <chrono>

#include "jetmon/incident/retry_states.hpp"

using namespace jetmon::incident;
using namespace std::chrono;

namespace {

const TimePoint kNow = sys_days{2026y / 11 / 28} + 12h;

RetryState state_at(TimePoint last_activity, int fail_count = 1) {
  RetryState s;
  s.fail_count = fail_count;
  s.first_fail_at = last_activity;
  s.last_activity = last_activity;
  return s;
}

}  // namespace

TEST_CASE("incident: RetryStates keeps one entry per failing blog and reports its size", "[incident]") {
  RetryStates states(10);
  CHECK(states.size() == 0);
  CHECK_FALSE(states.get(1).has_value());
  CHECK(states.put(1, state_at(kNow)));
  CHECK(states.put(2, state_at(kNow)));
  CHECK(states.put(1, state_at(kNow, 2)));  // replace, not a new entry
  CHECK(states.size() == 2);
  CHECK(states.get(1)->fail_count == 2);
  CHECK(states.erase(1));
  CHECK_FALSE(states.erase(1));
  CHECK(states.size() == 1);
}

TEST_CASE("incident: RetryStates refuses new blogs at capacity but still updates known ones", "[incident]") {
  RetryStates states(2);
  CHECK(states.capacity() == 2);
  CHECK(states.put(1, state_at(kNow)));
  CHECK(states.put(2, state_at(kNow)));
  CHECK_FALSE(states.put(3, state_at(kNow)));
  CHECK_FALSE(states.get(3).has_value());
  CHECK(states.put(2, state_at(kNow, 3)));
  CHECK(states.size() == 2);
  states.erase(1);
  CHECK(states.put(3, state_at(kNow)));
}

TEST_CASE("incident: RetryStates drops idle and unwanted entries", "[incident]") {
  RetryStates states;
  states.put(1, state_at(kNow - minutes{30}));
  states.put(2, state_at(kNow - minutes{10}));
  states.put(3, state_at(kNow));
  CHECK(states.expire_idle(kNow, minutes{10}) == 1);  // exactly max_idle old is kept
  CHECK_FALSE(states.get(1).has_value());
  CHECK(states.get(2).has_value());
  CHECK(states.forget_if([](std::uint64_t blog_id, const RetryState&) { return blog_id == 3; }) == 1);
  CHECK(states.size() == 1);
}
