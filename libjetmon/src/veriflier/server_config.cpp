// `jetmon2 veriflier`: its config (file + environment, as Go's veriflier2) and its run loop.
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "jetmon/common/build_info.hpp"
#include "jetmon/common/log.hpp"
#include "jetmon/common/text.hpp"
#include "jetmon/veriflier/server.hpp"

namespace jetmon::veriflier {
namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
constexpr std::string_view kDefaultConfigPath = "config/veriflier.json";
constexpr std::string_view kDefaultPort = "7803";

std::string_view json_type_name(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "bool";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

std::string env_or(const config::Environment& env, std::string_view name, std::string fallback) {
  if (auto value = env(name)) return *value;
  return fallback;
}

// Reads the file into `cfg`; false when the file does not exist (environment only).
bool read_config_file(const std::string& path, ServerConfig& cfg) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return false;
    throw std::runtime_error(fmt::format("load config: {}: {}", path, std::strerror(err)));
  }
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > kMaxConfigBytes) {
    throw std::runtime_error(
        fmt::format("load config: {}: larger than {} bytes", path, kMaxConfigBytes));
  }
  rapidjson::Document doc;
  // Like Go's json.Decoder: the first JSON value counts, anything after it is not read.
  doc.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                text.size());
  if (doc.HasParseError()) {
    throw std::runtime_error(fmt::format("load config: {}: {} (at byte {})", path,
                                         rapidjson::GetParseError_En(doc.GetParseError()),
                                         doc.GetErrorOffset()));
  }
  if (doc.IsNull()) return true;
  if (!doc.IsObject()) {
    throw std::runtime_error(fmt::format("load config: {}: top level must be a JSON object, got {}",
                                         path, json_type_name(doc)));
  }
  std::string grpc_port;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    std::string* target = nullptr;
    std::string_view canonical;
    if (equals_ignore_ascii_case(name, "auth_token")) {
      target = &cfg.auth_token;
      canonical = "auth_token";
    } else if (equals_ignore_ascii_case(name, "port")) {
      target = &cfg.port;
      canonical = "port";
    } else if (equals_ignore_ascii_case(name, "grpc_port")) {
      target = &grpc_port;
      canonical = "grpc_port";
    } else {
      continue;  // other keys (Go's hostname, statsd_host_path, …) are not used here
    }
    if (it->value.IsNull()) continue;
    if (!it->value.IsString()) {
      throw std::runtime_error(fmt::format("load config: {}: {}: expected string, got {}", path,
                                           canonical, json_type_name(it->value)));
    }
    target->assign(it->value.GetString(), it->value.GetStringLength());
  }
  if (cfg.port.empty()) cfg.port = grpc_port;  // grpc_port is the deprecated alias
  return true;
}

std::optional<int> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || port < 0 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

}  // namespace

ServerConfig load_server_config(const config::Environment& env) {
  ServerConfig cfg;
  cfg.config_path = env_or(env, "VERIFLIER_CONFIG", std::string(kDefaultConfigPath));
  cfg.from_file = read_config_file(cfg.config_path, cfg);
  if (!cfg.from_file) {
    cfg.auth_token = env_or(env, "VERIFLIER_AUTH_TOKEN", "");
    cfg.port = env_or(env, "VERIFLIER_PORT",
                      env_or(env, "VERIFLIER_GRPC_PORT", std::string(kDefaultPort)));
  }
  if (auto token = env("VERIFLIER_AUTH_TOKEN")) cfg.auth_token = *token;
  if (auto port = env("VERIFLIER_PORT")) {
    cfg.port = *port;
  } else if (auto grpc = env("VERIFLIER_GRPC_PORT")) {
    cfg.port = *grpc;
  }

  if (cfg.port.empty()) throw std::runtime_error("VERIFLIER_PORT is not set");
  if (cfg.auth_token.empty()) {
    throw std::runtime_error(
        "VERIFLIER_AUTH_TOKEN is not set; refusing to start with no authentication");
  }
  if (!parse_port(cfg.port)) {
    throw std::runtime_error(
        fmt::format("VERIFLIER_PORT: invalid port {} (want 0-65535)", go_quote(cfg.port)));
  }
  return cfg;
}

int run_veriflier_server(const config::Environment& env, const std::atomic<bool>& stop_requested,
                         std::ostream& err, std::shared_ptr<ServerObserver> observer) {
  constexpr auto kDrain = std::chrono::seconds(30);
  try {
    const ServerConfig cfg = load_server_config(env);
    if (!cfg.from_file) {
      log::info("veriflier2: {} not found; using the environment only", cfg.config_path);
    }
    ServerOptions options;
    options.auth_token = cfg.auth_token;
    options.port = *parse_port(cfg.port);
    options.observer = std::move(observer);
    Server server(std::move(options));
    server.start();
    std::string version = build_info().version.empty() ? "dev" : build_info().version;
    log::info("veriflier2 {} starting on :{}", version, server.port());

    while (!stop_requested.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));

    log::info("veriflier2: stop requested, draining (up to {}s)", kDrain.count());
    if (!server.stop(kDrain)) {
      log::warn("veriflier2: requests still running after {}s were cancelled", kDrain.count());
    }
    log::info("veriflier2: shutdown complete");
    return 0;
  } catch (const std::exception& e) {
    err << "veriflier: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace jetmon::veriflier
