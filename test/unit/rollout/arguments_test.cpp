#include <catch2/catch.hpp>

#include "jetmon/rollout/arguments.hpp"

using namespace jetmon::rollout;
using namespace std::chrono;

TEST_CASE("rollout --since is a positive Go duration or an RFC 3339 time", "[rollout]") {
  const system_clock::time_point now = sys_days(year(2026) / 4 / 29) + hours(12);
  struct Case {
    std::string text;
    std::optional<system_clock::time_point> want;
    std::string error;
  };
  const std::vector<Case> cases{
      {"15m", now - minutes(15), ""},
      {" 1h30m ", now - minutes(90), ""},
      {"2026-04-29T11:45:00Z", sys_days(year(2026) / 4 / 29) + hours(11) + minutes(45), ""},
      {"2026-04-29T13:45:00+02:00", sys_days(year(2026) / 4 / 29) + hours(11) + minutes(45), ""},
      {"", std::nullopt, "since must not be empty"},
      {"  ", std::nullopt, "since must not be empty"},
      {"0", std::nullopt, "since duration must be > 0"},
      {"0s", std::nullopt, "since duration must be > 0"},
      {"-5m", std::nullopt, "since duration must be > 0"},
      {"banana", std::nullopt, "since \"banana\" must be a duration like 15m or an RFC3339 timestamp"},
      {"1d", std::nullopt, "since \"1d\" must be a duration like 15m or an RFC3339 timestamp"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const auto got = resolve_since_cutoff(c.text, now);
    CHECK(got.value == c.want);
    CHECK(got.error == c.error);
  }
}

TEST_CASE("rollout range rules R-default and R-pinned-or-explicit", "[rollout]") {
  const RangeContext dynamic{10, std::nullopt};
  const RangeContext pinned{10, BucketRange{3, 5}};
  struct Case {
    const char* name;
    RangeContext context;
    int min;
    int max;
    std::optional<BucketRange> want_default;
    std::optional<BucketRange> want_pinned_or_explicit;
    std::string error;  // the same for both rules when both fail
  };
  const std::string required =
      "bucket range is required: pass --bucket-min and --bucket-max, or configure "
      "PINNED_BUCKET_MIN/PINNED_BUCKET_MAX or BUCKET_NO_MIN/BUCKET_NO_MAX";
  const std::vector<Case> cases{
      {"explicit", dynamic, 2, 4, BucketRange{2, 4}, BucketRange{2, 4}, ""},
      {"explicit beats pinned", pinned, 0, 9, BucketRange{0, 9}, BucketRange{0, 9}, ""},
      {"single bucket", dynamic, 0, 0, BucketRange{0, 0}, BucketRange{0, 0}, ""},
      {"pinned default", pinned, -1, -1, BucketRange{3, 5}, BucketRange{3, 5}, ""},
      {"whole table default", dynamic, -1, -1, BucketRange{0, 9}, std::nullopt, required},
      {"only min", dynamic, 2, -1, std::nullopt, std::nullopt, "bucket-min and bucket-max must be set together"},
      {"only max", pinned, -1, 2, std::nullopt, std::nullopt, "bucket-min and bucket-max must be set together"},
      {"below -1", dynamic, -2, 4, std::nullopt, std::nullopt, "bucket-min and bucket-max must be >= 0"},
      {"max below min", dynamic, 5, 4, std::nullopt, std::nullopt, "bucket-max must be >= bucket-min"},
      {"max past T", dynamic, 5, 10, std::nullopt, std::nullopt, "bucket-max must be < BUCKET_TOTAL (10)"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto by_default = resolve_range_default(c.context, c.min, c.max);
    const auto pinned_or_explicit = resolve_range_pinned_or_explicit(c.context, c.min, c.max);
    CHECK(by_default.value == c.want_default);
    CHECK(pinned_or_explicit.value == c.want_pinned_or_explicit);
    if (!c.want_default) CHECK(by_default.error == c.error);
    if (!c.want_pinned_or_explicit) CHECK(pinned_or_explicit.error == c.error);
  }
  CHECK(resolve_range_default(RangeContext{0, std::nullopt}, -1, -1).error == "BUCKET_TOTAL must be > 0");
}

TEST_CASE("rollout --limit, --status-port and the host id", "[rollout]") {
  CHECK_FALSE(check_limit(1));
  CHECK(check_limit(0) == "limit must be > 0");
  CHECK(check_limit(-3) == "limit must be > 0");

  CHECK(resolve_status_port(-1, 8080).value == 8080);
  CHECK(resolve_status_port(0, 8080).value == 0);
  CHECK(resolve_status_port(9000, 8080).value == 9000);
  CHECK(resolve_status_port(-2, 8080).error == "status-port must be >= 0, or -1 for DASHBOARD_PORT");
  CHECK_FALSE(check_status_port(-1));

  CHECK(resolve_host_id(" v2-a ", "os-host") == "v2-a");
  CHECK(resolve_host_id("", "os-host") == "os-host");
  CHECK(resolve_host_id("", "") == "unknown");
}
