#include "jetmon/service/monitor_heartbeat.hpp"

#include <algorithm>

#include "jetmon/dashboard/summary.hpp"

namespace jetmon::service {
namespace {

std::uint16_t bucket_column(std::int64_t bucket) {
  return static_cast<std::uint16_t>(std::clamp<std::int64_t>(bucket, 0, 65535));
}

std::uint32_t port_column(int port) { return static_cast<std::uint32_t>(std::max(port, 0)); }

}  // namespace

void fill_identity(health::ProcessHealthRow& row, const MonitorIdentity& identity,
                   std::string_view process_type) {
  row.host_id = identity.host_id;
  row.process_type = std::string(process_type);
  row.process_id = health::process_id(identity.host_id, process_type);
  row.pid = identity.pid;
  row.version = identity.build.version;
  row.build_date = identity.build.build_date;
  row.go_version = identity.build.toolchain;
  row.started_at = identity.started_at;
}

health::ProcessHealthRow deliverer_health_row(const health::HealthList& health, std::string_view lifecycle,
                                              bool delivery_workers_enabled,
                                              std::string_view delivery_owner_host,
                                              const MonitorIdentity& identity,
                                              const metrics::MemoryFigures& memory,
                                              std::chrono::system_clock::time_point now) {
  health::ProcessHealthRow row;
  fill_identity(row, identity, health::kProcessDeliverer);
  row.state = std::string(lifecycle);
  row.health_status = std::string(health::status_for_state(
      lifecycle, health::deliverer_status(health, delivery_workers_enabled, delivery_owner_host)));
  row.updated_at = now;
  row.delivery_workers_enabled = delivery_workers_enabled;
  row.delivery_owner_host = std::string(delivery_owner_host);
  row.go_sys_mem_mb = health::to_column_count(memory.allocator_mapped_mb);
  row.rss_mem_mb = health::to_column_count(memory.rss_mb);
  row.dependency_health = health;
  return row;
}

health::ProcessHealthRow monitor_health_row(const dashboard::DashboardState& state,
                                            const health::HealthList& health,
                                            std::string_view lifecycle, const config::Config& config,
                                            const MonitorIdentity& identity) {
  health::ProcessHealthRow row;
  fill_identity(row, identity, health::kProcessMonitor);
  row.state = std::string(lifecycle);
  row.health_status =
      std::string(health::status_for_state(lifecycle, dashboard::host_summary(state, health).status));
  row.updated_at = state.updated_at;
  if (state.bucket_min <= state.bucket_max) {  // an empty range ([0,-1]: no buckets) stays NULL
    row.bucket_min = bucket_column(state.bucket_min);
    row.bucket_max = bucket_column(state.bucket_max);
  }
  row.bucket_ownership = state.bucket_ownership;
  row.api_port = port_column(config.api_port);
  row.dashboard_port = port_column(config.dashboard_port);
  row.delivery_workers_enabled = state.delivery_workers_enabled;
  row.delivery_owner_host = state.delivery_owner_host;
  row.worker_count = health::to_column_count(state.worker_count);
  row.active_checks = health::to_column_count(state.active_checks);
  row.queue_depth = health::to_column_count(state.queue_depth);
  row.retry_queue_size = health::to_column_count(state.retry_queue_size);
  row.wpcom_circuit_open = state.wpcom_circuit_open;
  row.wpcom_queue_depth = health::to_column_count(state.wpcom_queue_depth);
  row.go_sys_mem_mb = health::to_column_count(state.go_sys_mem_mb);
  row.rss_mem_mb = health::to_column_count(state.rss_mem_mb);
  row.dependency_health = health;
  return row;
}

}  // namespace jetmon::service
