#include <catch2/catch.hpp>

#include <optional>
#include <string_view>

#include "jetmon/incident/vocabulary.hpp"

using namespace jetmon::incident;

TEST_CASE("incident: the vocabulary is spelled as the Go service stores it", "[incident]") {
  CHECK(states::seems_down == "Seems Down");
  CHECK(states::resolved == "Resolved");
  CHECK(severities::up == 0);
  CHECK(severities::warning == 1);
  CHECK(severities::degraded == 2);
  CHECK(severities::seems_down == 3);
  CHECK(severities::down == 4);
  CHECK(reasons::verifier_confirmed == "verifier_confirmed");
  CHECK(reasons::severity_deescalation == "severity_deescalation");
  CHECK(check_types::tls_expiry == "tls_expiry");
  CHECK(audit_events::retry_dispatched == "retry_dispatched");
  CHECK(kLocalSource == "local");
}

TEST_CASE("incident: projected_site_status maps the open http event per monitor.md 6.4", "[incident]") {
  struct Row {
    std::optional<std::string_view> open_state;
    std::optional<SiteStatus> expected;
  };
  auto row = GENERATE(values<Row>({
      {std::nullopt, SiteStatus::running},
      {states::seems_down, SiteStatus::down},
      {states::down, SiteStatus::confirmed_down},
      {states::warning, std::nullopt},
      {states::degraded, std::nullopt},
      {states::maintenance, std::nullopt},
  }));
  INFO(row.open_state.value_or("<none>"));
  CHECK(projected_site_status(row.open_state) == row.expected);
  CHECK(static_cast<int>(SiteStatus::down) == 0);
  CHECK(static_cast<int>(SiteStatus::running) == 1);
  CHECK(static_cast<int>(SiteStatus::confirmed_down) == 2);
}

TEST_CASE("incident: recovery_reason is probe_cleared only for Seems Down", "[incident]") {
  CHECK(recovery_reason(states::seems_down) == reasons::probe_cleared);
  CHECK(recovery_reason(states::down) == reasons::verifier_cleared);
  CHECK(recovery_reason(states::warning) == reasons::verifier_cleared);
}

TEST_CASE("incident: severity_name names the five severities of dashboard-fleet.md 8.1", "[incident]") {
  struct Row {
    int severity;
    std::string_view name;
  };
  auto row = GENERATE(values<Row>({
      {0, "Up"}, {1, "Warning"}, {2, "Degraded"}, {3, "Seems Down"}, {4, "Down"}, {5, "Unknown"}, {-1, "Unknown"},
  }));
  INFO(row.severity);
  CHECK(severity_name(row.severity) == row.name);
}
