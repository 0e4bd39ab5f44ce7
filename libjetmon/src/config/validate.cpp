#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "config/text_util.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/config/config.hpp"

namespace jetmon::config {

namespace {

std::optional<std::string> validate_pinned_range(const Config& config) {
  const bool has_pinned = config.pinned_bucket_min || config.pinned_bucket_max;
  const bool has_legacy = config.bucket_no_min || config.bucket_no_max;
  if (has_pinned && !(config.pinned_bucket_min && config.pinned_bucket_max)) {
    return "PINNED_BUCKET_MIN and PINNED_BUCKET_MAX must be set together";
  }
  if (has_legacy && !(config.bucket_no_min && config.bucket_no_max)) {
    return "BUCKET_NO_MIN and BUCKET_NO_MAX must be set together";
  }
  if (has_pinned && has_legacy &&
      (*config.pinned_bucket_min != *config.bucket_no_min ||
       *config.pinned_bucket_max != *config.bucket_no_max)) {
    return "PINNED_BUCKET_* conflicts with legacy BUCKET_NO_* range";
  }
  const auto range = config.pinned_range();
  if (!range) return std::nullopt;
  if (range->min < 0) return "pinned bucket min must be >= 0";
  if (range->max < range->min) return "pinned bucket max must be >= min";
  if (range->max >= config.bucket_total) return "pinned bucket max must be < BUCKET_TOTAL";
  return std::nullopt;
}

std::optional<std::string> validate_email_transport(const Config& config) {
  const auto& transport = config.email_transport;
  if (transport.empty() || transport == "stub") return std::nullopt;
  if (transport == "smtp") {
    if (config.smtp_host.empty()) return "SMTP_HOST is required when EMAIL_TRANSPORT is 'smtp'";
    if (config.smtp_port <= 0) return "SMTP_PORT must be > 0 when EMAIL_TRANSPORT is 'smtp'";
    return std::nullopt;
  }
  if (transport == "wpcom") {
    if (config.wpcom_email_endpoint.empty()) {
      return "WPCOM_EMAIL_ENDPOINT is required when EMAIL_TRANSPORT is 'wpcom'";
    }
    return std::nullopt;
  }
  return "EMAIL_TRANSPORT must be one of: stub, smtp, wpcom";
}

std::optional<std::string> validate_verifiers(const Config& config) {
  for (std::size_t i = 0; i < config.verifiers.size(); ++i) {
    const auto& verifier = config.verifiers[i];
    if (verifier.host.empty()) {
      return fmt::format("VERIFIERS[{}] ({}): host is required", i, verifier.display_name(i));
    }
    if (verifier.effective_port().empty()) {
      return fmt::format("VERIFIERS[{}] ({}): port is required", i, verifier.display_name(i));
    }
  }
  return std::nullopt;
}

// Rules the Go service does not have (it crashes or misbehaves on these values instead).
std::optional<std::string> validate_cpp_additions(const Config& config) {
  if (config.stats_update_interval_ms <= 0) return "STATS_UPDATE_INTERVAL_MS must be > 0";
  const std::array<std::pair<std::string_view, int>, 4> ports = {{
      {"DASHBOARD_PORT", config.dashboard_port},
      {"DEBUG_PORT", config.debug_port},
      {"API_PORT", config.api_port},
      {"SMTP_PORT", config.smtp_port},
  }};
  for (const auto& [key, port] : ports) {
    if (port < 0 || port > 65535) return fmt::format("{} must be between 0 and 65535", key);
  }
  if (!detail::is_host_port(config.statsd_addr)) return "STATSD_ADDR must be host:port";
  if (!detail::is_http_url(config.wpcom_notify_url)) {
    return "WPCOM_NOTIFY_URL must be an http or https URL";
  }
  if (!detail::is_http_url(config.pagerduty_events_url)) {
    return "PAGERDUTY_EVENTS_URL must be an http or https URL";
  }
  if (config.time_between_checks_sec <= 0) return "TIME_BETWEEN_CHECKS_SEC must be > 0";
  if (config.dataset_size <= 0) return "DATASET_SIZE must be > 0";
  if (config.min_time_between_rounds_sec < 0) return "MIN_TIME_BETWEEN_ROUNDS_SEC must be >= 0";
  if (config.num_of_checks <= 0) return "NUM_OF_CHECKS must be > 0";
  return std::nullopt;
}

bool is_loopback_ip(const std::string& host) {
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) return v4[0] == 127;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, host.c_str(), v6) != 1) return false;
  static constexpr unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0, 0, 0, 0, 1};
  static constexpr unsigned char kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(v6, v6 + 16, kLoopback)) return true;
  // Like Go's net.IP.IsLoopback, an IPv4-mapped address is judged as IPv4.
  return std::equal(v6, v6 + 12, kV4MappedPrefix) && v6[12] == 127;
}

}  // namespace

std::optional<std::string> validate(const Config& config) {
  if (config.auth_token.empty()) return "AUTH_TOKEN is required";
  if (config.num_workers <= 0) return "NUM_WORKERS must be > 0";
  if (config.bucket_total <= 0) return "BUCKET_TOTAL must be > 0";
  if (config.bucket_target < 1 || config.bucket_target > config.bucket_total) {
    return "BUCKET_TARGET must be between 1 and BUCKET_TOTAL";
  }
  if (auto problem = validate_pinned_range(config)) return problem;
  if (config.net_comms_timeout <= 0) return "NET_COMMS_TIMEOUT must be > 0";
  if (config.log_format != "text" && config.log_format != "json") {
    return "LOG_FORMAT must be 'text' or 'json'";
  }
  if (auto problem = validate_email_transport(config)) return problem;
  if (auto problem = validate_verifiers(config)) return problem;
  return validate_cpp_additions(config);
}

bool is_loopback_bind_addr(std::string_view addr) {
  std::string_view host = jetmon::trim(addr);
  if (host.empty()) return true;  // blank binds the default 127.0.0.1
  while (!host.empty() && (host.front() == '[' || host.front() == ']')) host.remove_prefix(1);
  while (!host.empty() && (host.back() == '[' || host.back() == ']')) host.remove_suffix(1);
  std::string normalized = jetmon::to_lower_ascii(host);
  if (normalized.ends_with('.')) normalized.pop_back();
  if (normalized == "localhost" || normalized.ends_with(".localhost")) return true;
  return is_loopback_ip(normalized);
}

std::vector<Warning> warnings(const Config& config) {
  std::vector<Warning> found;
  if (!config.email_transport_delivers()) {
    found.push_back({"EMAIL_TRANSPORT",
                     fmt::format("email_transport={}; alert-contact emails will be logged but "
                                 "not delivered",
                                 config.email_transport_label())});
  }
  if (config.dashboard_port > 0 && !is_loopback_bind_addr(config.dashboard_bind_addr)) {
    found.push_back(
        {"DASHBOARD_BIND_ADDR",
         fmt::format("DASHBOARD_BIND_ADDR={} exposes the unauthenticated host dashboard; "
                     "restrict access to trusted operator networks",
                     jetmon::go_quote(jetmon::trim(config.dashboard_bind_addr)))});
  }
  return found;
}

}  // namespace jetmon::config
