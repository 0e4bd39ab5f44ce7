#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "config/text_util.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/config/config.hpp"

namespace jetmon::config {

namespace {

std::optional<std::string> lookup(const Environment& env, std::string_view name) {
  if (!env) return std::nullopt;
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string lookup_or(const Environment& env, std::string_view name, std::string fallback) {
  auto value = lookup(env, name);
  return value ? std::move(*value) : std::move(fallback);
}

int parse_db_port(const std::string& raw) {
  const auto text = jetmon::trim(raw);
  int port = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, port);
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digits_only || ec != std::errc{} || ptr != end || port < 1 || port > 65535) {
    throw ConfigError(ConfigError::Stage::environment,
                      fmt::format("DB_PORT must be a port number between 1 and 65535, got {}",
                                  jetmon::go_quote(raw)));
  }
  return port;
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Environment environment_from(std::map<std::string, std::string, std::less<>> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string config_path_from_env(const Environment& env) {
  return lookup_or(env, "JETMON_CONFIG", "config/config.json");
}

std::string pid_file_path_from_env(const Environment& env) {
  return lookup_or(env, "JETMON_PID_FILE", "/run/jetmon2/jetmon2.pid");
}

DbSettings db_settings_from_env(const Environment& env) {
  DbSettings settings;
  settings.host = lookup_or(env, "DB_HOST", settings.host);
  if (auto port = lookup(env, "DB_PORT")) settings.port = parse_db_port(*port);
  settings.user = lookup_or(env, "DB_USER", settings.user);
  settings.password = lookup_or(env, "DB_PASSWORD", settings.password);
  settings.name = lookup_or(env, "DB_NAME", settings.name);
  return settings;
}

}  // namespace jetmon::config
