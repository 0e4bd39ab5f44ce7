#include <catch2/catch.hpp>

#include <chrono>

#include "jetmon/common/time.hpp"
#include "jetmon/health/entry.hpp"
#include "support/utc.hpp"

using namespace std::chrono;
using jetmon::test::utc;

TEST_CASE("RFC 3339 timestamps trim trailing fractional zeros") {
  struct Row { system_clock::time_point in; std::string out; };
  auto row = GENERATE(values<Row>({
      {utc(2026, 4, 30, 10, 42, 15), "2026-04-30T10:42:15Z"},
      {utc(2026, 4, 30, 10, 42, 15) + 512ms, "2026-04-30T10:42:15.512Z"},
      {utc(2026, 4, 30, 10, 42, 15) + 200ms, "2026-04-30T10:42:15.2Z"},
      {utc(2026, 4, 30, 10, 42, 15) + 1ns, "2026-04-30T10:42:15.000000001Z"},
      {utc(1999, 12, 31, 23, 59, 59) + 123456us, "1999-12-31T23:59:59.123456Z"},
      {system_clock::time_point{}, "0001-01-01T00:00:00Z"},
  }));
  CHECK(jetmon::format_rfc3339_utc(row.in) == row.out);
}

TEST_CASE("health entries serialize with optional keys omitted") {
  using jetmon::health::HealthEntry;
  const auto at = utc(2026, 4, 30, 10, 42, 15) + 200ms;
  CHECK(jetmon::health::health_entry_json(HealthEntry{"wpcom", "green", 0, "", at}) ==
        R"({"name":"wpcom","status":"green","checked_at":"2026-04-30T10:42:15.2Z"})");
  CHECK(jetmon::health::health_entry_json(HealthEntry{"mysql", "red", 2001, "ping \"timed\" out", at}) ==
        R"({"name":"mysql","status":"red","latency_ms":2001,"last_error":"ping \"timed\" out","checked_at":"2026-04-30T10:42:15.2Z"})");
  CHECK(jetmon::health::health_entry_json(HealthEntry{"disk:logs", "red", 0, "bad \xff byte", at}) ==
        R"({"name":"disk:logs","status":"red","last_error":"bad )" "\xEF\xBF\xBD" R"( byte","checked_at":"2026-04-30T10:42:15.2Z"})");
}

TEST_CASE("health lists are JSON arrays, empty as []") {
  using jetmon::health::HealthEntry;
  CHECK(jetmon::health::health_list_json({}) == "[]");
  const auto at = utc(2026, 1, 2, 3, 4, 5);
  CHECK(jetmon::health::health_list_json({HealthEntry{"a", "green", 0, "", at},
                                          HealthEntry{"b", "amber", 0, "x", at}}) ==
        R"([{"name":"a","status":"green","checked_at":"2026-01-02T03:04:05Z"},)"
        R"({"name":"b","status":"amber","last_error":"x","checked_at":"2026-01-02T03:04:05Z"}])");
}
