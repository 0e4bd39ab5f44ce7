#include <catch2/catch.hpp>

#include <sstream>

#include "jetmon/rollout/report.hpp"
#include "support/utc.hpp"

using namespace jetmon::rollout;

TEST_CASE("rollout report text mode streams lines and puts failures on stderr", "[rollout]") {
  std::ostringstream out, err;
  Report report(OutputMode::text, out, err);
  report.pass("config parse");
  report.section("activity check");
  report.info("active_sites=3");
  report.output("post-cutover activity check passed");
  CHECK(report.fail("no active sites in range 0-9 have last_checked_at >= 2026-04-29T11:45:00Z") == false);
  CHECK(out.str() ==
        "PASS config parse\n## activity check\n\nINFO active_sites=3\n"
        "post-cutover activity check passed\n");
  CHECK(err.str() == "FAIL no active sites in range 0-9 have last_checked_at >= 2026-04-29T11:45:00Z\n");
  CHECK(report.finish("activity-check", {}) == 1);
  CHECK(out.str().find('{') == std::string::npos);
}

TEST_CASE("rollout report json mode writes one wrapper object with levels and failures", "[rollout]") {
  std::ostringstream out, err;
  Report report(OutputMode::json, out, err);
  report.pass("config parse");
  report.section("static bucket plan");
  report.output("   ");
  report.warn("api_port=8090; confirm");
  report.fail("static bucket plan has trailing gap 200-299");
  const auto at = jetmon::test::utc(2026, 4, 29, 18, 30, 0) + std::chrono::nanoseconds(8212536);
  CHECK(report.finish("static-plan-check", at) == 1);
  CHECK(err.str().empty());
  CHECK(out.str() ==
        "{\n"
        "  \"ok\": false,\n"
        "  \"command\": \"rollout static-plan-check\",\n"
        "  \"generated_at\": \"2026-04-29T18:30:00.008212536Z\",\n"
        "  \"lines\": [\n"
        "    {\n      \"level\": \"pass\",\n      \"message\": \"config parse\"\n    },\n"
        "    {\n      \"level\": \"section\",\n      \"message\": \"static bucket plan\"\n    },\n"
        "    {\n      \"level\": \"warn\",\n      \"message\": \"api_port=8090; confirm\"\n    }\n"
        "  ],\n"
        "  \"failures\": [\n    \"static bucket plan has trailing gap 200-299\"\n  ]\n"
        "}\n");
}

TEST_CASE("rollout report json omits empty lines and failures on success", "[rollout]") {
  std::ostringstream out, err;
  Report report(OutputMode::json, out, err);
  CHECK(report.finish("dynamic-check", jetmon::test::utc(2026, 4, 29, 18, 30, 0)) == 0);
  CHECK(out.str() ==
        "{\n  \"ok\": true,\n  \"command\": \"rollout dynamic-check\",\n"
        "  \"generated_at\": \"2026-04-29T18:30:00Z\"\n}\n");
}

TEST_CASE("rollout times print to the second in UTC", "[rollout]") {
  CHECK(format_seconds_utc(jetmon::test::utc(2026, 4, 29, 11, 45, 0) + std::chrono::milliseconds(900)) ==
        "2026-04-29T11:45:00Z");
}
