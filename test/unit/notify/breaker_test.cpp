#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "jetmon/notify/wpcom.hpp"

using namespace std::chrono_literals;
using jetmon::notify::CircuitBreaker;
using Decision = CircuitBreaker::Decision;

namespace {

// One step of a breaker script: at `t` (ms after the start) do `op`, then expect the state.
enum class Op { admit, fail, succeed, reopen };
struct Step {
  int t_ms;
  Op op;
  Decision want_decision;  // for admit only
  bool want_open;
  int want_failures;
};

void run(const std::vector<Step>& script) {
  CircuitBreaker b(5, 60s);
  const auto t0 = CircuitBreaker::Clock::time_point{} + 1000h;
  for (std::size_t i = 0; i < script.size(); ++i) {
    const auto& s = script[i];
    INFO("step " << i << " at " << s.t_ms << " ms");
    const auto now = t0 + std::chrono::milliseconds(s.t_ms);
    switch (s.op) {
      case Op::admit: CHECK(b.admit(now) == s.want_decision); break;
      case Op::fail: b.record_failure(now); break;
      case Op::succeed: b.record_success(); break;
      case Op::reopen: b.reopen(now); break;
    }
    CHECK(b.is_open() == s.want_open);
    CHECK(b.consecutive_failures() == s.want_failures);
  }
}

constexpr auto S = Decision::send;
constexpr auto Q = Decision::queue;

}  // namespace

TEST_CASE("notify: breaker opens after 5 consecutive failures") {
  run({
      {0, Op::admit, S, false, 0},
      {1, Op::fail, S, false, 1},
      {2, Op::fail, S, false, 2},
      {3, Op::fail, S, false, 3},
      {4, Op::fail, S, false, 4},
      {5, Op::admit, S, false, 4},  // still closed at 4
      {6, Op::fail, S, true, 5},    // the 5th opens it
      {7, Op::admit, Q, true, 5},
  });
}

TEST_CASE("notify: breaker success resets the count") {
  run({
      {0, Op::fail, S, false, 1},
      {1, Op::fail, S, false, 2},
      {2, Op::fail, S, false, 3},
      {3, Op::fail, S, false, 4},
      {4, Op::succeed, S, false, 0},
      {5, Op::fail, S, false, 1},
      {6, Op::fail, S, false, 2},
      {7, Op::fail, S, false, 3},
      {8, Op::fail, S, false, 4},
      {9, Op::admit, S, false, 4},
  });
}

TEST_CASE("notify: breaker queues for 60 s, then the first admit closes it") {
  run({
      {0, Op::fail, S, false, 1},
      {0, Op::fail, S, false, 2},
      {0, Op::fail, S, false, 3},
      {0, Op::fail, S, false, 4},
      {1000, Op::fail, S, true, 5},         // opened at t=1 s
      {1001, Op::admit, Q, true, 5},
      {31000, Op::admit, Q, true, 5},
      {61000, Op::admit, Q, true, 5},       // exactly 60 s: still open (≤ 60 s)
      {61001, Op::admit, S, false, 0},      // first notice after 60 s closes it, count reset
      {61002, Op::admit, S, false, 0},
      {61003, Op::fail, S, false, 1},       // needs 5 new failures to open again
  });
}

TEST_CASE("notify: breaker failures while open do not move the opening time") {
  run({
      {0, Op::fail, S, false, 1},
      {0, Op::fail, S, false, 2},
      {0, Op::fail, S, false, 3},
      {0, Op::fail, S, false, 4},
      {0, Op::fail, S, true, 5},
      {30000, Op::fail, S, true, 6},
      {60001, Op::admit, S, false, 0},
  });
}

TEST_CASE("notify: breaker reopen restarts the 60 s window (failed flush)") {
  run({
      {0, Op::fail, S, false, 1},
      {0, Op::fail, S, false, 2},
      {0, Op::fail, S, false, 3},
      {0, Op::fail, S, false, 4},
      {0, Op::fail, S, true, 5},
      {60001, Op::admit, S, false, 0},   // closes; the flush sends …
      {60002, Op::reopen, S, true, 0},   // … and fails: open again at once
      {60003, Op::admit, Q, true, 0},
      {120002, Op::admit, Q, true, 0},
      {120003, Op::admit, S, false, 0},
      {120004, Op::succeed, S, false, 0},
  });
}

TEST_CASE("notify: breaker reports until when it queues") {
  CircuitBreaker b(2, 500ms);
  const auto t0 = CircuitBreaker::Clock::time_point{} + 1h;
  CHECK_FALSE(b.open_until().has_value());
  CHECK_FALSE(b.record_failure(t0));
  CHECK(b.record_failure(t0 + 10ms));  // this one opened it
  REQUIRE(b.open_until().has_value());
  CHECK(*b.open_until() == t0 + 510ms);
  CHECK_FALSE(b.record_failure(t0 + 20ms));  // already open
  CHECK(b.admit(t0 + 510ms) == Decision::queue);
  CHECK(b.admit(t0 + 511ms) == Decision::send);
  CHECK_FALSE(b.open_until().has_value());
  CircuitBreaker one(0);  // a threshold below 1 behaves as 1
  CHECK(one.record_failure(t0));
}
