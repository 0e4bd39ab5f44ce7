#include "config/keys.hpp"

#include <array>
#include <vector>

namespace jetmon::config {

namespace detail {

namespace {

using enum KeyType;
using enum Reload;
using enum KeyStatus;

// Order: monitor.md §1.2 (with TIME_BETWEEN_CHECKS_SEC beside NUM_OF_CHECKS), the decision-6
// endpoints, LOG_FORMAT, then the legacy keys that have no effect.
const std::array kBindings = {
    KeyBinding{{"NUM_WORKERS", integer, hot, active}, &Config::num_workers},
    KeyBinding{{"DATASET_SIZE", integer, hot, active}, &Config::dataset_size},
    KeyBinding{{"MIN_TIME_BETWEEN_ROUNDS_SEC", integer, hot, active},
               &Config::min_time_between_rounds_sec},
    KeyBinding{{"NET_COMMS_TIMEOUT", integer, hot, active}, &Config::net_comms_timeout},
    KeyBinding{{"USE_VARIABLE_CHECK_INTERVALS", boolean, hot, active},
               &Config::use_variable_check_intervals},
    KeyBinding{{"NUM_OF_CHECKS", integer, hot, active}, &Config::num_of_checks},
    KeyBinding{{"TIME_BETWEEN_CHECKS_SEC", integer, hot, active},
               &Config::time_between_checks_sec},
    KeyBinding{{"PEER_OFFLINE_LIMIT", integer, hot, active}, &Config::peer_offline_limit},
    KeyBinding{{"ALERT_COOLDOWN_MINUTES", integer, hot, active}, &Config::alert_cooldown_minutes},
    KeyBinding{{"WORKER_MAX_MEM_MB", integer, hot, active}, &Config::worker_max_mem_mb},
    KeyBinding{{"STATSD_SEND_MEM_USAGE", boolean, hot, active}, &Config::statsd_send_mem_usage},
    KeyBinding{{"LEGACY_STATUS_PROJECTION_ENABLE", boolean, hot, active},
               &Config::legacy_status_projection_enable},
    KeyBinding{{"DB_UPDATES_ENABLE", boolean, hot, deprecated_alias}, std::monostate{}},
    KeyBinding{{"BUCKET_TOTAL", integer, hot, active}, &Config::bucket_total},
    KeyBinding{{"BUCKET_TARGET", integer, hot, active}, &Config::bucket_target},
    KeyBinding{{"BUCKET_HEARTBEAT_GRACE_SEC", integer, hot, active},
               &Config::bucket_heartbeat_grace_sec},
    KeyBinding{{"PINNED_BUCKET_MIN", integer_or_null, hot, active}, &Config::pinned_bucket_min},
    KeyBinding{{"PINNED_BUCKET_MAX", integer_or_null, hot, active}, &Config::pinned_bucket_max},
    KeyBinding{{"BUCKET_NO_MIN", integer_or_null, hot, deprecated_alias}, &Config::bucket_no_min},
    KeyBinding{{"BUCKET_NO_MAX", integer_or_null, hot, deprecated_alias}, &Config::bucket_no_max},
    KeyBinding{{"VERIFIERS", verifier_list, hot, active}, &Config::verifiers},
    KeyBinding{{"AUTH_TOKEN", string, start, active}, &Config::auth_token},
    KeyBinding{{"STATS_UPDATE_INTERVAL_MS", integer, start, active},
               &Config::stats_update_interval_ms},
    KeyBinding{{"DASHBOARD_PORT", integer, start, active}, &Config::dashboard_port},
    KeyBinding{{"DASHBOARD_BIND_ADDR", string, start, active}, &Config::dashboard_bind_addr},
    KeyBinding{{"DEBUG_PORT", integer, start, active}, &Config::debug_port},
    KeyBinding{{"API_PORT", integer, start, active}, &Config::api_port},
    KeyBinding{{"DELIVERY_OWNER_HOST", string, start, active}, &Config::delivery_owner_host},
    KeyBinding{{"EMAIL_TRANSPORT", string, start, active}, &Config::email_transport},
    KeyBinding{{"EMAIL_FROM", string, start, active}, &Config::email_from},
    KeyBinding{{"WPCOM_EMAIL_ENDPOINT", string, start, active}, &Config::wpcom_email_endpoint},
    KeyBinding{{"WPCOM_EMAIL_AUTH_TOKEN", string, start, active}, &Config::wpcom_email_auth_token},
    KeyBinding{{"SMTP_HOST", string, start, active}, &Config::smtp_host},
    KeyBinding{{"SMTP_PORT", integer, start, active}, &Config::smtp_port},
    KeyBinding{{"SMTP_USERNAME", string, start, active}, &Config::smtp_username},
    KeyBinding{{"SMTP_PASSWORD", string, start, active}, &Config::smtp_password},
    KeyBinding{{"SMTP_USE_TLS", boolean, start, active}, &Config::smtp_use_tls},
    KeyBinding{{"STATSD_ADDR", string, start, active}, &Config::statsd_addr},
    KeyBinding{{"WPCOM_NOTIFY_URL", string, start, active}, &Config::wpcom_notify_url},
    KeyBinding{{"PAGERDUTY_EVENTS_URL", string, start, active}, &Config::pagerduty_events_url},
    KeyBinding{{"LOG_FORMAT", string, start, active}, &Config::log_format},
    KeyBinding{{"DEBUG", boolean, none, legacy_no_effect}, &Config::debug},
    KeyBinding{{"NUM_TO_PROCESS", integer, none, legacy_no_effect}, &Config::num_to_process},
    KeyBinding{{"BATCH_SIZE", integer, none, legacy_no_effect}, &Config::batch_size},
    KeyBinding{{"VERIFLIER_BATCH_SIZE", integer, none, legacy_no_effect},
               &Config::veriflier_batch_size},
    KeyBinding{{"SQL_UPDATE_BATCH", integer, none, legacy_no_effect}, &Config::sql_update_batch},
    KeyBinding{{"DB_CONFIG_UPDATES_MIN", integer, none, legacy_no_effect},
               &Config::db_config_updates_min},
    KeyBinding{{"TIME_BETWEEN_NOTICES_MIN", integer, none, legacy_no_effect},
               &Config::time_between_notices_min},
};

std::vector<KeySpec> make_specs() {
  std::vector<KeySpec> specs;
  specs.reserve(kBindings.size());
  for (const auto& binding : kBindings) specs.push_back(binding.spec);
  return specs;
}

}  // namespace

std::span<const KeyBinding> key_bindings() { return kBindings; }

}  // namespace detail

std::span<const KeySpec> key_specs() {
  static const std::vector<KeySpec> specs = detail::make_specs();
  return specs;
}

}  // namespace jetmon::config
