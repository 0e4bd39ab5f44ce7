#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jetmon/dashboard/state.hpp"
#include "jetmon/health/entry.hpp"

// The host summary rules (dashboard-fleet.md §2): one pure function shared by /api/host, the
// process-health row's health_status and (re-implemented in JavaScript) the page.
namespace jetmon::dashboard {

struct HostSummary {
  std::string status;               // "green" | "amber" | "red"
  std::string message;
  std::vector<std::string> issues;  // red first, then amber, each in evaluation order
  std::int64_t red_count = 0;
  std::int64_t amber_count = 0;
  std::int64_t green_count = 0;

  bool operator==(const HostSummary&) const = default;
};

inline constexpr const char* kMessageRed = "rollout-blocking dependency or circuit issue";
inline constexpr const char* kMessageAmber = "operator attention needed before rollout";
inline constexpr const char* kMessageWaiting = "waiting for host state";
inline constexpr const char* kMessageGreen = "host checks are green";

// `health` nullopt or empty = no dependency health published yet (amber, rule 2).
HostSummary host_summary(const DashboardState& state, const health::HealthList& health);

// {"status":…,"message":…[,"issues":[…]],"red_count":n,"amber_count":n,"green_count":n}
std::string summary_json(const HostSummary& summary);

// Response bodies, each ending in "\n".
std::string state_body(const DashboardState& state);                   // /api/state
std::string health_body(const std::optional<health::HealthList>& health);  // /api/health ("null")
// /api/host: {"state":…,"health":…|null,"summary":…}
std::string host_body(const DashboardState& state, const std::optional<health::HealthList>& health);

}  // namespace jetmon::dashboard
