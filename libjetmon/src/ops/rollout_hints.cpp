#include "jetmon/ops/rollout_hints.hpp"

#include <fmt/format.h>

namespace jetmon::ops {
namespace {
constexpr const char* kRollout = "./jetmon2 rollout";
}

RolloutCommands rollout_commands(const config::Config& config) {
  RolloutCommands commands;
  const auto pinned = config.pinned_range();
  const std::string total =
      config.bucket_total > 0 ? fmt::format(" --bucket-total={}", config.bucket_total) : "";
  if (pinned) {
    commands.static_plan = fmt::format(
        "{} static-plan-check --file=<ranges.csv> --host=<v1-hostname> --bucket-min={} "
        "--bucket-max={}{}",
        kRollout, pinned->min, pinned->max, total);
    commands.preflight = fmt::format(
        "{} host-preflight --file=<ranges.csv> --host=<v1-hostname> --runtime-host=<v2-hostname> "
        "--bucket-min={} --bucket-max={}{}",
        kRollout, pinned->min, pinned->max, total);
    commands.cutover = fmt::format("{} cutover-check --since=15m", kRollout);
    commands.rollback = fmt::format("{} rollback-check", kRollout);
  } else {
    commands.preflight = fmt::format("{} dynamic-check", kRollout);
  }
  commands.activity = fmt::format("{} activity-check --since=15m", kRollout);
  commands.state_report = fmt::format("{} state-report --since=15m", kRollout);
  commands.drift_report = fmt::format("{} projection-drift", kRollout);
  return commands;
}

}  // namespace jetmon::ops
