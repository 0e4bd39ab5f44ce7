#pragma once

// The example of dashboard-fleet.md §1.6 as builder inputs, shared by the dashboard tests.
#include <chrono>

#include "jetmon/config/config.hpp"
#include "jetmon/dashboard/state.hpp"
#include "jetmon/health/entry.hpp"

namespace jetmon::dashboard::test {

inline std::chrono::system_clock::time_point spec_example_time() {
  using namespace std::chrono;
  return sys_days{year{2026} / month{4} / day{30}} + hours{10} + minutes{42} + seconds{15};
}

inline config::Config spec_example_config() {
  config::Config config;
  config.auth_token = "t";
  config.pinned_bucket_min = 0;
  config.pinned_bucket_max = 99;
  config.bucket_total = 1000;
  config.legacy_status_projection_enable = true;
  config.api_port = 8090;  // delivery eligible with an unset owner
  return config;
}

// `config` must outlive the returned inputs.
inline StateInputs spec_example_inputs(const config::Config& config) {
  StateInputs in;
  in.config = &config;
  in.worker_count = 24;
  in.orchestrator.in_flight = 3;
  in.orchestrator.queue_depth = 12;
  in.orchestrator.rounds.sites_per_sec = 173;
  in.orchestrator.rounds.round_duration_ms = 8512;
  in.orchestrator.ownership.range = {0, 99};
  in.orchestrator.ownership.pinned = true;
  in.retry_queue_size = 1;
  in.wpcom_circuit_open = false;
  in.wpcom_queue_depth = 0;
  in.memory.allocator_mapped_mb = 91;
  in.memory.rss_mb = 104;
  in.memory.heap_alloc_mb = 50;
  in.delivery_workers_enabled = true;
  in.hostname = "jetmon-v2-a";
  in.now = spec_example_time() + std::chrono::milliseconds(512);
  return in;
}

inline health::HealthList spec_example_health() {
  const auto at = spec_example_time() + std::chrono::milliseconds(200);
  return {
      {"mysql", "green", 2, "", at},
      {"wpcom", "green", 0, "", at},
      {"statsd", "amber", 0, "statsd client is not initialized", at},
      {"disk:logs", "green", 0, "", at},
      {"disk:stats", "green", 0, "", at},
      {"veriflier:iad (1.4.0)", "green", 8, "", at},
  };
}

inline constexpr const char* kSpecExampleStateJson =
    R"({"worker_count":24,"active_checks":3,"queue_depth":12,"retry_queue_size":1,)"
    R"("sites_per_sec":173,"round_duration_ms":8512,"wpcom_circuit_open":false,"wpcom_queue_depth":0,)"
    R"("go_sys_mem_mb":91,"rss_mem_mb":104,"bucket_min":0,"bucket_max":99,)"
    R"("bucket_ownership":"pinned range=0-99","legacy_status_projection_enabled":true,)"
    R"("delivery_workers_enabled":true,"delivery_config_eligible":true,"delivery_owner_host":"",)"
    R"("rollout_preflight_command":"./jetmon2 rollout host-preflight --file=<ranges.csv> --host=<v1-hostname> --runtime-host=<v2-hostname> --bucket-min=0 --bucket-max=99 --bucket-total=1000",)"
    R"("rollout_cutover_command":"./jetmon2 rollout cutover-check --since=15m",)"
    R"("rollout_activity_command":"./jetmon2 rollout activity-check --since=15m",)"
    R"("rollout_rollback_command":"./jetmon2 rollout rollback-check",)"
    R"("rollout_state_report_command":"./jetmon2 rollout state-report --since=15m",)"
    R"("projection_drift_command":"./jetmon2 rollout projection-drift",)"
    R"("hostname":"jetmon-v2-a","updated_at":"2026-04-30T10:42:15.512Z"})";

}  // namespace jetmon::dashboard::test
