#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "jetmon/config/config.hpp"
#include "jetmon/dashboard/state.hpp"
#include "jetmon/health/entry.hpp"
#include "jetmon/health/process.hpp"

// The monitor's jetmon_process_health row (dashboard-fleet.md §6.5, monitor column), built from
// the same published state the dashboard serves, so the row and the page can never disagree.
namespace jetmon::service {

struct MonitorIdentity {
  std::string host_id;
  std::uint32_t pid = 0;
  health::BuildIdentity build;
  std::chrono::system_clock::time_point started_at{};
};

// health_status = the §2 host summary of (state, health), amber while stopping or stopped;
// live range and label; API and dashboard ports from the config; pool, queue, WPCOM and memory
// figures from the state; dependency_health = the probe list.
health::ProcessHealthRow monitor_health_row(const dashboard::DashboardState& state,
                                            const health::HealthList& health,
                                            std::string_view lifecycle, const config::Config& config,
                                            const MonitorIdentity& identity);

}  // namespace jetmon::service
