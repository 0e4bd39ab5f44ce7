#pragma once

#include <string>
#include <string_view>

#include "jetmon/config/config.hpp"

namespace jetmon::ops {

// Whether this process runs the delivery workers, and the line it logs (and that
// validate-config prints) to say why. dashboard-fleet.md §7.2.
struct DeliveryOwnerDecision {
  bool workers_enabled = false;
  bool warning = false;  // printed as WARN, else INFO
  std::string message;
};

// jetmon2: workers run iff API_PORT > 0 and DELIVERY_OWNER_HOST is empty or this host.
DeliveryOwnerDecision monitor_delivery_owner(const config::Config& config, std::string_view host);

// jetmon-deliverer: workers run iff DELIVERY_OWNER_HOST is empty or this host (API_PORT ignored).
DeliveryOwnerDecision deliverer_delivery_owner(const config::Config& config, std::string_view host);

}  // namespace jetmon::ops
