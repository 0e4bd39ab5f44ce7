#include <catch2/catch.hpp>

#include "jetmon/common/time_args.hpp"

using namespace jetmon;
using jetmon::db::DateTime;
using namespace std::chrono;

TEST_CASE("common: Go durations for --since") {
  struct Case {
    const char* text;
    std::optional<nanoseconds> want;
  };
  const std::vector<Case> cases{
      {"24h", hours(24)},
      {"90m", minutes(90)},
      {"1h30m", minutes(90)},
      {"1.5h", minutes(90)},
      {".5s", milliseconds(500)},
      {"250ms", milliseconds(250)},
      {"10us", microseconds(10)},
      {"10\xC2\xB5s", microseconds(10)},
      {"7ns", nanoseconds(7)},
      {"0", nanoseconds(0)},
      {"-2h", hours(-2)},
      {"", std::nullopt},
      {"banana", std::nullopt},
      {"24", std::nullopt},     // a unit is required
      {"1d", std::nullopt},     // no days
      {"h", std::nullopt},
      {".h", std::nullopt},
      {"1h 30m", std::nullopt},
      {"99999999999h", std::nullopt},  // overflows
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(parse_go_duration(c.text) == c.want);
  }
}

TEST_CASE("common: command-line times are RFC 3339 or the database form, in UTC") {
  const auto at = [](int h, unsigned m = 0, unsigned s = 0, unsigned us = 0) {
    return DateTime::from_civil(2026, 4, 30, static_cast<unsigned>(h), m, s, us);
  };
  CHECK(parse_time_argument("2026-04-30T10:42:15Z") == at(10, 42, 15));
  CHECK(parse_time_argument("2026-04-30T10:42:15.250Z") == at(10, 42, 15, 250000));
  CHECK(parse_time_argument("2026-04-30T12:42:15+02:00") == at(10, 42, 15));
  CHECK(parse_time_argument("2026-04-30T05:12:15-05:30") == at(10, 42, 15));
  CHECK(parse_time_argument("2026-04-30 10:42:15") == at(10, 42, 15));
  CHECK(parse_time_argument("2026-04-30") == at(0));
  CHECK_FALSE(parse_time_argument("banana"));
  CHECK_FALSE(parse_time_argument("2026-13-30"));
  CHECK_FALSE(parse_time_argument("2026-04-30T10:42:15+2:00"));
  CHECK_FALSE(parse_time_argument("2026-04-30T10:42:15+25:00"));
  CHECK_FALSE(parse_time_argument("24h"));
}
