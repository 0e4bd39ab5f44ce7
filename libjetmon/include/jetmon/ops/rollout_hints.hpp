#pragma once

#include <string>

#include "jetmon/config/config.hpp"

namespace jetmon::ops {

// The next rollout commands for this host, built from the current config. Shared by
// `validate-config` (INFO rollout_*=… lines) and the host dashboard (rollout_*_command keys).
// Empty strings mark commands that do not apply in dynamic mode.
struct RolloutCommands {
  std::string static_plan;   // pinned only
  std::string preflight;     // host-preflight (pinned) or dynamic-check
  std::string cutover;       // pinned only
  std::string activity;
  std::string rollback;      // pinned only
  std::string state_report;
  std::string drift_report;
};

RolloutCommands rollout_commands(const config::Config& config);

}  // namespace jetmon::ops
