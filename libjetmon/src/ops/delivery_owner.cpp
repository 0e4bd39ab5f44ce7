#include "jetmon/ops/delivery_owner.hpp"

#include <fmt/format.h>

#include "jetmon/common/text.hpp"

namespace jetmon::ops {
namespace {

// The same line for jetmon2 and jetmon-deliverer (rollout.md §1.10, dashboard-fleet.md §7.2).
DeliveryOwnerDecision owner_matched(const std::string& quoted_owner) {
  return {true, false,
          fmt::format("delivery_owner_host={} matched; delivery workers enabled on this host", quoted_owner)};
}

}  // namespace

DeliveryOwnerDecision monitor_delivery_owner(const config::Config& config, std::string_view host) {
  const std::string_view owner = trim(config.delivery_owner_host);
  const std::string quoted_owner = go_quote(config.delivery_owner_host);
  if (config.api_port <= 0) {
    if (owner.empty()) return {false, false, "delivery_workers=disabled api_port=disabled"};
    return {false, false,
            fmt::format("delivery_owner_host={} ignored because API_PORT is disabled", quoted_owner)};
  }
  if (owner.empty()) {
    return {true, true,
            fmt::format("delivery_owner_host is unset; host {} will run delivery workers because "
                        "API_PORT is enabled",
                        go_quote(host))};
  }
  if (owner == host) return owner_matched(quoted_owner);
  return {false, false,
          fmt::format("delivery_owner_host={}; delivery workers disabled on host {}", quoted_owner,
                      go_quote(host))};
}

DeliveryOwnerDecision deliverer_delivery_owner(const config::Config& config,
                                               std::string_view host) {
  const std::string_view owner = trim(config.delivery_owner_host);
  const std::string quoted_owner = go_quote(config.delivery_owner_host);
  if (owner.empty()) {
    return {true, true,
            fmt::format("delivery_owner_host is unset; standalone deliverer on host {} will run "
                        "delivery workers",
                        go_quote(host))};
  }
  if (owner == host) return owner_matched(quoted_owner);
  return {false, false,
          fmt::format("delivery_owner_host={}; standalone deliverer idle on host {}", quoted_owner,
                      go_quote(host))};
}

}  // namespace jetmon::ops
