#include "jetmon/config/config.hpp"

#include <fmt/format.h>

#include "config/text_util.hpp"
#include "jetmon/common/text.hpp"

namespace jetmon::config {

std::string Verifier::effective_port() const { return port.empty() ? grpc_port : port; }

std::string Verifier::display_name(std::size_t index) const {
  return name.empty() ? fmt::format("verifier #{}", index) : name;
}

std::string Verifier::address() const { return host + ":" + effective_port(); }

std::optional<BucketRange> Config::pinned_range() const {
  if (pinned_bucket_min && pinned_bucket_max) {
    return BucketRange{*pinned_bucket_min, *pinned_bucket_max};
  }
  if (bucket_no_min && bucket_no_max) return BucketRange{*bucket_no_min, *bucket_no_max};
  return std::nullopt;
}

std::string Config::bucket_ownership_label() const {
  if (const auto range = pinned_range()) {
    return fmt::format("pinned range={}-{}", range->min, range->max);
  }
  return "dynamic jetmon_hosts";
}

std::string Config::effective_dashboard_bind_addr() const {
  const auto trimmed = jetmon::trim(dashboard_bind_addr);
  return trimmed.empty() ? std::string("127.0.0.1") : std::string(trimmed);
}

int Config::check_timeout_seconds(int site_timeout) const {
  if (site_timeout > 0) return site_timeout;
  return net_comms_timeout > 0 ? net_comms_timeout : 10;
}

std::string Config::email_transport_label() const {
  return email_transport.empty() ? std::string("stub") : email_transport;
}

bool Config::email_transport_delivers() const {
  return email_transport == "smtp" || email_transport == "wpcom";
}

std::vector<std::string> Config::verifier_client_keys() const {
  std::vector<std::string> keys;
  keys.reserve(verifiers.size());
  for (const auto& verifier : verifiers) keys.push_back(verifier.address() + "|" + verifier.auth_token);
  return keys;
}

std::string_view ConfigError::prefix(Stage stage) {
  switch (stage) {
    case Stage::open: return "open config: ";
    case Stage::parse: return "parse config: ";
    case Stage::invalid: return "invalid config: ";
    case Stage::environment: return "invalid environment: ";
  }
  return "config: ";
}

ConfigError::ConfigError(Stage stage, const std::string& detail)
    : std::runtime_error(std::string(prefix(stage)) + detail), stage_(stage), detail_(detail) {}

}  // namespace jetmon::config
