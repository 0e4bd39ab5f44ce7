#include "jetmon/incident/vocabulary.hpp"

namespace jetmon::incident {

std::optional<SiteStatus> projected_site_status(std::optional<std::string_view> open_state) {
  if (!open_state) return SiteStatus::running;
  if (*open_state == states::seems_down) return SiteStatus::down;
  if (*open_state == states::down) return SiteStatus::confirmed_down;
  return std::nullopt;
}

std::string_view recovery_reason(std::string_view open_state) {
  return open_state == states::seems_down ? reasons::probe_cleared : reasons::verifier_cleared;
}

std::string_view severity_name(int severity) {
  switch (severity) {
    case severities::up: return states::up;
    case severities::warning: return states::warning;
    case severities::degraded: return states::degraded;
    case severities::seems_down: return states::seems_down;
    case severities::down: return states::down;
    default: return states::unknown;
  }
}

}  // namespace jetmon::incident
