#include "jetmon/dashboard/status.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <ostream>
#include <stdexcept>

#include "jetmon/common/text.hpp"

namespace jetmon::dashboard {
namespace {

std::string env_value(const config::Environment& env, std::string_view name) {
  const auto value = env(name);
  return value ? std::string(jetmon::trim(*value)) : std::string();
}

}  // namespace

StatusTarget status_target(const config::Environment& env) {
  StatusTarget target;
  const std::string port_text = env_value(env, "DASHBOARD_PORT");
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
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
  target.url = fmt::format("http://{}:{}/api/state", target.host, target.port);
  return target;
}

int run_status(const config::Environment& env, std::ostream& out, std::ostream& err) {
  StatusTarget target;
  try {
    target = status_target(env);
  } catch (const std::exception& e) {
    err << "status: " << e.what() << "\n";
    return 1;
  }
  httplib::Client client(fmt::format("http://{}:{}", target.host, target.port));
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(10));
  client.set_write_timeout(std::chrono::seconds(5));
  const httplib::Result result = client.Get("/api/state");
  if (!result) {
    err << fmt::format("status: no dashboard answered at {}: {} (is jetmon2 running with "
                       "DASHBOARD_PORT={}?)\n",
                       target.url, httplib::to_string(result.error()), target.port);
    return 1;
  }
  if (result->status >= 400) {
    err << fmt::format("status: {} answered HTTP {}\n", target.url, result->status);
    return 1;
  }
  out << result->body;
  if (!result->body.empty() && result->body.back() != '\n') out << "\n";
  return 0;
}

}  // namespace jetmon::dashboard
