#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

#include "jetmon/incident/tls_expiry.hpp"

using namespace jetmon::incident;
using namespace std::chrono;

namespace {

const TimePoint kNow = sys_days{2026y / 11 / 28} + 12h;

}  // namespace

TEST_CASE("incident: days_until_expiry truncates toward zero", "[incident]") {
  struct Row {
    const char* name;
    TimePoint::duration left;
    std::int64_t days;
  };
  auto row = GENERATE(values<Row>({
      {"exactly 30 days", days{30}, 30},
      {"30 days and 23 hours", days{30} + hours{23}, 30},
      {"one second short of 8 days", days{8} - seconds{1}, 7},
      {"12 hours", hours{12}, 0},
      {"expired 12 hours ago", -hours{12}, 0},
      {"expired 36 hours ago", -hours{36}, -1},
  }));
  INFO(row.name);
  CHECK(days_until_expiry(kNow + row.left, kNow) == row.days);
}

TEST_CASE("incident: decide_tls_expiry walks the stages of monitor.md 6.3", "[incident]") {
  using S = TlsExpiryStep;
  const std::optional<OpenTlsEvent> none;
  const std::optional<OpenTlsEvent> warning = OpenTlsEvent{11, severities::warning};
  const std::optional<OpenTlsEvent> degraded = OpenTlsEvent{11, severities::degraded};
  struct Row {
    const char* name;
    TimePoint::duration left;
    std::optional<OpenTlsEvent> open;
    TlsExpiryDecision expected;
  };
  auto row = GENERATE_COPY(values<Row>({
      {"31 days, nothing open", days{31}, none, {S::none, 31, 0, {}, {}}},
      {"31 days closes a Warning", days{31}, warning, {S::close, 31, 0, {}, reasons::verifier_cleared}},
      {"365 days closes a Degraded", days{365}, degraded, {S::close, 365, 0, {}, reasons::verifier_cleared}},
      {"30 days opens a Warning", days{30}, none, {S::open, 30, 1, states::warning, {}}},
      {"8 days opens a Warning", days{8}, none, {S::open, 8, 1, states::warning, {}}},
      {"7 days opens a Degraded", days{7}, none, {S::open, 7, 2, states::degraded, {}}},
      {"expired opens a Degraded", -days{2}, none, {S::open, -2, 2, states::degraded, {}}},
      {"30 days with a Warning open: nothing", days{30}, warning, {S::none, 30, 0, {}, {}}},
      {"8 days with a Warning open: nothing", days{8}, warning, {S::none, 8, 0, {}, {}}},
      {"7 days escalates a Warning", days{7}, warning,
       {S::promote, 7, 2, states::degraded, reasons::severity_escalation}},
      {"1 day with a Degraded open: nothing", days{1}, degraded, {S::none, 1, 0, {}, {}}},
      {"8 days de-escalates a Degraded (renewed to a short cert)", days{8}, degraded,
       {S::promote, 8, 1, states::warning, reasons::severity_deescalation}},
      {"14 days is no separate stage", days{14}, warning, {S::none, 14, 0, {}, {}}},
  }));
  INFO(row.name);
  CHECK(decide_tls_expiry(kNow + row.left, kNow, row.open) == row.expected);
}

TEST_CASE("incident: a certificate far from expiry with no open event needs no tls_expiry lookup", "[incident]") {
  struct Row {
    const char* name;
    bool has_open_event;
    TimePoint::duration left;
    bool needs_apply;
  };
  auto row = GENERATE(values<Row>({
      {"healthy certificate, nothing open", false, days{90}, false},
      {"31 days left, nothing open", false, days{31}, false},
      {"30 days left, nothing open: opens a Warning", false, days{30}, true},
      {"expired, nothing open", false, -days{1}, true},
      {"renewed certificate, event still open: closes it", true, days{90}, true},
      {"event open and still near expiry", true, days{5}, true},
  }));
  INFO(row.name);
  CHECK(tls_expiry_needs_apply(row.has_open_event, kNow + row.left, kNow) == row.needs_apply);
}
