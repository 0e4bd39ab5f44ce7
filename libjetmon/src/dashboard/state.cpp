#include "jetmon/dashboard/state.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "common/json_escape.hpp"
#include "jetmon/common/time.hpp"
#include "jetmon/ops/delivery_owner.hpp"
#include "jetmon/ops/rollout_hints.hpp"

namespace jetmon::dashboard {
namespace {

std::string quoted(const std::string& text) { return "\"" + json_escape(text) + "\""; }

const char* boolean(bool value) { return value ? "true" : "false"; }

}  // namespace

DashboardState build_state(const StateInputs& in) {
  if (in.config == nullptr) throw std::invalid_argument("dashboard: build_state needs a config");
  const config::Config& cfg = *in.config;
  DashboardState s;
  s.worker_count = in.worker_count;
  s.active_checks = static_cast<std::int64_t>(in.orchestrator.in_flight);
  s.queue_depth = static_cast<std::int64_t>(in.orchestrator.queue_depth);
  s.retry_queue_size = in.retry_queue_size;
  s.sites_per_sec = in.orchestrator.rounds.sites_per_sec;
  s.round_duration_ms = in.orchestrator.rounds.round_duration_ms;
  s.wpcom_circuit_open = in.wpcom_circuit_open;
  s.wpcom_queue_depth = in.wpcom_queue_depth;
  s.go_sys_mem_mb = in.memory.allocator_mapped_mb;
  s.rss_mem_mb = in.memory.rss_mb;
  s.bucket_min = in.orchestrator.ownership.range.min;
  s.bucket_max = in.orchestrator.ownership.range.max;
  s.bucket_ownership = cfg.bucket_ownership_label();
  s.legacy_status_projection_enabled = cfg.legacy_status_projection_enable;
  s.delivery_workers_enabled = in.delivery_workers_enabled;
  s.delivery_config_eligible = ops::monitor_delivery_owner(cfg, in.hostname).workers_enabled;
  s.delivery_owner_host = cfg.delivery_owner_host;
  const ops::RolloutCommands commands = ops::rollout_commands(cfg);
  s.rollout_preflight_command = commands.preflight;
  s.rollout_cutover_command = commands.cutover;
  s.rollout_activity_command = commands.activity;
  s.rollout_rollback_command = commands.rollback;
  s.rollout_state_report_command = commands.state_report;
  s.projection_drift_command = commands.drift_report;
  s.hostname = in.hostname;
  s.updated_at = in.now;
  return s;
}

std::string state_json(const DashboardState& s) {
  std::string out;
  out.reserve(1400);
  fmt::format_to(std::back_inserter(out),
                 R"({{"worker_count":{},"active_checks":{},"queue_depth":{},"retry_queue_size":{},)"
                 R"("sites_per_sec":{},"round_duration_ms":{},"wpcom_circuit_open":{},)"
                 R"("wpcom_queue_depth":{},"go_sys_mem_mb":{},"rss_mem_mb":{},"bucket_min":{},)"
                 R"("bucket_max":{},"bucket_ownership":{},"legacy_status_projection_enabled":{},)"
                 R"("delivery_workers_enabled":{},"delivery_config_eligible":{},)"
                 R"("delivery_owner_host":{},)",
                 s.worker_count, s.active_checks, s.queue_depth, s.retry_queue_size,
                 s.sites_per_sec, s.round_duration_ms, boolean(s.wpcom_circuit_open),
                 s.wpcom_queue_depth, s.go_sys_mem_mb, s.rss_mem_mb, s.bucket_min, s.bucket_max,
                 quoted(s.bucket_ownership), boolean(s.legacy_status_projection_enabled),
                 boolean(s.delivery_workers_enabled), boolean(s.delivery_config_eligible),
                 quoted(s.delivery_owner_host));
  fmt::format_to(std::back_inserter(out),
                 R"("rollout_preflight_command":{},"rollout_cutover_command":{},)"
                 R"("rollout_activity_command":{},"rollout_rollback_command":{},)"
                 R"("rollout_state_report_command":{},"projection_drift_command":{},)"
                 R"("hostname":{},"updated_at":"{}"}})",
                 quoted(s.rollout_preflight_command), quoted(s.rollout_cutover_command),
                 quoted(s.rollout_activity_command), quoted(s.rollout_rollback_command),
                 quoted(s.rollout_state_report_command), quoted(s.projection_drift_command),
                 quoted(s.hostname), format_rfc3339_utc(s.updated_at));
  return out;
}

}  // namespace jetmon::dashboard
