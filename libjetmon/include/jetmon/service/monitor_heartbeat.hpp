#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "jetmon/config/config.hpp"
#include "jetmon/dashboard/state.hpp"
#include "jetmon/health/entry.hpp"
#include "jetmon/health/process.hpp"
#include "jetmon/metrics/memory.hpp"

// The monitor's jetmon_process_health row (dashboard-fleet.md §6.5, monitor column), built from
// the same published state the dashboard serves, so the row and the page can never disagree.
namespace jetmon::service {

struct MonitorIdentity {
  std::string host_id;
  std::uint32_t pid = 0;
  health::BuildIdentity build;
  std::chrono::system_clock::time_point started_at{};
};

// The identity columns every process row carries the same way: host, type, process id, pid,
// build identity, started_at.
void fill_identity(health::ProcessHealthRow& row, const MonitorIdentity& identity,
                   std::string_view process_type);

// The deliverer's row (§6.5, deliverer column): state running/idle/stopping/stopped,
// health_status = deliverer_status(probes, workers, owner), amber while stopping or stopped;
// bucket and port columns NULL, pool/queue/WPCOM columns 0; memory figures;
// dependency_health = [mysql, statsd].
health::ProcessHealthRow deliverer_health_row(const health::HealthList& health, std::string_view lifecycle,
                                              bool delivery_workers_enabled,
                                              std::string_view delivery_owner_host,
                                              const MonitorIdentity& identity,
                                              const metrics::MemoryFigures& memory,
                                              std::chrono::system_clock::time_point now);

// health_status = the §2 host summary of (state, health), amber while stopping or stopped;
// live range and label; API and dashboard ports from the config; pool, queue, WPCOM and memory
// figures from the state; dependency_health = the probe list.
health::ProcessHealthRow monitor_health_row(const dashboard::DashboardState& state,
                                            const health::HealthList& health,
                                            std::string_view lifecycle, const config::Config& config,
                                            const MonitorIdentity& identity);

}  // namespace jetmon::service
