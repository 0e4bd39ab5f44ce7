#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "jetmon/config/config.hpp"
#include "jetmon/health/entry.hpp"
#include "jetmon/metrics/memory.hpp"
#include "jetmon/schedule/orchestrator.hpp"

// The host dashboard's `state` object (dashboard-fleet.md §1.4) and the JSON bodies built from
// it: /api/state, the SSE data line, /api/health and /api/host (§1.5, §1.6). docs/dashboard.md.
namespace jetmon::dashboard {

// Every key of §1.4, in the spec's order. The default value is the all-zero object served
// before the first publish (updated_at = never).
struct DashboardState {
  std::int64_t worker_count = 0;
  std::int64_t active_checks = 0;
  std::int64_t queue_depth = 0;
  std::int64_t retry_queue_size = 0;
  std::int64_t sites_per_sec = 0;
  std::int64_t round_duration_ms = 0;
  bool wpcom_circuit_open = false;
  std::int64_t wpcom_queue_depth = 0;
  std::int64_t go_sys_mem_mb = 0;  // allocator-mapped MiB (§11), not RSS
  std::int64_t rss_mem_mb = 0;     // OS RSS MiB, 0 = unavailable
  std::int64_t bucket_min = 0;
  std::int64_t bucket_max = 0;
  std::string bucket_ownership;
  bool legacy_status_projection_enabled = false;
  bool delivery_workers_enabled = false;  // runtime: workers were started at process start
  bool delivery_config_eligible = false;  // the current config would start them
  std::string delivery_owner_host;        // config value, raw
  std::string rollout_preflight_command;
  std::string rollout_cutover_command;
  std::string rollout_activity_command;
  std::string rollout_rollback_command;
  std::string rollout_state_report_command;
  std::string projection_drift_command;
  std::string hostname;
  std::chrono::system_clock::time_point updated_at{};  // zero = never

  bool operator==(const DashboardState&) const = default;
};

// What one publish knows; every figure comes from the running monitor.
struct StateInputs {
  const config::Config* config = nullptr;  // the current (SIGHUP-reloaded) snapshot; required
  std::int64_t worker_count = 0;            // the check engine's concurrency (its max in flight)
  schedule::OrchestratorSnapshot orchestrator;
  std::int64_t retry_queue_size = 0;
  bool wpcom_circuit_open = false;
  std::int64_t wpcom_queue_depth = 0;
  metrics::MemoryFigures memory;
  bool delivery_workers_enabled = false;  // decided once at startup
  std::string hostname;
  std::chrono::system_clock::time_point now{};
};

// Pure: fills every key (bucket_ownership, delivery_config_eligible and the rollout commands
// from the config; bucket_min/max from the live ownership; updated_at = now).
DashboardState build_state(const StateInputs& inputs);

// One line of JSON, keys in §1.4 order, no trailing newline.
std::string state_json(const DashboardState& state);

}  // namespace jetmon::dashboard
