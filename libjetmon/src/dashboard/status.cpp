#include "jetmon/dashboard/status.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <cctype>
#include <charconv>
#include <ostream>
#include <stdexcept>

#include "jetmon/common/text.hpp"
#include "jetmon/dashboard/http_get.hpp"

namespace jetmon::dashboard {
namespace {

std::string env_value(const config::Environment& env, std::string_view name) {
  const auto value = env(name);
  return value ? std::string(jetmon::trim(*value)) : std::string();
}

// One line of terminal text: a control character (a newline inside last_error) becomes a space.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  }
  return line;
}

std::string string_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return {};
  const auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return one_line({it->value.GetString(), it->value.GetStringLength()});
}

std::int64_t int_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return 0;
  const auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

bool bool_member(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return false;
  const auto it = object.FindMember(key);
  return it != object.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace

std::optional<StatusReport> format_host_status(std::string_view host_body) {
  rapidjson::Document doc;
  doc.Parse(host_body.data(), host_body.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const auto summary_it = doc.FindMember("summary");
  if (summary_it == doc.MemberEnd() || !summary_it->value.IsObject()) return std::nullopt;
  const rapidjson::Value& summary = summary_it->value;
  const auto status_it = summary.FindMember("status");
  if (status_it == summary.MemberEnd() || !status_it->value.IsString()) return std::nullopt;

  StatusReport report;
  const std::string status = string_member(summary, "status");
  report.red = status == "red";
  std::string& text = report.text;
  text += fmt::format("{} {}\n", jetmon::to_upper_ascii(status), string_member(summary, "message"));
  const auto issues = summary.FindMember("issues");
  if (issues != summary.MemberEnd() && issues->value.IsArray()) {
    for (const auto& issue : issues->value.GetArray()) {
      if (issue.IsString()) {
        text += fmt::format("issue: {}\n", one_line({issue.GetString(), issue.GetStringLength()}));
      }
    }
  }
  text += fmt::format("dependencies green={} amber={} red={}\n", int_member(summary, "green_count"),
                      int_member(summary, "amber_count"), int_member(summary, "red_count"));
  const auto health = doc.FindMember("health");
  if (health != doc.MemberEnd() && health->value.IsArray()) {
    for (const auto& entry : health->value.GetArray()) {
      text += fmt::format("{}: {}", string_member(entry, "name"), string_member(entry, "status"));
      if (const std::int64_t latency = int_member(entry, "latency_ms"); latency != 0) {
        text += fmt::format(" {}ms", latency);
      }
      if (const std::string error = string_member(entry, "last_error"); !error.empty()) {
        text += " - " + error;
      }
      text += "\n";
    }
  } else {
    text += "dependency health: not published yet\n";
  }
  const auto state_it = doc.FindMember("state");
  static const rapidjson::Value kNoState(rapidjson::kObjectType);
  const rapidjson::Value& state =
      state_it != doc.MemberEnd() && state_it->value.IsObject() ? state_it->value : kNoState;
  text += fmt::format("host={}\n", string_member(state, "hostname"));
  text += fmt::format("updated_at={}\n", string_member(state, "updated_at"));
  text += fmt::format("buckets={}-{} ({})\n", int_member(state, "bucket_min"),
                      int_member(state, "bucket_max"), string_member(state, "bucket_ownership"));
  text += fmt::format("sites_per_sec={}\n", int_member(state, "sites_per_sec"));
  text += fmt::format("round_duration_ms={}\n", int_member(state, "round_duration_ms"));
  text += fmt::format("wpcom_circuit_open={}\n", bool_member(state, "wpcom_circuit_open"));
  text += fmt::format("wpcom_queue_depth={}\n", int_member(state, "wpcom_queue_depth"));
  return report;
}

StatusTarget status_target(const config::Environment& env) {
  StatusTarget target;
  const std::string port_text = env_value(env, "DASHBOARD_PORT");
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    const bool whole = ec == std::errc{} && end == port_text.data() + port_text.size();
    if (whole && port == 0) {
      throw std::invalid_argument(fmt::format(
          "DASHBOARD_PORT={}: the dashboard is disabled, there is nothing to ask", jetmon::go_quote(port_text)));
    }
    if (!whole || port < 1 || port > 65535) {
      throw std::invalid_argument(
          fmt::format("DASHBOARD_PORT={} is not a port number", jetmon::go_quote(port_text)));
    }
    target.port = port;
  }
  std::string host = env_value(env, "DASHBOARD_HOST");
  if (host.empty()) host = env_value(env, "DASHBOARD_BIND_ADDR");
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "0.0.0.0" || host == "::") host = "localhost";
  target.host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  target.url = fmt::format("http://{}:{}/api/host", target.host, target.port);
  return target;
}

int run_status(const config::Environment& env, std::ostream& out, std::ostream& err, bool json) {
  StatusTarget target;
  try {
    target = status_target(env);
  } catch (const std::exception& e) {
    err << "status: " << e.what() << "\n";
    return 1;
  }
  // A ceiling on the body: DASHBOARD_HOST may point at something that is not our dashboard.
  constexpr std::size_t kMaxBody = 1024 * 1024;
  const GetResult result = http_get(target.host, target.port, "/api/host", GetTimeouts{}, kMaxBody);
  const std::string& body = result.body;
  if (result.too_large) {
    err << fmt::format("status: {} answered more than {} bytes; not a jetmon2 dashboard\n", target.url,
                       kMaxBody);
    return 1;
  }
  if (!result.status) {
    err << fmt::format("status: no dashboard answered at {}: {} (is jetmon2 running with "
                       "DASHBOARD_PORT={}?)\n",
                       target.url, result.error, target.port);
    return 1;
  }
  if (*result.status >= 400) {
    err << fmt::format("status: {} answered HTTP {}\n", target.url, *result.status);
    return 1;
  }
  const std::optional<StatusReport> report = format_host_status(body);
  if (!report) {
    err << fmt::format("status: {} answered a body that is not /api/host JSON\n", target.url);
    return 1;
  }
  if (json) {
    out << body;
    if (!body.empty() && body.back() != '\n') out << "\n";
  } else {
    out << report->text;
  }
  return report->red ? 1 : 0;
}

}  // namespace jetmon::dashboard
