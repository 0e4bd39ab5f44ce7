#include <catch2/catch.hpp>

#include <string>

#include "jetmon/ops/delivery_owner.hpp"

using jetmon::ops::DeliveryOwnerDecision;

namespace {

jetmon::config::Config with(int api_port, std::string owner) {
  jetmon::config::Config config;
  config.api_port = api_port;
  config.delivery_owner_host = std::move(owner);
  return config;
}

}  // namespace

// The texts of rollout.md §1.10's table and dashboard-fleet.md §7.2, shared by validate-config,
// the startup log, state-report and the deliverer.
TEST_CASE("delivery owner decision and line for the monitor and the deliverer", "[ops]") {
  struct Case {
    const char* name;
    DeliveryOwnerDecision (*decide)(const jetmon::config::Config&, std::string_view);
    jetmon::config::Config config;
    bool workers;
    bool warning;
    std::string message;
  };
  const Case cases[] = {
      {"monitor, API off, no owner", jetmon::ops::monitor_delivery_owner, with(0, ""), false, false,
       "delivery_workers=disabled api_port=disabled"},
      {"monitor, API off, owner", jetmon::ops::monitor_delivery_owner, with(0, "web-1"), false, false,
       "delivery_owner_host=\"web-1\" ignored because API_PORT is disabled"},
      {"monitor, API on, no owner", jetmon::ops::monitor_delivery_owner, with(8090, " "), true, true,
       "delivery_owner_host is unset; host \"web-1\" will run delivery workers because API_PORT is enabled"},
      {"monitor, owner is this host", jetmon::ops::monitor_delivery_owner, with(8090, "web-1"), true, false,
       "delivery_owner_host=\"web-1\" matched; delivery workers enabled on this host"},
      {"monitor, other owner", jetmon::ops::monitor_delivery_owner, with(8090, "web-2"), false, false,
       "delivery_owner_host=\"web-2\"; delivery workers disabled on host \"web-1\""},
      {"deliverer, no owner", jetmon::ops::deliverer_delivery_owner, with(0, ""), true, true,
       "delivery_owner_host is unset; standalone deliverer on host \"web-1\" will run delivery workers"},
      {"deliverer, owner is this host", jetmon::ops::deliverer_delivery_owner, with(0, "web-1"), true, false,
       "delivery_owner_host=\"web-1\" matched; delivery workers enabled on this host"},
      {"deliverer, other owner", jetmon::ops::deliverer_delivery_owner, with(0, "web-2"), false, false,
       "delivery_owner_host=\"web-2\"; standalone deliverer idle on host \"web-1\""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const DeliveryOwnerDecision decision = c.decide(c.config, "web-1");
    CHECK(decision.workers_enabled == c.workers);
    CHECK(decision.warning == c.warning);
    CHECK(decision.message == c.message);
  }
}
