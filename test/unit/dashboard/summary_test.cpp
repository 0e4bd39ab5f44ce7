// The host summary rules (dashboard-fleet.md §2), one row per rule and their combinations.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "dashboard_test_data.hpp"
#include "jetmon/dashboard/summary.hpp"

using jetmon::dashboard::DashboardState;
using jetmon::dashboard::host_summary;
using jetmon::dashboard::HostSummary;
using jetmon::health::HealthEntry;
using jetmon::health::HealthList;

namespace {

const auto kAt = jetmon::dashboard::test::spec_example_time();

// Published, no delivery workers, circuit closed: only the health list decides.
DashboardState published() {
  DashboardState s;
  s.updated_at = kAt;
  return s;
}

HealthEntry entry(std::string name, std::string status, std::string error = "") {
  return HealthEntry{std::move(name), std::move(status), 0, std::move(error), kAt};
}

const HealthList kAllGreen{entry("mysql", "green"), entry("wpcom", "green")};

constexpr const char* kUnset =
    "delivery amber: runtime workers are enabled without DELIVERY_OWNER_HOST";
constexpr const char* kDiffers =
    "delivery amber: runtime worker state differs from current config; restart to apply "
    "ownership changes";

}  // namespace

TEST_CASE("host summary: every rule") {
  struct Row {
    std::string name;
    DashboardState state;
    HealthList health;
    HostSummary want;
  };
  DashboardState never;  // updated_at zero
  DashboardState circuit = published();
  circuit.wpcom_circuit_open = true;
  DashboardState unset_owner = published();
  unset_owner.delivery_workers_enabled = true;
  unset_owner.delivery_config_eligible = true;
  DashboardState named_owner = unset_owner;
  named_owner.delivery_owner_host = "jetmon-v2-a";
  DashboardState restart_needed = published();
  restart_needed.delivery_workers_enabled = false;
  restart_needed.delivery_config_eligible = true;
  DashboardState both_delivery = published();
  both_delivery.delivery_workers_enabled = true;
  both_delivery.delivery_config_eligible = false;

  const auto row = GENERATE_COPY(values<Row>({
      {"all green", published(), kAllGreen,
       {"green", "host checks are green", {}, 0, 0, 2}},
      {"rule 1: never published, health green", never, kAllGreen,
       {"amber", "waiting for host state", {"host state has not been published yet"}, 0, 0, 2}},
      {"rules 1+2: nothing at all", never, {},
       {"amber", "operator attention needed before rollout",
        {"host state has not been published yet", "dependency health has not been published yet"},
        0, 1, 0}},
      {"rule 2: missing dependency health is amber", published(), {},
       {"amber", "operator attention needed before rollout",
        {"dependency health has not been published yet"}, 0, 1, 0}},
      {"rule 3: red and amber entries with and without detail", published(),
       {entry("statsd", "amber", "statsd client is not initialized"), entry("mysql", "red", "ping failed"),
        entry("disk:logs", "red"), entry("verifliers", "amber"), entry("x", "green")},
       {"red", "rollout-blocking dependency or circuit issue",
        {"mysql red: ping failed", "disk:logs red: no detail reported",
         "statsd amber: statsd client is not initialized", "verifliers amber: no detail reported"},
        2, 2, 1}},
      {"rule 3: unknown statuses are ignored", published(),
       {entry("a", "purple", "?"), entry("b", ""), entry("c", "GREEN"), entry("d", "green")},
       {"green", "host checks are green", {}, 0, 0, 1}},
      {"rule 4: circuit open", circuit, kAllGreen,
       {"red", "rollout-blocking dependency or circuit issue", {"wpcom red: circuit open"}, 1, 0, 2}},
      {"rule 4: circuit open but wpcom already red", circuit,
       {entry("wpcom", "red", "circuit open, queued notifications=3")},
       {"red", "rollout-blocking dependency or circuit issue",
        {"wpcom red: circuit open, queued notifications=3"}, 1, 0, 0}},
      {"rule 4: circuit open and wpcom only amber", circuit,
       {entry("wpcom", "amber", "queued notifications=2")},
       {"red", "rollout-blocking dependency or circuit issue",
        {"wpcom red: circuit open", "wpcom amber: queued notifications=2"}, 1, 1, 0}},
      {"rule 5: workers without an owner", unset_owner, kAllGreen,
       {"amber", "operator attention needed before rollout", {kUnset}, 0, 1, 2}},
      {"rule 5: workers with an owner", named_owner, kAllGreen,
       {"green", "host checks are green", {}, 0, 0, 2}},
      {"rule 6: runtime differs from config", restart_needed, kAllGreen,
       {"amber", "operator attention needed before rollout", {kDiffers}, 0, 1, 2}},
      {"rules 5+6", both_delivery, kAllGreen,
       {"amber", "operator attention needed before rollout", {kUnset, kDiffers}, 0, 2, 2}},
      {"red first, then amber, in evaluation order", never,
       {entry("statsd", "amber", "s"), entry("mysql", "red", "m")},
       {"red", "rollout-blocking dependency or circuit issue",
        {"mysql red: m", "host state has not been published yet", "statsd amber: s"}, 1, 1, 0}},
  }));
  INFO(row.name);
  CHECK(host_summary(row.state, row.health) == row.want);
}

TEST_CASE("host summary: the spec's example gives amber=2") {
  const auto config = jetmon::dashboard::test::spec_example_config();
  const DashboardState state =
      jetmon::dashboard::build_state(jetmon::dashboard::test::spec_example_inputs(config));
  const HostSummary s = host_summary(state, jetmon::dashboard::test::spec_example_health());
  CHECK(s == HostSummary{"amber",
                         "operator attention needed before rollout",
                         {"statsd amber: statsd client is not initialized", kUnset},
                         0,
                         2,
                         5});
}

TEST_CASE("host summary JSON: issues omitted when empty") {
  CHECK(jetmon::dashboard::summary_json({"green", "host checks are green", {}, 0, 0, 3}) ==
        R"({"status":"green","message":"host checks are green","red_count":0,"amber_count":0,"green_count":3})");
  CHECK(jetmon::dashboard::summary_json({"red", "m", {"a \"b\"", "c"}, 1, 1, 0}) ==
        R"({"status":"red","message":"m","issues":["a \"b\"","c"],"red_count":1,"amber_count":1,"green_count":0})");
}
